//! The socket calls against real loopback connections, with guest memory built by hand.

use std::cell::UnsafeCell;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::Duration;

use super::*;
use crate::guest::GuestMemory;
use crate::{CallError, Stdio, WasiCtxBuilder};

const LISTENER: Fd = Fd(3);
/// Where tests put iovec records in guest memory; buffers go at 1024 and above.
const IOV_AT: u32 = 64;

fn errno<T: std::fmt::Debug>(r: HostResult<T>) -> Errno {
    match r {
        Err(CallError::Errno(e)) => e,
        other => panic!("expected an errno, got {other:?}"),
    }
}

/// A context whose fd 3 is a loopback listener; returns the address clients connect to.
fn ctx_with(configure: impl FnOnce(&mut WasiCtxBuilder)) -> (WasiCtx, SocketAddr) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut b = WasiCtxBuilder::new();
    b.stdin(Stdio::Null)
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .tcp_listener(listener);
    configure(&mut b);
    (b.build().unwrap(), addr)
}

fn ctx() -> (WasiCtx, SocketAddr) {
    ctx_with(|_| {})
}

/// A client with timeouts, so a broken host fails the test instead of hanging it.
fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Connects a client and accepts it (blocking: the connection is already queued).
fn pair(ctx: &mut WasiCtx, addr: SocketAddr, flags: Fdflags) -> (Fd, TcpStream) {
    let client = connect(addr);
    let fd = accept(ctx, LISTENER, flags).expect("accept");
    (fd, client)
}

/// Writes iovec records for `bufs` at [`IOV_AT`].
fn put_iovecs(mem: &mut [u8], bufs: &[(u32, u32)]) {
    for (i, &(ptr, len)) in bufs.iter().enumerate() {
        let at = IOV_AT as usize + i * 8;
        mem[at..at + 4].copy_from_slice(&ptr.to_le_bytes());
        mem[at + 4..at + 8].copy_from_slice(&len.to_le_bytes());
    }
}

/// `sock_recv` into `bufs` of `mem`, as the bindings would call it.
fn recv_into(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: Fd,
    bufs: &[(u32, u32)],
    flags: Riflags,
    direct: bool,
) -> HostResult<(Size, Roflags)> {
    put_iovecs(mem, bufs);
    let gm = GuestMemory::unshared(mem);
    // SAFETY: no other view of this memory exists during the call.
    let iovs = unsafe { IovecsMut::decode(gm, IOV_AT, bufs.len() as u32, direct) }.unwrap();
    recv(ctx, fd, iovs, flags)
}

/// `sock_send` from `bufs` of `mem`.
fn send_from(
    ctx: &mut WasiCtx,
    mem: &mut [u8],
    fd: Fd,
    bufs: &[(u32, u32)],
    flags: Siflags,
) -> HostResult<Size> {
    put_iovecs(mem, bufs);
    let gm = GuestMemory::unshared(mem);
    // SAFETY: no other view of this memory exists during the call.
    let iovs = unsafe { Iovecs::decode(gm, IOV_AT, bufs.len() as u32, true) }.unwrap();
    send(ctx, fd, iovs, flags)
}

fn read_exact(client: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    client.read_exact(&mut buf).unwrap();
    buf
}

fn host_nonblocking(ctx: &mut WasiCtx, fd: Fd) -> bool {
    let entry = ctx.table.get(fd, Rights::empty()).unwrap();
    let Kind::Socket(s) = &*entry.kind else {
        panic!("fd {fd:?} is not a socket")
    };
    rustix::fs::fcntl_getfl(s)
        .unwrap()
        .contains(rustix::fs::OFlags::NONBLOCK)
}

