//! WASIX sockets on loopback, checked from a guest. Argument 1 picks a part: `tcp`, `udp`,
//! `resolve`, or `denied` (every socket call refused by the default policy).

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::FromRawFd;
use std::time::{Duration, Instant};

use wasi_host_wasix_guests::errno::*;
use wasi_host_wasix_guests::{Checks, addr4, parse4, sys};

const INET4: u32 = 1;
const STREAM: u32 = 1;
const DGRAM: u32 = 2;
const LOOPBACK: [u8; 4] = [127, 0, 0, 1];

fn main() {
    let part = std::env::args().nth(1).unwrap_or_default();
    let mut c = Checks::new(match part.as_str() {
        "tcp" => "tcp",
        "udp" => "udp",
        "resolve" => "resolve",
        "denied" => "denied",
        "timeouts" => "timeouts",
        other => panic!("unknown part {other:?}"),
    });
    match part.as_str() {
        "tcp" => tcp(&mut c),
        "udp" => udp(&mut c),
        "resolve" => resolve(&mut c),
        "timeouts" => timeouts(&mut c),
        _ => denied(&mut c),
    }
    c.done();
}

fn open(c: &mut Checks, ty: u32, proto: u32) -> u32 {
    let mut fd = 0;
    c.eq(sys::sock_open(INET4, ty, proto, &mut fd), 0, "sock_open");
    fd
}

fn local(c: &mut Checks, fd: u32) -> (u8, [u8; 4], u16) {
    let mut a = [0u8; 110];
    c.eq(
        sys::sock_addr_local(fd, a.as_mut_ptr()),
        0,
        "sock_addr_local",
    );
    parse4(&a)
}

fn tcp(c: &mut Checks) {
    let listener = open(c, STREAM, 6);
    c.eq(
        sys::sock_bind(listener, addr4(LOOPBACK, 0).as_ptr()),
        0,
        "bind",
    );
    c.eq(sys::sock_listen(listener, 4), 0, "listen");
    let (family, ip, port) = local(c, listener);
    c.eq((family, ip), (1, LOOPBACK), "bound to 127.0.0.1");
    c.eq(port != 0, true, "a port was chosen");
    let mut yes = 9u8;
    c.eq(
        sys::sock_get_opt_flag(listener, 10, &mut yes),
        0,
        "listening?",
    );
    c.eq(yes, 1, "listening");

    let client = open(c, STREAM, 0);
    c.eq(
        sys::sock_connect(client, addr4(LOOPBACK, port).as_ptr()),
        0,
        "connect",
    );
    let mut conn = 0;
    let mut peer = [0u8; 110];
    c.eq(
        sys::sock_accept_v2(listener, 0, &mut conn, peer.as_mut_ptr()),
        0,
        "accept_v2",
    );
    let client_local = local(c, client);
    c.eq(
        parse4(&peer),
        client_local,
        "accept reports the client's address",
    );
    let mut theirs = [0u8; 110];
    c.eq(
        sys::sock_addr_peer(client, theirs.as_mut_ptr()),
        0,
        "sock_addr_peer",
    );
    c.eq(
        parse4(&theirs),
        (1, LOOPBACK, port),
        "the client's peer is the listener's port",
    );
    let mut status = 9u8;
    c.eq(sys::sock_status(conn, &mut status), 0, "sock_status");
    c.eq(status, 1, "opened");
    c.eq(sys::sock_set_opt_flag(client, 3, 1), 0, "no_delay on");
    c.eq(sys::sock_get_opt_flag(client, 3, &mut yes), 0, "no_delay?");
    c.eq(yes, 1, "no_delay is on");

    // Echo over preview1 reads and writes on the same descriptors.
    // SAFETY: the descriptors are this program's.
    let (mut cf, mut sf) = unsafe {
        (
            File::from_raw_fd(client as i32),
            File::from_raw_fd(conn as i32),
        )
    };
    cf.write_all(b"ping over wasix").unwrap();
    let mut buf = [0u8; 15];
    sf.read_exact(&mut buf).unwrap();
    sf.write_all(&buf).unwrap();
    let mut back = [0u8; 15];
    cf.read_exact(&mut back).unwrap();
    c.eq(&back, b"ping over wasix", "echoed");
    drop(cf);
    c.eq(sf.read(&mut buf).unwrap(), 0, "EOF after the client closes");
}

