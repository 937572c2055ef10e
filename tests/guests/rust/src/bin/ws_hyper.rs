//! hyper (`hyper_wasi` 0.15.2 on `tokio_wasi`) over the WasmEdge socket extension, driven by
//! tests/tests/wasmedge_guest.rs: an HTTP/1 server on 127.0.0.1 and a client in the same
//! runtime making one request. Prints `hyper 200 OK hello /wasi`; a failure is printed on
//! stderr with exit status 1.

use std::convert::Infallible;

use hyper::service::{make_service_fn, service_fn};
use hyper::{Body, Client, Request, Response, Server};

async fn hello(req: Request<Body>) -> Result<Response<Body>, Infallible> {
    Ok(Response::new(Body::from(format!("hello {}", req.uri().path()))))
}

async fn run() -> Result<String, Box<dyn std::error::Error>> {
    let addr = ([127, 0, 0, 1], 0).into();
    let server = Server::try_bind(&addr)?.serve(make_service_fn(|_| async {
        Ok::<_, Infallible>(service_fn(hello))
    }));
    let port = server.local_addr().port();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(server.with_graceful_shutdown(async {
        stopped.await.ok();
    }));
    let response = Client::new()
        .get(format!("http://127.0.0.1:{port}/wasi").parse()?)
        .await?;
    let status = response.status();
    let body = hyper::body::to_bytes(response.into_body()).await?;
    let _ = stop.send(());
    server.await??;
    Ok(format!("hyper {status} {}", String::from_utf8_lossy(&body)))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    match run().await {
        Ok(line) => println!("{line}"),
        Err(e) => {
            eprintln!("hyper failed: {e}");
            std::process::exit(1);
        }
    }
}