#[test]
fn nonblocking_accept_with_nothing_pending_is_eagain_and_opens_nothing() {
    let (mut ctx, addr) = ctx();
    assert_eq!(
        errno(accept(&mut ctx, LISTENER, Fdflags::NONBLOCK)),
        Errno::Again
    );
    assert!(
        !ctx.table.contains(Fd(4)),
        "the reserved slot was given back"
    );
    // The listener still works afterwards, and blocking accepts cope with the host listener
    // having been made nonblocking.
    let (fd, _client) = pair(&mut ctx, addr, Fdflags::empty());
    assert_eq!(fd, Fd(4));
}

#[test]
fn listener_fdflag_nonblock_makes_accept_not_wait() {
    let (mut ctx, addr) = ctx();
    ctx.table.test_mut(LISTENER, Rights::empty()).flags = Fdflags::NONBLOCK;
    assert_eq!(
        errno(accept(&mut ctx, LISTENER, Fdflags::empty())),
        Errno::Again
    );
    let _client = connect(addr);
    // A queued connection is taken even without waiting (poll until the handshake is done).
    let mut fd = None;
    for _ in 0..1000 {
        match accept(&mut ctx, LISTENER, Fdflags::empty()) {
            Ok(new) => {
                fd = Some(new);
                break;
            }
            Err(CallError::Errno(Errno::Again)) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("{e:?}"),
        }
    }
    let fd = fd.expect("the connection was accepted");
    let entry = ctx.table.get(fd, Rights::empty()).unwrap();
    assert_eq!(
        entry.flags,
        Fdflags::empty(),
        "the new socket's flags come from `flags`"
    );
    assert!(!host_nonblocking(&mut ctx, fd));
}

#[test]
fn accepted_socket_has_socket_rights_and_requested_flags() {
    let (mut ctx, addr) = ctx();
    let (fd, _c1) = pair(&mut ctx, addr, Fdflags::empty());
    let entry = ctx.table.get(fd, Rights::empty()).unwrap();
    assert!(matches!(*entry.kind, Kind::Socket(_)));
    assert_eq!(entry.rights, SOCKET_RIGHTS);
    assert_eq!(entry.inheriting, Rights::empty());
    assert_eq!(entry.flags, Fdflags::empty());
    assert_eq!(entry.filetype(), Filetype::SocketStream);
    assert!(entry.preopen.is_none());
    assert!(!host_nonblocking(&mut ctx, fd));

    let (fd2, _c2) = pair(&mut ctx, addr, Fdflags::NONBLOCK);
    assert_eq!(fd2, Fd(fd.0 + 1));
    assert_eq!(
        ctx.table.get(fd2, Rights::empty()).unwrap().flags,
        Fdflags::NONBLOCK
    );
    assert!(host_nonblocking(&mut ctx, fd2));
}

#[test]
fn accepted_rights_are_limited_by_the_listeners_inheriting_rights() {
    let (mut ctx, addr) = ctx();
    ctx.table.test_mut(LISTENER, Rights::empty()).inheriting =
        Rights::FD_READ | Rights::SOCK_SHUTDOWN | Rights::PATH_OPEN;
    let (fd, _c) = pair(&mut ctx, addr, Fdflags::empty());
    assert_eq!(
        ctx.table.get(fd, Rights::empty()).unwrap().rights,
        Rights::FD_READ | Rights::SOCK_SHUTDOWN
    );
    let mut mem = vec![0u8; 4096];
    assert_eq!(
        errno(send_from(&mut ctx, &mut mem, fd, &[(1024, 4)], 0)),
        Errno::Notcapable
    );
}

#[test]
fn accept_flags_other_than_nonblock_are_einval_and_keep_the_connection() {
    let (mut ctx, addr) = ctx();
    let mut client = connect(addr);
    for bad in [
        Fdflags::APPEND,
        Fdflags::SYNC,
        Fdflags::NONBLOCK | Fdflags::DSYNC,
    ] {
        assert_eq!(
            errno(accept(&mut ctx, LISTENER, bad)),
            Errno::Inval,
            "{bad:?}"
        );
    }
    assert!(!ctx.table.contains(Fd(4)));
    let fd = accept(&mut ctx, LISTENER, Fdflags::empty()).unwrap();
    client.write_all(b"x").unwrap();
    let mut mem = vec![0u8; 4096];
    let (n, _) = recv_into(&mut ctx, &mut mem, fd, &[(1024, 8)], Riflags::empty(), true).unwrap();
    assert_eq!((n, mem[1024]), (1, b'x'));
}

