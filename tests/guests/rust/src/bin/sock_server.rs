//! A TCP server on preopened listeners, driven by tests/tests/sock.rs: fd 3 is a listener no
//! one connects to, fd 4 one the test connects to twice. Exits with the line number of the
//! first failed check, 0 when all pass; prints nothing, so it needs only the socket calls,
//! `sched_yield` and `proc_exit`. Std sockets are never dropped: wasi-libc's `close` first
//! scans the preopens, which would make this test depend on the `fd_prestat_*` calls too.
//!
//! `sock_recv`/`sock_send` are called directly (std's `TcpStream` reads with `fd_read`), and
//! so is `sock_accept` where std cannot pass flags.

use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd};

macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            std::process::exit(line!() as i32);
        }
    };
}

mod raw {
    #[repr(C)]
    pub struct Iovec {
        pub buf: *mut u8,
        pub len: usize,
    }

    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    unsafe extern "C" {
        pub fn sock_accept(fd: i32, flags: i32, new_fd: *mut i32) -> i32;
        pub fn sock_recv(
            fd: i32,
            iovs: *const Iovec,
            iovs_len: usize,
            flags: i32,
            nread: *mut usize,
            roflags: *mut u16,
        ) -> i32;
        pub fn sock_send(
            fd: i32,
            iovs: *const Iovec,
            iovs_len: usize,
            flags: i32,
            nwritten: *mut usize,
        ) -> i32;
        pub fn sock_shutdown(fd: i32, how: i32) -> i32;
        pub fn sched_yield() -> i32;
    }
}

const EAGAIN: i32 = 6;
const EBADF: i32 = 8;
const EINVAL: i32 = 28;
const ENOTCONN: i32 = 53;
const ENOTSOCK: i32 = 57;
const EPIPE: i32 = 64;

const FDFLAGS_APPEND: i32 = 1;
const FDFLAGS_NONBLOCK: i32 = 4;
const RECV_PEEK: i32 = 1;
const RECV_WAITALL: i32 = 2;
const SHUT_RD: i32 = 1;
const SHUT_WR: i32 = 2;

fn accept(fd: i32, flags: i32) -> Result<i32, i32> {
    let mut new_fd = -1;
    match unsafe { raw::sock_accept(fd, flags, &mut new_fd) } {
        0 => Ok(new_fd),
        e => Err(e),
    }
}

/// `sock_recv` into `bufs`; the byte count and roflags, or the errno.
fn recv(fd: i32, bufs: &mut [&mut [u8]], flags: i32) -> Result<(usize, u16), i32> {
    let iovs: Vec<raw::Iovec> = bufs
        .iter_mut()
        .map(|b| raw::Iovec {
            buf: b.as_mut_ptr(),
            len: b.len(),
        })
        .collect();
    let (mut n, mut ro) = (usize::MAX, u16::MAX);
    match unsafe { raw::sock_recv(fd, iovs.as_ptr(), iovs.len(), flags, &mut n, &mut ro) } {
        0 => Ok((n, ro)),
        e => Err(e),
    }
}

fn send(fd: i32, bufs: &[&[u8]], flags: i32) -> Result<usize, i32> {
    let iovs: Vec<raw::Iovec> = bufs
        .iter()
        .map(|b| raw::Iovec {
            buf: b.as_ptr().cast_mut(),
            len: b.len(),
        })
        .collect();
    let mut n = usize::MAX;
    match unsafe { raw::sock_send(fd, iovs.as_ptr(), iovs.len(), flags, &mut n) } {
        0 => Ok(n),
        e => Err(e),
    }
}

fn shutdown(fd: i32, how: i32) -> Result<(), i32> {
    match unsafe { raw::sock_shutdown(fd, how) } {
        0 => Ok(()),
        e => Err(e),
    }
}

