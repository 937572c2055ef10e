//! Waits the host makes where the kernel would: socket timeouts (`SO_RCVTIMEO`/`SO_SNDTIMEO`)
//! in them, and a threaded program's blocking sends.

use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use rustix::net::sockopt::{Timeout, set_socket_timeout};

use super::*;

fn pair_with_recv_timeout(timeout: Option<Duration>) -> (UnixStream, UnixStream) {
    let (a, b) = UnixStream::pair().unwrap();
    set_socket_timeout(&a, Timeout::Recv, timeout).unwrap();
    (a, b)
}

fn recv_dontwait(a: &UnixStream, buf: &mut [u8]) -> isize {
    // SAFETY: `buf` is a live, writable buffer of the length given.
    unsafe {
        libc::recv(
            a.as_raw_fd(),
            buf.as_mut_ptr().cast(),
            buf.len(),
            libc::MSG_DONTWAIT,
        )
    }
}

#[test]
fn a_kernel_timeout_is_the_answer_not_a_reason_to_wait_again() {
    // The kernel waited the whole timeout before its EAGAIN (the call let it wait, the socket
    // blocks): `again` answers at once. Waiting again would take the hour; the test gives up
    // after a minute (a hang guard, not a measurement).
    let (a, b) = pair_with_recv_timeout(Some(Duration::from_secs(3600)));
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut blocking = Blocking::new(a.as_fd(), libc::POLLIN, true);
        let _ = tx.send(blocking.again().unwrap());
    });
    let again = rx.recv_timeout(Duration::from_secs(60));
    drop(b);
    assert_eq!(again, Ok(false));
}

#[test]
fn a_wait_this_host_makes_ends_with_the_sockets_timeout() {
    // `MSG_DONTWAIT` calls (a threaded program's), and a socket whose O_NONBLOCK is set under
    // a blocking guest descriptor: the wait is in `poll`, bounded by the timeout.
    for host_nonblocking in [false, true] {
        let (a, _b) = pair_with_recv_timeout(Some(Duration::from_millis(60)));
        a.set_nonblocking(host_nonblocking).unwrap();
        let kernel_waits = host_nonblocking;
        let start = Instant::now();
        let mut buf = [0u8; 4];
        let got = retry(a.as_fd(), true, kernel_waits, libc::POLLIN, || {
            recv_dontwait(&a, &mut buf)
        });
        let e = got.unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EAGAIN), "{e}");
        assert!(
            start.elapsed() >= Duration::from_millis(60),
            "{host_nonblocking}"
        );
    }
}

#[test]
fn data_before_the_timeout_is_received() {
    for timeout in [None, Some(Duration::from_secs(3600))] {
        let (a, mut b) = pair_with_recv_timeout(timeout);
        let sender = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(30));
            std::io::Write::write_all(&mut b, b"late").unwrap();
            b
        });
        let mut buf = [0u8; 4];
        let got = retry(a.as_fd(), true, false, libc::POLLIN, || {
            recv_dontwait(&a, &mut buf)
        });
        assert_eq!(got.unwrap(), 4, "{timeout:?}");
        assert_eq!(&buf, b"late");
        drop(sender.join().unwrap());
    }
}

#[test]
fn a_nonblocking_guest_descriptor_never_waits() {
    let (a, _b) = pair_with_recv_timeout(Some(Duration::from_secs(3600)));
    let mut buf = [0u8; 4];
    let e = retry(a.as_fd(), false, false, libc::POLLIN, || {
        recv_dontwait(&a, &mut buf)
    })
    .unwrap_err();
    assert_eq!(e.raw_os_error(), Some(libc::EAGAIN));
}

#[test]
fn a_blocking_accept_ends_with_the_listeners_receive_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    set_socket_timeout(&listener, Timeout::Recv, Some(Duration::from_millis(60))).unwrap();
    for serving_like in [false, true] {
        // A nonblocking listener is what a threaded program's accepts leave behind.
        listener.set_nonblocking(serving_like).unwrap();
        let start = Instant::now();
        let e = accept_stream(&listener, true, false).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::EAGAIN), "{e}");
        assert!(
            start.elapsed() >= Duration::from_millis(50),
            "{serving_like}"
        );
    }
}

fn iovecs(bufs: &[Vec<u8>]) -> Vec<libc::iovec> {
    bufs.iter()
        .map(|b| libc::iovec {
            iov_base: b.as_ptr().cast_mut().cast(),
            iov_len: b.len(),
        })
        .collect()
}

#[test]
fn a_threaded_programs_blocking_send_sends_every_byte_in_order() {
    // Three buffers (one empty) that together overfill the socket many times: each partial
    // `MSG_DONTWAIT` send must pick up exactly where the last one stopped.
    let bufs: Vec<Vec<u8>> = [300_001usize, 0, 700_003]
        .iter()
        .enumerate()
        .map(|(k, &len)| (0..len).map(|i| (i * 7 + k * 13) as u8).collect())
        .collect();
    let want: Vec<u8> = bufs.concat();
    let (a, mut b) = UnixStream::pair().unwrap();
    let reader = std::thread::spawn(move || {
        let mut got = Vec::new();
        let mut chunk = [0u8; 10_000];
        loop {
            std::thread::sleep(Duration::from_micros(200));
            match std::io::Read::read(&mut b, &mut chunk).unwrap() {
                0 => return got,
                n => got.extend_from_slice(&chunk[..n]),
            }
        }
    });
    let mut iov = iovecs(&bufs);
    let flags = os::SEND_FLAGS | libc::MSG_DONTWAIT;
    let sent = send_in_program(a.as_fd(), &mut iov, flags).unwrap();
    drop(a);
    assert_eq!(sent, want.len());
    assert!(reader.join().unwrap() == want, "bytes lost or out of order");
}

#[test]
fn a_threaded_programs_blocking_send_ends_with_the_send_timeout() {
    let (a, _b) = UnixStream::pair().unwrap();
    set_socket_timeout(&a, Timeout::Send, Some(Duration::from_millis(60))).unwrap();
    let big = vec![vec![1u8; 8 << 20]];
    let mut iov = iovecs(&big);
    let start = Instant::now();
    let flags = os::SEND_FLAGS | libc::MSG_DONTWAIT;
    // Part of it fits: that part is reported, as a kernel send cut short by its timeout is.
    let sent = send_in_program(a.as_fd(), &mut iov, flags).unwrap();
    assert!(sent > 0 && sent < 8 << 20, "{sent}");
    assert!(start.elapsed() >= Duration::from_millis(60));
}