#[test]
fn accept_on_the_wrong_kind_of_descriptor() {
    let (mut ctx, addr) = ctx();
    assert_eq!(
        errno(accept(&mut ctx, Fd(0), Fdflags::empty())),
        Errno::Notsock
    );
    assert_eq!(
        errno(accept(&mut ctx, Fd(99), Fdflags::empty())),
        Errno::Badf
    );
    let (fd, _c) = pair(&mut ctx, addr, Fdflags::empty());
    assert_eq!(errno(accept(&mut ctx, fd, Fdflags::empty())), Errno::Inval);
    ctx.table
        .test_mut(LISTENER, Rights::empty())
        .rights
        .remove(Rights::SOCK_ACCEPT);
    assert_eq!(
        errno(accept(&mut ctx, LISTENER, Fdflags::NONBLOCK)),
        Errno::Notcapable
    );
}

#[test]
fn accept_with_a_full_table_is_emfile_and_loses_no_connection() {
    // stdio and the listener fill a table of four.
    let (mut ctx, addr) = ctx_with(|b| {
        b.fd_limit(4);
    });
    let mut client = connect(addr);
    assert_eq!(
        errno(accept(&mut ctx, LISTENER, Fdflags::empty())),
        Errno::Mfile
    );
    ctx.table.remove(Fd(0)).unwrap();
    let fd = accept(&mut ctx, LISTENER, Fdflags::empty()).unwrap();
    assert_eq!(fd, Fd(0));
    client.write_all(b"still here").unwrap();
    let mut mem = vec![0u8; 4096];
    let (n, _) = recv_into(
        &mut ctx,
        &mut mem,
        fd,
        &[(1024, 10)],
        Riflags::RECV_WAITALL,
        true,
    )
    .unwrap();
    assert_eq!(&mem[1024..1024 + n as usize], b"still here");
}

#[test]
fn peek_leaves_data_and_waitall_scatters_across_iovecs() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    client.write_all(b"hello world").unwrap();
    let mut mem = vec![0u8; 4096];

    let peek = Riflags::RECV_PEEK | Riflags::RECV_WAITALL;
    let (n, ro) = recv_into(&mut ctx, &mut mem, fd, &[(1024, 5)], peek, true).unwrap();
    assert_eq!((n, ro), (5, Roflags::empty()));
    assert_eq!(&mem[1024..1029], b"hello");
    // Peeking again sees the same bytes.
    let (n, _) = recv_into(&mut ctx, &mut mem, fd, &[(1100, 2), (1200, 3)], peek, true).unwrap();
    assert_eq!(n, 5);
    assert_eq!(
        (&mem[1100..1102], &mem[1200..1203]),
        (&b"he"[..], &b"llo"[..])
    );

    let (n, _) = recv_into(&mut ctx, &mut mem, fd, &[(2000, 5)], Riflags::empty(), true).unwrap();
    assert_eq!((n, &mem[2000..2005]), (5, &b"hello"[..]));

    // Three buffers, the middle one empty: WAITALL fills 2 + 0 + 4 bytes.
    let bufs = [(3000, 2), (3100, 0), (3200, 4)];
    let (n, ro) = recv_into(&mut ctx, &mut mem, fd, &bufs, Riflags::RECV_WAITALL, true).unwrap();
    assert_eq!((n, ro), (6, Roflags::empty()));
    assert_eq!(
        (&mem[3000..3002], &mem[3200..3204]),
        (&b" w"[..], &b"orld"[..])
    );
    assert_eq!(mem[3100], 0, "the empty buffer was not written");
}

