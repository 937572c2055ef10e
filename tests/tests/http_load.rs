//! The network bench's hyper server (bench/http/src/main.rs, built as the `http_server` Rust
//! guest on `hyper_wasi`/`tokio_wasi`) under `wasi-host run`, loaded from this process: 2,000
//! requests over 10 keep-alive connections on loopback, every response checked. This asserts
//! behaviour only; the bench (`cargo xtask bench`, docs/sockets.md "Load") measures speed.
//! Bounded: the CLI runs with `-W timeout=60s`, clients use 10 s socket timeouts, and the
//! server is killed when the test ends, whatever the outcome.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use wasi_host_tests::guests;

const CONNECTIONS: usize = 10;
const REQUESTS_PER_CONNECTION: usize = 200;
const HELLO: &[u8] = b"hello from hyper\n";

/// The server process, killed on drop so a failing test leaves nothing running.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the server on a port the system picks; returns it and the port it printed.
fn start(flags: &[&str]) -> (Server, u16) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wasi-host-under-test"))
        .args(["run", "-W", "timeout=60s"])
        .args(flags)
        .arg(guests::rust("http_server"))
        .arg("0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the CLI");
    let stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let server = Server(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("the server says where it listens within 30 s");
    let port = line
        .trim()
        .strip_prefix("listening on 127.0.0.1:")
        .and_then(|p| p.parse().ok());
    let Some(port) = port else {
        drop(server);
        let mut err = String::new();
        let _ = stderr.read_to_string(&mut err);
        panic!("unexpected first line {line:?}; stderr: {err}");
    };
    (server, port)
}

/// Reads one HTTP/1.1 response: the status code, whether the server asked to close, the body.
fn response(r: &mut BufReader<TcpStream>) -> (u16, bool, Vec<u8>) {
    let mut line = String::new();
    r.read_line(&mut line).expect("status line");
    let mut parts = line.split_whitespace();
    assert_eq!(parts.next(), Some("HTTP/1.1"), "status line {line:?}");
    let status: u16 = parts.next().and_then(|s| s.parse().ok()).expect("status");
    let (mut length, mut close) = (None, false);
    loop {
        line.clear();
        r.read_line(&mut line).expect("header");
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').expect("header line");
        match name.to_ascii_lowercase().as_str() {
            "content-length" => length = value.trim().parse::<usize>().ok(),
            "connection" => close = value.trim().eq_ignore_ascii_case("close"),
            "transfer-encoding" => panic!("unexpected chunked body"),
            _ => {}
        }
    }
    let mut body = vec![0; length.expect("content-length")];
    r.read_exact(&mut body).expect("body");
    (status, close, body)
}

/// One keep-alive connection making `REQUESTS_PER_CONNECTION` requests in turn; every tenth
/// asks for a path that does not exist. Returns the number of correct answers.
fn client(port: u16) -> usize {
    let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut correct = 0;
    for i in 0..REQUESTS_PER_CONNECTION {
        let path = if i % 10 == 9 { "/missing" } else { "/" };
        write!(
            writer,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
        )
        .expect("send");
        let (status, close, body) = response(&mut reader);
        assert!(!close, "the server closed a keep-alive connection");
        if path == "/" {
            assert_eq!((status, body.as_slice()), (200, HELLO), "request {i}");
        } else {
            assert_eq!(
                (status, body.as_slice()),
                (404, &b"not found\n"[..]),
                "request {i}"
            );
        }
        correct += 1;
    }
    correct
}

#[test]
fn the_bench_server_answers_2000_requests_over_10_connections() {
    let (_server, port) = start(&["--allow-bind", "127.0.0.1:0"]);
    let clients: Vec<_> = (0..CONNECTIONS)
        .map(|_| std::thread::spawn(move || client(port)))
        .collect();
    let correct: usize = clients
        .into_iter()
        .map(|c| c.join().expect("a client failed"))
        .sum();
    assert_eq!(correct, CONNECTIONS * REQUESTS_PER_CONNECTION);
}

#[test]
fn without_the_bind_flag_the_server_cannot_listen() {
    let out = Command::new(env!("CARGO_BIN_EXE_wasi-host-under-test"))
        .args(["run", "-W", "timeout=30s"])
        .arg(guests::rust("http_server"))
        .arg("0")
        .stdin(Stdio::null())
        .output()
        .expect("run the CLI");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(out.stdout.is_empty());
    assert!(stderr.contains("--allow-bind"), "{stderr}");
}
