//! Sockets end to end: the `sock_server` guest serves on preopened loopback listeners while
//! the test plays the client, in-process (`WasiCtxBuilder::tcp_listener`) and through the
//! command line (`--tcplisten`). Every blocking step on the test's side has a timeout, and the
//! guest bounds its own polling, so a broken host fails these tests instead of hanging them.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio as ProcStdio};
use std::thread;
use std::time::{Duration, Instant};

use wasi_host::{Exit, Stdio, WasiCtx, WasiCtxBuilder};
use wasi_host_tests::{guests, watchdog};
use wasmtime::{Linker, Module, Store};

const TIMEOUT: Duration = Duration::from_secs(20);

fn with_timeouts(s: TcpStream) -> TcpStream {
    s.set_read_timeout(Some(TIMEOUT)).unwrap();
    s.set_write_timeout(Some(TIMEOUT)).unwrap();
    s
}

fn read_exact(s: &mut TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0u8; n];
    s.read_exact(&mut buf).expect("read from the guest");
    buf
}

/// The client side of `sock_server`'s protocol, on two connections made before the guest
/// starts accepting (so its blocking accept always has one queued).
fn client(mut c1: TcpStream, mut c2: TcpStream) {
    c1.write_all(b"hello world").unwrap();
    assert_eq!(read_exact(&mut c1, 16), b"got hello world\n");

    // Two writes apart: the guest's WAITALL read must wait for both.
    c1.write_all(b"abc").unwrap();
    c1.flush().unwrap();
    thread::sleep(Duration::from_millis(50));
    c1.write_all(b"defgh").unwrap();

    // The guest shuts down writing: end of stream, nothing sent after it arrives.
    let mut rest = Vec::new();
    c1.read_to_end(&mut rest)
        .expect("end of stream from the guest");
    assert_eq!(
        rest, b"",
        "the guest's send after shutdown must fail, not arrive"
    );
    c1.write_all(b"bye").unwrap();
    drop(c1);

    assert_eq!(read_exact(&mut c2, 6), b"ready\n");
    c2.write_all(b"z").unwrap();
    let mut rest = Vec::new();
    c2.read_to_end(&mut rest)
        .expect("end of stream on the second connection");
    assert_eq!(rest, b"");
}

fn loopback_listener() -> (TcpListener, SocketAddr) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    (l, addr)
}

#[test]
fn sock_server_in_process() {
    let wasm = guests::rust("sock_server");
    let (idle, _) = loopback_listener();
    let (active, addr) = loopback_listener();
    let c1 = with_timeouts(TcpStream::connect(addr).unwrap());
    let c2 = with_timeouts(TcpStream::connect(addr).unwrap());
    let client = thread::spawn(move || client(c1, c2));

    let mut builder = WasiCtxBuilder::new();
    builder
        .arg("sock_server.wasm")
        .stdin(Stdio::Null)
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .tcp_listener(idle)
        .tcp_listener(active);
    let ctx = builder.build().unwrap();
    // The guest runs on a thread of its own within the time limit; its store (and with it the
    // guest's sockets) is dropped there, which lets a waiting client finish either way.
    let status = watchdog::run("guest sock_server (in process)", move || {
        let engine = wasi_host_tests::run::engine();
        let module = Module::from_file(engine, &wasm).unwrap();
        let mut linker = Linker::new(engine);
        wasi_host::add_to_linker(&mut linker, |ctx: &mut WasiCtx| ctx).unwrap();
        let mut store = Store::new(engine, ctx);
        watchdog::arm(&mut store);
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .unwrap();
        match start.call(&mut store, ()) {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<Exit>() {
                Some(Exit(code)) => *code,
                None => panic!("the guest trapped: {e:?}"),
            },
        }
    });
    let client = client.join();
    assert_eq!(status, 0, "sock_server failed the check at line {status}");
    client.expect("the client's checks");
}

/// Two distinct loopback ports free a moment ago (bound, then released); the caller retries
/// on a clash.
fn free_ports() -> (u16, u16) {
    let (a, b) = (loopback_listener(), loopback_listener());
    (a.1.port(), b.1.port())
}

/// Connects to `addr`, retrying while the CLI has not bound it yet.
fn connect_when_listening(addr: SocketAddr, child: &mut std::process::Child) -> Option<TcpStream> {
    let deadline = Instant::now() + TIMEOUT;
    while Instant::now() < deadline {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
            Ok(s) => return Some(with_timeouts(s)),
            Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
                if child.try_wait().unwrap().is_some() {
                    return None;
                }
                thread::sleep(Duration::from_millis(10));
            }
            Err(e) => panic!("connecting to {addr}: {e}"),
        }
    }
    panic!("nothing listened on {addr} within {TIMEOUT:?}");
}

#[test]
fn sock_server_through_the_cli() {
    let wasm = guests::rust("sock_server");
    // `--tcplisten 127.0.0.1:0` would not tell us the port, so pick free ones; if another
    // process takes one first, the CLI fails to bind (status 2) and we try other ports.
    for attempt in 0..5 {
        let (idle, active) = free_ports();
        let mut child = Command::new(env!("CARGO_BIN_EXE_wasi-host-under-test"))
            // No compile cache: tests never write to the user's ~/.cache.
            .args(["run", "-C", "cache=n", "--tcplisten"])
            .arg(format!("127.0.0.1:{idle}"))
            .arg("--tcplisten")
            .arg(format!("127.0.0.1:{active}"))
            .arg(&wasm)
            .stdin(ProcStdio::null())
            .stdout(ProcStdio::piped())
            .stderr(ProcStdio::piped())
            .spawn()
            .expect("start wasi-host");
        let addr = SocketAddr::from(([127, 0, 0, 1], active));
        let Some(c1) = connect_when_listening(addr, &mut child) else {
            let out = watchdog::wait(child, "wasi-host running sock_server");
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.code() == Some(2) && err.contains("cannot listen"),
                "attempt {attempt}: {err}"
            );
            continue;
        };
        let c2 = with_timeouts(TcpStream::connect(addr).unwrap());
        let client = thread::spawn(move || client(c1, c2));
        let out = watchdog::wait(child, "wasi-host running sock_server");
        let client = client.join();
        assert_eq!(
            out.status.code(),
            Some(0),
            "sock_server failed the check at line {:?}; stderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.stdout.is_empty() && out.stderr.is_empty());
        client.expect("the client's checks");
        return;
    }
    panic!("no free loopback ports in five attempts");
}