#[test]
fn waitall_waits_for_data_sent_in_pieces() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    let writer = std::thread::spawn(move || {
        for piece in [&b"ab"[..], b"cde", b"fgh"] {
            client.write_all(piece).unwrap();
            client.flush().unwrap();
            std::thread::sleep(Duration::from_millis(30));
        }
        client
    });
    let mut mem = vec![0u8; 4096];
    let (n, _) = recv_into(
        &mut ctx,
        &mut mem,
        fd,
        &[(1024, 4), (2048, 4)],
        Riflags::RECV_WAITALL,
        true,
    )
    .unwrap();
    assert_eq!(n, 8);
    assert_eq!(
        (&mem[1024..1028], &mem[2048..2052]),
        (&b"abcd"[..], &b"efgh"[..])
    );
    drop(writer.join().unwrap());
}

#[test]
fn waitall_fills_more_iovecs_than_one_system_call_takes() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    let data: Vec<u8> = (0..200u8).collect();
    client.write_all(&data).unwrap();
    let mut mem = vec![0u8; 8192];
    // 100 two-byte buffers, spaced out so each lands somewhere else.
    let bufs: Vec<(u32, u32)> = (0..100).map(|i| (2048 + i * 4, 2)).collect();
    let (n, _) = recv_into(&mut ctx, &mut mem, fd, &bufs, Riflags::RECV_WAITALL, true).unwrap();
    assert_eq!(n, 200);
    for (i, &(ptr, _)) in bufs.iter().enumerate() {
        let at = ptr as usize;
        assert_eq!(&mem[at..at + 2], &data[i * 2..i * 2 + 2], "buffer {i}");
    }
}

#[test]
fn a_plain_recv_over_many_iovecs_may_be_short_but_loses_nothing() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    let data: Vec<u8> = (0..100u8).collect();
    client.write_all(&data).unwrap();
    let mut mem = vec![0u8; 8192];
    let bufs: Vec<(u32, u32)> = (0..100).map(|i| (2048 + i * 4, 1)).collect();
    let mut got = Vec::new();
    while got.len() < 100 {
        let (n, _) = recv_into(&mut ctx, &mut mem, fd, &bufs, Riflags::empty(), true).unwrap();
        assert!(n >= 1 && n as usize <= IOV_CHUNK, "{n}");
        got.extend(bufs[..n as usize].iter().map(|&(p, _)| mem[p as usize]));
    }
    assert_eq!(got, data);
}

#[test]
fn recv_in_copying_mode_and_into_shared_memory() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    client.write_all(b"0123456789").unwrap();
    let mut mem = vec![0u8; 4096];
    let (n, _) = recv_into(
        &mut ctx,
        &mut mem,
        fd,
        &[(1024, 3)],
        Riflags::RECV_WAITALL,
        false,
    )
    .unwrap();
    assert_eq!((n, &mem[1024..1027]), (3, &b"012"[..]));

    let shared: Vec<UnsafeCell<u8>> = (0..4096).map(|_| UnsafeCell::new(0)).collect();
    let gm = GuestMemory::shared(&shared);
    for (i, b) in [1024u32, 7, 2048, 0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .enumerate()
    {
        gm.write(IOV_AT + i as u32, &b).unwrap();
    }
    // SAFETY: shared memory views always copy or go through the kernel.
    let iovs = unsafe { IovecsMut::decode(gm, IOV_AT, 2, true) }.unwrap();
    let (n, _) = recv(&mut ctx, fd, iovs, Riflags::RECV_WAITALL).unwrap();
    assert_eq!(n, 7);
    let got: Vec<u8> = (1024..1031).map(|a| gm.read::<u8>(a).unwrap()).collect();
    assert_eq!(got, b"3456789");
}

