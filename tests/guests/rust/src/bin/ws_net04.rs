//! A TCP echo on `wasmedge_wasi_socket` 0.4.3, the release before the version-2 calls (it
//! imports version-1 `sock_accept`, `sock_getlocaladdr` and the 7-parameter
//! `sock_recv_from`). Driven by tests/tests/wasmedge_guest.rs, loopback only. Its UDP
//! `recv_from` expects an address layout no current host writes, so only TCP is exercised.
//! Prints `tcp ok`; a failure goes to stderr with exit status 1.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr};

use wasmedge_wasi_socket_04::{Shutdown, TcpListener, TcpStream};

fn tcp() -> std::io::Result<()> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0), false)?;
    // Ports only, as in `ws_net`: the crate reads the IP bytes from an immutable array.
    let port = listener.local_addr()?.port();
    let mut client = TcpStream::connect(SocketAddr::from((Ipv4Addr::LOCALHOST, port)))?;
    let (mut server, peer) = listener.accept(false)?;
    if peer.port() != client.local_addr()?.port() {
        return Err(std::io::Error::other("peer port differs"));
    }
    client.write_all(b"old crate")?;
    let mut buf = [0u8; 9];
    server.read_exact(&mut buf)?;
    server.write_all(&buf)?;
    server.shutdown(Shutdown::Both)?;
    let mut back = Vec::new();
    client.read_to_end(&mut back)?;
    if back != b"old crate" {
        return Err(std::io::Error::other("echo differs"));
    }
    Ok(())
}

fn main() {
    match tcp() {
        Ok(()) => println!("tcp ok"),
        Err(e) => {
            eprintln!("tcp failed: {e}");
            std::process::exit(1);
        }
    }
}
