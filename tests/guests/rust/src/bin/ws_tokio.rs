//! tokio (`tokio_wasi` 1.25.2, on `mio_wasi`) over the WasmEdge socket extension, driven by
//! tests/tests/wasmedge_guest.rs: a listener on 127.0.0.1, a client in the same runtime, one
//! echo through the event loop (`poll_oneoff` underneath). Prints `tokio ok`; any failure is
//! printed on stderr with exit status 1.

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn echo() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await?;
        let mut buf = [0u8; 13];
        s.read_exact(&mut buf).await?;
        s.write_all(&buf).await?;
        Ok::<_, std::io::Error>(())
    });
    let mut client = TcpStream::connect(("127.0.0.1", port)).await?;
    client.write_all(b"through tokio").await?;
    let mut back = [0u8; 13];
    client.read_exact(&mut back).await?;
    server
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))??;
    if &back != b"through tokio" {
        return Err(std::io::Error::other("echo differs"));
    }
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    match echo().await {
        Ok(()) => println!("tokio ok"),
        Err(e) => {
            eprintln!("tokio failed: {e}");
            std::process::exit(1);
        }
    }
}
