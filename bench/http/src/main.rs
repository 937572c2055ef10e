//! The HTTP server of the network bench (`cargo xtask bench`, docs/sockets.md "Load") and of
//! tests/tests/http_load.rs: hyper 0.14's HTTP/1 server on a current-thread tokio runtime,
//! listening on `127.0.0.1:PORT` (`PORT` the only argument; 0 lets the system choose). It
//! prints `listening on 127.0.0.1:PORT` once bound and then serves until killed:
//! `GET /` is `200` with the body `hello from hyper\n`, anything else `404`. Connections
//! are kept alive (HTTP/1.1's default).
//!
//! One source, two builds: for wasm32-wasip1 against `hyper_wasi` 0.15.2 and `tokio_wasi`
//! 1.25.2 (the WasmEdge socket extension; bench/http/wasi, and the test guests), natively
//! against upstream `hyper` 0.14 and `tokio` 1 (bench/http/native). Both forks keep the
//! library names `hyper` and `tokio` and the same API, so the one `cfg` works around a
//! defect of the WASI stream (see `serve`).

use std::convert::Infallible;
use std::io::Write;
use std::net::SocketAddr;

use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Method, Request, Response, Server, StatusCode};

/// The body of `GET /`.
const HELLO: &str = "hello from hyper\n";

async fn answer(req: Request<Body>) -> Result<Response<Body>, Infallible> {
    if req.method() == Method::GET && req.uri().path() == "/" {
        return Ok(Response::new(Body::from(HELLO)));
    }
    let mut not_found = Response::new(Body::from("not found\n"));
    *not_found.status_mut() = StatusCode::NOT_FOUND;
    Ok(not_found)
}

async fn serve(port: u16) -> Result<(), Box<dyn std::error::Error>> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let builder = Server::try_bind(&addr)?.http1_keepalive(true);
    // hyper writes a response's head and body with one vectored write when the stream says
    // it can; `tokio_wasi`'s stream says so, but `wasmedge_wasi_socket`'s stream under it has
    // no `write_vectored`, and std's default sends only the first buffer. The body then
    // follows in a second small segment, which Nagle's algorithm holds until the client's
    // delayed acknowledgement (~40 ms: wrk measured 44 ms per request). Flattening into one
    // buffer gives one send, as upstream's real `writev` does; `TCP_NODELAY` cannot be set
    // through the WasmEdge ABI.
    #[cfg(target_os = "wasi")]
    let builder = builder.http1_writev(false);
    let server = builder.serve(make_service_fn(|_| async {
        Ok::<_, Infallible>(service_fn(answer))
    }));
    let mut out = std::io::stdout().lock();
    // The port only from `local_addr`: `wasmedge_wasi_socket`'s getter may lose the address.
    writeln!(out, "listening on 127.0.0.1:{}", server.local_addr().port())?;
    out.flush()?;
    drop(out);
    server.await?;
    Ok(())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let port = match std::env::args().nth(1).map(|p| p.parse::<u16>()) {
        Some(Ok(port)) => port,
        _ => {
            eprintln!("usage: http-server PORT");
            std::process::exit(2);
        }
    };
    if let Err(e) = serve(port).await {
        eprintln!("http-server: {e}");
        std::process::exit(1);
    }
}