#[test]
fn overlapping_iovecs_are_filled_in_order() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    client.write_all(b"abcdef").unwrap();
    let mut mem = vec![0u8; 4096];
    // The second buffer starts inside the first.
    let (n, _) = recv_into(
        &mut ctx,
        &mut mem,
        fd,
        &[(1024, 4), (1026, 2)],
        Riflags::RECV_WAITALL,
        true,
    )
    .unwrap();
    assert_eq!(n, 6);
    assert_eq!(&mem[1024..1028], b"abef");
}

#[test]
fn recv_on_a_nonblocking_socket_without_data_is_eagain() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::NONBLOCK);
    let mut mem = vec![0u8; 4096];
    for flags in [Riflags::empty(), Riflags::RECV_PEEK, Riflags::RECV_WAITALL] {
        assert_eq!(
            errno(recv_into(&mut ctx, &mut mem, fd, &[(1024, 8)], flags, true)),
            Errno::Again,
            "{flags:?}"
        );
    }
    client.write_all(b"late").unwrap();
    let mut n = 0;
    for _ in 0..1000 {
        match recv_into(&mut ctx, &mut mem, fd, &[(1024, 8)], Riflags::empty(), true) {
            Ok((got, _)) => {
                n = got;
                break;
            }
            Err(CallError::Errno(Errno::Again)) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!((n, &mem[1024..1028]), (4, &b"late"[..]));
}

#[test]
fn a_blocking_guest_socket_blocks_even_if_the_host_socket_does_not() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    if let Kind::Socket(s) = &*ctx.table.get(fd, Rights::empty()).unwrap().kind {
        s.set_nonblocking(true).unwrap();
    }
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        client.write_all(b"waited").unwrap();
        client
    });
    let mut mem = vec![0u8; 4096];
    let (n, _) = recv_into(&mut ctx, &mut mem, fd, &[(1024, 6)], Riflags::empty(), true).unwrap();
    assert!(
        n >= 1,
        "a blocking recv returned {n} bytes instead of waiting"
    );
    assert_eq!(&mem[1024..1024 + n as usize], &b"waited"[..n as usize]);
    drop(writer.join().unwrap());
}

#[test]
fn recv_reports_end_of_stream_as_zero() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    client.write_all(b"last").unwrap();
    client.shutdown(Shutdown::Write).unwrap();
    let mut mem = vec![0u8; 4096];
    // WAITALL stops at the end of the stream with what there was.
    let (n, _) = recv_into(
        &mut ctx,
        &mut mem,
        fd,
        &[(1024, 100)],
        Riflags::RECV_WAITALL,
        true,
    )
    .unwrap();
    assert_eq!((n, &mem[1024..1028]), (4, &b"last"[..]));
    for flags in [Riflags::empty(), Riflags::RECV_PEEK, Riflags::RECV_WAITALL] {
        let (n, ro) = recv_into(&mut ctx, &mut mem, fd, &[(1024, 100)], flags, true).unwrap();
        assert_eq!((n, ro), (0, Roflags::empty()));
    }
}

#[test]
fn recv_with_no_buffers_returns_zero() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    client.write_all(b"kept").unwrap();
    let mut mem = vec![0u8; 4096];
    let (n, _) = recv_into(&mut ctx, &mut mem, fd, &[], Riflags::empty(), true).unwrap();
    assert_eq!(n, 0);
    let (n, _) = recv_into(&mut ctx, &mut mem, fd, &[(1024, 0)], Riflags::empty(), true).unwrap();
    assert_eq!(n, 0);
    let (n, _) = recv_into(
        &mut ctx,
        &mut mem,
        fd,
        &[(1024, 4)],
        Riflags::RECV_WAITALL,
        true,
    )
    .unwrap();
    assert_eq!((n, &mem[1024..1028]), (4, &b"kept"[..]));
}

