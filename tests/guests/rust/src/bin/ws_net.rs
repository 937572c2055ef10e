//! A network program on the WasmEdge socket extension through its guest crate,
//! `wasmedge_wasi_socket` 0.5.5 (which mixes version-1 `sock_accept`/`sock_getlocaladdr` with
//! the version-2 `sock_recv_from`). Driven by tests/tests/wasmedge_guest.rs, loopback only:
//!
//! - `tcp`: a listener on 127.0.0.1 (port 0), a client connecting to it from the same
//!   program, an echo of one message each way, local/peer addresses checked, a shutdown;
//! - `udp`: two sockets on 127.0.0.1 exchanging datagrams, the sender's address checked;
//! - `lookup`: `localhost` resolved through `sock_getaddrinfo`.
//!
//! Prints one line per step that passed (`tcp ok`, …) and, on the first failure, the step and
//! the error on stderr, exiting 1.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};

use wasmedge_wasi_socket::{Shutdown, TcpListener, TcpStream, UdpSocket, nslookup};

fn tcp() -> std::io::Result<String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0), false)?;
    // Only ports are compared: the crate's address getters read the IP bytes from an
    // immutable array the host writes through a pointer, which an optimising compiler may
    // assume still holds zeroes (it does at opt-level 1: the IP reads as 0.0.0.0).
    let port = listener.local_addr()?.port();
    if port == 0 {
        return Err(std::io::Error::other("listener on port 0"));
    }
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    // The kernel completes the handshake before the accept.
    let mut client = TcpStream::connect(addr)?;
    let (mut server, peer) = listener.accept(false)?;
    if peer.port() != client.local_addr()?.port() || client.peer_addr()?.port() != port {
        return Err(std::io::Error::other(format!(
            "peer {peer} vs client {}",
            client.local_addr()?
        )));
    }
    client.write_all(b"hello over wasmedge sockets")?;
    let mut buf = [0u8; 27];
    server.read_exact(&mut buf)?;
    server.write_all(&buf)?;
    let mut back = [0u8; 27];
    client.read_exact(&mut back)?;
    if &back != b"hello over wasmedge sockets" {
        return Err(std::io::Error::other("echo differs"));
    }
    server.shutdown(Shutdown::Write)?;
    let mut rest = Vec::new();
    client.read_to_end(&mut rest)?;
    if !rest.is_empty() {
        return Err(std::io::Error::other("data after shutdown"));
    }
    Ok("tcp ok".into())
}

fn udp() -> std::io::Result<String> {
    let a = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
    let b = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))?;
    // As in `tcp`, only the ports of the crate's local addresses are to be trusted.
    let a_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, a.as_ref_local()?.port()));
    let b_addr = SocketAddr::from((Ipv4Addr::LOCALHOST, b.as_ref_local()?.port()));
    a.send_to(b"datagram", b_addr)?;
    let mut buf = [0u8; 64];
    // The sender's port comes through `sock_recv_from`'s port result (a host-order u32, what
    // this crate decodes); its IP suffers from the same folding as the local addresses.
    let (n, from) = b.recv_from(&mut buf)?;
    if &buf[..n] != b"datagram" || from.port() != a_addr.port() {
        return Err(std::io::Error::other(format!(
            "got {n} bytes from {from}, expected 8 from {a_addr}"
        )));
    }
    b.send_to(b"reply", a_addr)?;
    let (n, from) = a.recv_from(&mut buf)?;
    if &buf[..n] != b"reply" || from.port() != b_addr.port() {
        return Err(std::io::Error::other(format!("reply from {from}")));
    }
    Ok("udp ok".into())
}

/// The local address of a UDP socket (the crate only offers it on its inner socket).
trait LocalAddr {
    fn as_ref_local(&self) -> std::io::Result<SocketAddr>;
}

impl LocalAddr for UdpSocket {
    fn as_ref_local(&self) -> std::io::Result<SocketAddr> {
        let s: &wasmedge_wasi_socket::socket::Socket = self.as_ref();
        s.get_local()
    }
}

fn lookup() -> std::io::Result<String> {
    let addrs = nslookup("localhost", "http")?;
    if !addrs.iter().any(|a| a.ip() == Ipv4Addr::LOCALHOST && a.port() == 80) {
        return Err(std::io::Error::other(format!("localhost is {addrs:?}")));
    }
    Ok("lookup ok".into())
}

fn main() {
    for step in std::env::args().skip(1) {
        let outcome = match step.as_str() {
            "tcp" => tcp(),
            "udp" => udp(),
            "lookup" => lookup(),
            other => Err(std::io::Error::other(format!("unknown step {other}"))),
        };
        match outcome {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("{step} failed: {e} ({:?})", e.raw_os_error());
                std::process::exit(1);
            }
        }
    }
}