fn udp(c: &mut Checks) {
    let a = open(c, DGRAM, 17);
    let b = open(c, DGRAM, 0);
    for fd in [a, b] {
        c.eq(sys::sock_bind(fd, addr4(LOOPBACK, 0).as_ptr()), 0, "bind");
    }
    let (_, _, pa) = local(c, a);
    let (_, _, pb) = local(c, b);
    let msg = b"datagram";
    let iov = [[msg.as_ptr() as u32, msg.len() as u32]];
    let mut sent = 0;
    c.eq(
        sys::sock_send_to(
            a,
            iov.as_ptr(),
            1,
            0,
            addr4(LOOPBACK, pb).as_ptr(),
            &mut sent,
        ),
        0,
        "send_to",
    );
    c.eq(sent, 8, "sent all");
    let mut buf = [0u8; 32];
    let riov = [[buf.as_mut_ptr() as u32, buf.len() as u32]];
    let (mut n, mut flags, mut from) = (0u32, 9u16, [0u8; 110]);
    c.eq(
        sys::sock_recv_from(
            b,
            riov.as_ptr(),
            1,
            0,
            &mut n,
            &mut flags,
            from.as_mut_ptr(),
        ),
        0,
        "recv_from",
    );
    c.eq((&buf[..n as usize], flags), (&msg[..], 0), "received");
    c.eq(
        parse4(&from),
        (1, LOOPBACK, pa),
        "the sender's address, port little-endian",
    );
    let mut fd = 0;
    c.eq(
        sys::sock_open(INET4, DGRAM, 6, &mut fd),
        66,
        "UDP with TCP's protocol",
    );
}

fn resolve(c: &mut Checks) {
    let mut addrs = [0u8; 18 * 8];
    let mut n = 0;
    let name = "localhost";
    c.eq(
        sys::resolve(name.as_ptr(), name.len(), 0, addrs.as_mut_ptr(), 8, &mut n),
        0,
        "resolve localhost",
    );
    c.eq(n >= 1, true, "at least one address");
    let loopback = (0..n as usize).any(|i| {
        let a = &addrs[i * 18..i * 18 + 18];
        (a[0] == 1 && a[2..6] == LOOPBACK) || (a[0] == 2 && a[2..17] == [0; 15] && a[17] == 1)
    });
    c.eq(loopback, true, "a loopback address");
}

fn denied(c: &mut Checks) {
    let mut fd = 0;
    c.eq(
        sys::sock_open(INET4, STREAM, 0, &mut fd),
        ACCES,
        "sock_open refused",
    );
    let mut addrs = [0u8; 18];
    let mut n = 0;
    c.eq(
        sys::resolve(b"localhost".as_ptr(), 9, 0, addrs.as_mut_ptr(), 1, &mut n),
        ACCES,
        "resolve refused",
    );
}

/// An `option_timestamp`: tag byte, then the nanoseconds at offset 8.
fn opt_time(ns: Option<u64>) -> [u8; 16] {
    let mut b = [0u8; 16];
    if let Some(ns) = ns {
        b[0] = 1;
        b[8..].copy_from_slice(&ns.to_le_bytes());
    }
    b
}

fn read_opt_time(b: &[u8; 16]) -> Option<u64> {
    (b[0] == 1).then(|| u64::from_le_bytes(b[8..].try_into().unwrap()))
}

const RECV_TIMEOUT: u32 = 19;
const SEND_TIMEOUT: u32 = 20;
const CONNECT_TIMEOUT: u32 = 21;
const ACCEPT_TIMEOUT: u32 = 22;