#[test]
fn send_gathers_iovecs_in_order() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    let mut mem = vec![0u8; 4096];
    mem[1024..1030].copy_from_slice(b"Hello,");
    mem[2000..2001].copy_from_slice(b" ");
    mem[3000..3006].copy_from_slice(b"world!");
    let bufs = [(1024, 6), (2000, 1), (2500, 0), (3000, 6)];
    assert_eq!(send_from(&mut ctx, &mut mem, fd, &bufs, 0).unwrap(), 13);
    assert_eq!(read_exact(&mut client, 13), b"Hello, world!");
    // No buffers: nothing sent, nothing wrong.
    assert_eq!(send_from(&mut ctx, &mut mem, fd, &[], 0).unwrap(), 0);
}

#[test]
fn send_over_many_iovecs_sends_them_all() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    let mut mem = vec![0u8; 8192];
    let bufs: Vec<(u32, u32)> = (0..150).map(|i| (2048 + i * 3, 1)).collect();
    for (i, &(p, _)) in bufs.iter().enumerate() {
        mem[p as usize] = i as u8;
    }
    assert_eq!(send_from(&mut ctx, &mut mem, fd, &bufs, 0).unwrap(), 150);
    assert_eq!(read_exact(&mut client, 150), (0..150u8).collect::<Vec<_>>());
}

#[test]
fn send_rejects_undefined_siflags() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    let mut mem = vec![0u8; 4096];
    for bad in [1, 0x8000] {
        assert_eq!(
            errno(send_from(&mut ctx, &mut mem, fd, &[(1024, 4)], bad)),
            Errno::Inval
        );
    }
    // Nothing was sent: the next byte the client sees is from a valid send.
    mem[1024] = b'!';
    assert_eq!(
        send_from(&mut ctx, &mut mem, fd, &[(1024, 1)], 0).unwrap(),
        1
    );
    assert_eq!(read_exact(&mut client, 1), b"!");
}

#[test]
fn shutdown_write_ends_the_peers_stream_and_later_sends_fail_with_epipe() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    let mut mem = vec![0u8; 4096];
    mem[1024..1027].copy_from_slice(b"bye");
    assert_eq!(
        send_from(&mut ctx, &mut mem, fd, &[(1024, 3)], 0).unwrap(),
        3
    );
    shutdown(&mut ctx, fd, Sdflags::WR).unwrap();
    let mut all = Vec::new();
    client.read_to_end(&mut all).unwrap();
    assert_eq!(all, b"bye", "the peer saw the data, then end of stream");
    // Sending after shutting down writes: EPIPE, and no SIGPIPE kills the test process.
    assert_eq!(
        errno(send_from(&mut ctx, &mut mem, fd, &[(1024, 3)], 0)),
        Errno::Pipe
    );
    // Reading still works: the other direction is open.
    client.write_all(b"still open").unwrap();
    let (n, _) = recv_into(
        &mut ctx,
        &mut mem,
        fd,
        &[(2048, 10)],
        Riflags::RECV_WAITALL,
        true,
    )
    .unwrap();
    assert_eq!((n, &mem[2048..2058]), (10, &b"still open"[..]));
}

#[test]
fn shutdown_read_and_both() {
    let (mut ctx, addr) = ctx();
    let (fd, mut client) = pair(&mut ctx, addr, Fdflags::empty());
    shutdown(&mut ctx, fd, Sdflags::RD).unwrap();
    let mut mem = vec![0u8; 4096];
    let (n, _) = recv_into(&mut ctx, &mut mem, fd, &[(1024, 8)], Riflags::empty(), true).unwrap();
    assert_eq!(n, 0, "reading after SHUT_RD gives end of stream");
    mem[1024..1026].copy_from_slice(b"ok");
    assert_eq!(
        send_from(&mut ctx, &mut mem, fd, &[(1024, 2)], 0).unwrap(),
        2
    );
    assert_eq!(read_exact(&mut client, 2), b"ok");

    let (fd2, mut client2) = pair(&mut ctx, addr, Fdflags::empty());
    shutdown(&mut ctx, fd2, Sdflags::RD | Sdflags::WR).unwrap();
    let mut rest = Vec::new();
    client2.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    assert_eq!(
        errno(send_from(&mut ctx, &mut mem, fd2, &[(1024, 2)], 0)),
        Errno::Pipe
    );
    assert_eq!(
        errno(shutdown(&mut ctx, fd2, Sdflags::empty())),
        Errno::Inval
    );
}