fn main() {
    // Descriptors that are not connected sockets.
    check!(accept(3, FDFLAGS_NONBLOCK) == Err(EAGAIN));
    check!(accept(0, 0) == Err(ENOTSOCK));
    check!(accept(99, 0) == Err(EBADF));
    check!(accept(4, FDFLAGS_APPEND) == Err(EINVAL));
    let mut buf = [0u8; 16];
    check!(recv(0, &mut [&mut buf], 0) == Err(ENOTSOCK));
    check!(send(1, &[b"x"], 0) == Err(ENOTSOCK));
    check!(shutdown(2, SHUT_WR) == Err(ENOTSOCK));
    check!(recv(3, &mut [&mut buf], 0) == Err(ENOTCONN));
    check!(send(4, &[b"x"], 0) == Err(ENOTCONN));
    check!(shutdown(3, SHUT_RD) == Err(ENOTCONN));
    check!(recv(99, &mut [&mut buf], 0) == Err(EBADF));

    // First connection: std's blocking accept (sock_accept with no flags).
    let listener = unsafe { TcpListener::from_raw_fd(4) };
    let (stream, _) = match listener.accept() {
        Ok(s) => s,
        Err(_) => std::process::exit(line!() as i32),
    };
    let fd = stream.as_raw_fd();
    check!(fd == 5);
    check!(accept(fd, 0) == Err(EINVAL));

    // The client sent "hello world". Peek, then read the same bytes, then scatter the rest.
    let mut five = [0u8; 5];
    check!(recv(fd, &mut [&mut five], RECV_PEEK | RECV_WAITALL) == Ok((5, 0)));
    check!(&five == b"hello");
    let mut again = [0u8; 5];
    check!(recv(fd, &mut [&mut again], RECV_WAITALL) == Ok((5, 0)));
    check!(&again == b"hello");
    let (mut a, mut b) = ([0u8; 2], [0u8; 4]);
    check!(recv(fd, &mut [&mut a, &mut [], &mut b], RECV_WAITALL) == Ok((6, 0)));
    check!(&a == b" w" && &b == b"orld");

    // Gathered reply.
    check!(send(fd, &[b"got ", b"", b"hello world", b"\n"], 0) == Ok(16));
    check!(send(fd, &[b"x"], 1) == Err(EINVAL));

    // The client sends "abc", waits, then "defgh": WAITALL gets all eight bytes at once.
    let mut eight = [0u8; 8];
    check!(recv(fd, &mut [&mut eight], RECV_WAITALL) == Ok((8, 0)));
    check!(&eight == b"abcdefgh");

    // Half-close: the client sees end of stream, our sends fail, reading still works.
    check!(stream.shutdown(Shutdown::Write).is_ok());
    check!(send(fd, &[b"late"], 0) == Err(EPIPE));
    let mut bye = [0u8; 16];
    check!(recv(fd, &mut [&mut bye], RECV_WAITALL) == Ok((3, 0)));
    check!(&bye[..3] == b"bye");
    // The client closed: end of stream, for every kind of read.
    check!(recv(fd, &mut [&mut bye], 0) == Ok((0, 0)));
    check!(recv(fd, &mut [&mut bye], RECV_PEEK) == Ok((0, 0)));
    std::mem::forget(stream);

    // Second connection, accepted nonblocking: reads do not wait.
    let fd2 = match accept(4, FDFLAGS_NONBLOCK) {
        Ok(fd) => fd,
        Err(e) => std::process::exit(1000 + e),
    };
    check!(fd2 == 6);
    let mut one = [0u8; 1];
    check!(recv(fd2, &mut [&mut one], 0) == Err(EAGAIN));
    check!(recv(fd2, &mut [&mut one], RECV_WAITALL) == Err(EAGAIN));
    check!(send(fd2, &[b"ready\n"], 0) == Ok(6));
    // The client answers "z"; poll for it, bounded.
    let mut got = Err(EAGAIN);
    for _ in 0..2_000_000 {
        got = recv(fd2, &mut [&mut one], 0);
        if got != Err(EAGAIN) {
            break;
        }
        unsafe { raw::sched_yield() };
    }
    check!(got == Ok((1, 0)));
    check!(&one == b"z");
    check!(shutdown(fd2, SHUT_RD | SHUT_WR).is_ok());
    check!(shutdown(fd2, 0) == Err(EINVAL));

    // Nothing else is pending on either listener.
    check!(accept(4, FDFLAGS_NONBLOCK) == Err(EAGAIN));
    check!(accept(3, FDFLAGS_NONBLOCK) == Err(EAGAIN));
    std::mem::forget(listener);
    std::process::exit(0);
}