/// `sock_set_opt_time`'s errno for `ns` (none: no timeout).
fn set_time(c: &mut Checks, fd: u32, opt: u32, ns: Option<u64>, want: i32, what: &str) {
    let t = opt_time(ns);
    c.eq(sys::sock_set_opt_time(fd, opt, t.as_ptr()), want, what);
}

/// `sock_get_opt_time`'s value (checking that it succeeds).
fn get_time(c: &mut Checks, fd: u32, opt: u32) -> Option<u64> {
    let mut got = [9u8; 16];
    c.eq(sys::sock_get_opt_time(fd, opt, got.as_mut_ptr()), 0, "get");
    read_opt_time(&got)
}

/// The receive, send and accept timeouts: kept, read back, and ending blocking calls with
/// `EAGAIN` once they run out. The kernel keeps them in clock ticks: 200 ms and 2 s are whole
/// ticks at every usual tick rate (100, 250, 300, 1000 Hz), so they read back unchanged.
fn timeouts(c: &mut Checks) {
    let udp = open(c, DGRAM, 17);
    c.eq(sys::sock_bind(udp, addr4(LOOPBACK, 0).as_ptr()), 0, "bind");
    let got = get_time(c, udp, RECV_TIMEOUT);
    c.eq(got, None, "no receive timeout at first");
    set_time(
        c,
        udp,
        RECV_TIMEOUT,
        Some(200_000_000),
        0,
        "set receive timeout",
    );
    let got = get_time(c, udp, RECV_TIMEOUT);
    c.eq(got, Some(200_000_000), "the receive timeout reads back");
    let mut buf = [0u8; 8];
    let riov = [[buf.as_mut_ptr() as u32, buf.len() as u32]];
    let (mut n, mut flags, mut from) = (0u32, 0u16, [0u8; 110]);
    let start = Instant::now();
    let e = sys::sock_recv_from(
        udp,
        riov.as_ptr(),
        1,
        0,
        &mut n,
        &mut flags,
        from.as_mut_ptr(),
    );
    c.eq(
        e,
        AGAIN,
        "a receive with nothing to receive ends with the timeout",
    );
    let waited = start.elapsed() >= Duration::from_millis(190);
    c.eq(waited, true, "after the timeout");
    set_time(c, udp, RECV_TIMEOUT, Some(0), INVAL, "zero");
    set_time(c, udp, RECV_TIMEOUT, None, 0, "none");
    let got = get_time(c, udp, RECV_TIMEOUT);
    c.eq(got, None, "none removes it");
    set_time(
        c,
        udp,
        SEND_TIMEOUT,
        Some(2_000_000_000),
        0,
        "set send timeout",
    );
    let got = get_time(c, udp, SEND_TIMEOUT);
    c.eq(got, Some(2_000_000_000), "the send timeout reads back");
    set_time(
        c,
        udp,
        CONNECT_TIMEOUT,
        Some(2_000_000_000),
        NOTSUP,
        "connect",
    );

    let listener = open(c, STREAM, 6);
    c.eq(
        sys::sock_bind(listener, addr4(LOOPBACK, 0).as_ptr()),
        0,
        "bind",
    );
    c.eq(sys::sock_listen(listener, 4), 0, "listen");
    set_time(
        c,
        listener,
        ACCEPT_TIMEOUT,
        Some(200_000_000),
        0,
        "set accept timeout",
    );
    let got = get_time(c, listener, ACCEPT_TIMEOUT);
    c.eq(got, Some(200_000_000), "the accept timeout reads back");
    let (mut conn, mut peer) = (0u32, [0u8; 110]);
    let start = Instant::now();
    let e = sys::sock_accept_v2(listener, 0, &mut conn, peer.as_mut_ptr());
    c.eq(
        e,
        AGAIN,
        "an accept with nobody connecting ends with the timeout",
    );
    let waited = start.elapsed() >= Duration::from_millis(190);
    c.eq(waited, true, "after the timeout");
}