#[test]
fn data_calls_on_listeners_and_non_sockets() {
    let (mut ctx, addr) = ctx();
    let (fd, _client) = pair(&mut ctx, addr, Fdflags::empty());
    let mut mem = vec![0u8; 4096];
    for (target, want) in [
        (LISTENER, Errno::Notconn),
        (Fd(0), Errno::Notsock),
        (Fd(1), Errno::Notsock),
        (Fd(77), Errno::Badf),
    ] {
        assert_eq!(
            errno(recv_into(
                &mut ctx,
                &mut mem,
                target,
                &[(1024, 4)],
                Riflags::empty(),
                true
            )),
            want,
            "recv {target:?}"
        );
        assert_eq!(
            errno(send_from(&mut ctx, &mut mem, target, &[(1024, 4)], 0)),
            want,
            "send {target:?}"
        );
        assert_eq!(
            errno(shutdown(&mut ctx, target, Sdflags::WR)),
            want,
            "shutdown {target:?}"
        );
    }
    // A socket without the right for the call: ENOTCAPABLE.
    ctx.table.test_mut(fd, Rights::empty()).rights = Rights::empty();
    assert_eq!(
        errno(recv_into(
            &mut ctx,
            &mut mem,
            fd,
            &[(1024, 4)],
            Riflags::empty(),
            true
        )),
        Errno::Notcapable
    );
    assert_eq!(
        errno(send_from(&mut ctx, &mut mem, fd, &[(1024, 4)], 0)),
        Errno::Notcapable
    );
    assert_eq!(
        errno(shutdown(&mut ctx, fd, Sdflags::WR)),
        Errno::Notcapable
    );
}

#[test]
fn chunks_never_add_up_past_size_max() {
    let mut iov = [libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }; IOV_CHUNK];
    let big = |_| Some((std::ptr::null_mut(), 1usize << 31));
    let (n, next, want) = fill_chunk(&mut iov, 0, 5, 0, big);
    assert_eq!((n, next, want), (2, 2, Size::MAX as usize));
    assert_eq!(iov[1].iov_len, (1 << 31) - 1);
    let (n, _, want) = fill_chunk(&mut iov, 0, 5, Size::MAX as usize - 10, big);
    assert_eq!((n, want), (1, 10));
    let (n, _, want) = fill_chunk(&mut iov, 0, 5, Size::MAX as usize, big);
    assert_eq!((n, want), (0, 0));
    let small = |_| Some((std::ptr::null_mut(), 1usize));
    let (n, next, want) = fill_chunk(&mut iov, 10, 200, 0, small);
    assert_eq!((n, next, want), (IOV_CHUNK, 10 + IOV_CHUNK, IOV_CHUNK));
}

#[test]
fn a_datagram_socket_passed_as_stdio_reports_truncation() {
    use std::os::unix::net::UnixDatagram;
    let (mut ctx, _) = ctx();
    let (ours, peer) = UnixDatagram::pair().unwrap();
    peer.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // What the builder makes of a socket given as stdin (its filetype found by fstat).
    ctx.table.test_mut(Fd(0), Rights::empty()).kind = Kind::File(crate::table::FileEntry {
        file: std::fs::File::from(std::os::fd::OwnedFd::from(ours)),
        filetype: Filetype::SocketDgram,
        shared_nonblock: Some(false),
    })
    .into();
    let mut mem = vec![0u8; 4096];
    peer.send(b"0123456789").unwrap();
    peer.send(b"ab").unwrap();
    let (n, ro) = recv_into(
        &mut ctx,
        &mut mem,
        Fd(0),
        &[(1024, 4)],
        Riflags::empty(),
        true,
    )
    .unwrap();
    assert_eq!((n, ro), (4, Roflags::RECV_DATA_TRUNCATED));
    assert_eq!(&mem[1024..1028], b"0123");
    // The rest of that datagram is gone; the next one fits.
    let (n, ro) = recv_into(
        &mut ctx,
        &mut mem,
        Fd(0),
        &[(1024, 4)],
        Riflags::empty(),
        true,
    )
    .unwrap();
    assert_eq!((n, ro, &mem[1024..1026]), (2, Roflags::empty(), &b"ab"[..]));

    mem[2048..2053].copy_from_slice(b"hello");
    assert_eq!(
        send_from(&mut ctx, &mut mem, Fd(0), &[(2048, 2), (2050, 3)], 0).unwrap(),
        5
    );
    let mut got = [0u8; 16];
    let n = peer.recv(&mut got).unwrap();
    assert_eq!(&got[..n], b"hello");

    // Stdio has no shutdown right, and is not a listener.
    assert_eq!(
        errno(shutdown(&mut ctx, Fd(0), Sdflags::WR)),
        Errno::Notcapable
    );
    assert_eq!(
        errno(accept(&mut ctx, Fd(0), Fdflags::empty())),
        Errno::Inval
    );
}

/// Issue 15: `fd_write` on a socket whose writing side is gone is `EPIPE` without raising
/// `SIGPIPE`, so an embedder that has not ignored the signal is not killed. Checked with
/// `SIGPIPE` blocked on this thread (a blocked signal stays pending even when ignored): the
/// host's write leaves none pending, a plain `write(2)` does.
#[test]
fn fd_write_on_a_socket_raises_no_sigpipe() {
    use std::os::fd::AsRawFd;

    fn sigpipe_pending() -> bool {
        // SAFETY: `set` is a plain sigset_t filled by `sigpending`.
        unsafe {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigpending(&mut set);
            libc::sigismember(&set, libc::SIGPIPE) == 1
        }
    }

    let (mut ctx, addr) = ctx();
    let (fd, _client) = pair(&mut ctx, addr, Fdflags::empty());
    shutdown(&mut ctx, fd, Sdflags::WR).unwrap();
    // SAFETY: blocks SIGPIPE for this test thread only, with a set built by the libc calls.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        assert_eq!(
            libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()),
            0
        );
    }
    assert!(!sigpipe_pending());
    let mut m = crate::host::fd::testing::Mem::new();
    m.put(crate::host::fd::testing::DATA, b"x");
    let iovs = m.iovecs(&[(crate::host::fd::testing::DATA, 1)]);
    assert_eq!(
        errno(crate::host::fd::write(&mut ctx, fd, iovs)),
        Errno::Pipe
    );
    assert!(!sigpipe_pending(), "fd_write raised SIGPIPE");
    // The check is real: a plain write on the same socket raises it.
    let raw = match &*ctx.table.get(fd, Rights::empty()).unwrap().kind {
        Kind::Socket(s) => s.as_raw_fd(),
        _ => unreachable!("an accepted socket"),
    };
    // SAFETY: writes one byte from a live buffer to an open descriptor.
    let r = unsafe { libc::write(raw, b"x".as_ptr().cast(), 1) };
    assert_eq!(r, -1);
    assert!(sigpipe_pending());
    // SAFETY: takes the pending SIGPIPE off this thread, then unblocks it; `set` as above.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGPIPE);
        let mut sig = 0;
        assert_eq!(libc::sigwait(&set, &mut sig), 0);
        assert_eq!(sig, libc::SIGPIPE);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
    }
}
