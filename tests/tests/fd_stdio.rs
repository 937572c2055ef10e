//! Standard streams that are regular files, pipes, `/dev/null` or terminals: the filetype and
//! rights each reports, `isatty`, seeking, polling, and the bytes that flow through them, for
//! a Rust guest and a C guest.

mod fd_support;

use std::fs::File;
use std::io::{Read, Seek, Write};
use std::thread::JoinHandle;

use fd_support::{null, pipe, pty, run};
use wasi_host::Stdio;
use wasi_host_tests::guests;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    File,
    Pipe,
    Null,
    Tty,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Pipe => "pipe",
            Kind::Null => "null",
            Kind::Tty => "tty",
        }
    }
}

/// Where the test finds what the guest wrote to a stream.
enum Sink {
    File(File),
    Pipe(JoinHandle<Vec<u8>>),
    Tty(File, File),
    Nothing,
}

impl Sink {
    fn collect(self) -> Vec<u8> {
        match self {
            Sink::File(mut f) => {
                let mut out = Vec::new();
                f.rewind().unwrap();
                f.read_to_end(&mut out).unwrap();
                out
            }
            Sink::Pipe(reader) => reader.join().unwrap(),
            Sink::Tty(mut master, slave) => {
                // Everything the guest wrote is queued on the master by now; with the last
                // slave closed, reading it ends in EIO.
                drop(slave);
                let mut out = Vec::new();
                let mut buf = [0u8; 4096];
                while let Ok(n) = master.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    out.extend_from_slice(&buf[..n]);
                }
                out
            }
            Sink::Nothing => Vec::new(),
        }
    }
}

const INPUT: &str = "hello stdio\n";

/// Runs `wasm` with streams of `kinds` and returns what it wrote to stdout and stderr.
fn run_with(wasm: &std::path::Path, args: &[&str], kinds: [Kind; 3]) -> (i32, Vec<u8>, Vec<u8>) {
    let mut stdio = Vec::new();
    let mut sinks = Vec::new();
    let mut keep = Vec::new();
    for (fd, kind) in kinds.into_iter().enumerate() {
        let (stream, sink) = match (fd, kind) {
            (0, Kind::File) => {
                let mut f = tempfile::tempfile().unwrap();
                f.write_all(INPUT.as_bytes()).unwrap();
                f.rewind().unwrap();
                (f, Sink::Nothing)
            }
            (_, Kind::File) => {
                let f = tempfile::tempfile().unwrap();
                (f.try_clone().unwrap(), Sink::File(f))
            }
            (0, Kind::Pipe) => {
                let (r, mut w) = pipe();
                // Small enough for the pipe buffer; closing makes the end visible.
                w.write_all(INPUT.as_bytes()).unwrap();
                (r, Sink::Nothing)
            }
            (_, Kind::Pipe) => {
                let (mut r, w) = pipe();
                let reader = std::thread::spawn(move || {
                    let mut out = Vec::new();
                    r.read_to_end(&mut out).unwrap();
                    out
                });
                (w, Sink::Pipe(reader))
            }
            (_, Kind::Null) => (null(), Sink::Nothing),
            (fd, Kind::Tty) => {
                let (mut master, slave) = pty().expect("a pseudo-terminal");
                if fd == 0 {
                    master.write_all(INPUT.as_bytes()).unwrap();
                    keep.push(master);
                    (slave, Sink::Nothing)
                } else {
                    (slave.try_clone().unwrap(), Sink::Tty(master, slave))
                }
            }
        };
        stdio.push(Stdio::File(stream));
        sinks.push(sink);
    }
    let [a, b, c]: [Stdio; 3] = stdio.try_into().unwrap();
    let status = run(wasm, args, [a, b, c], &[]);
    let err = sinks.pop().unwrap().collect();
    let out = sinks.pop().unwrap().collect();
    drop(keep);
    (status, out, err)
}

fn check(kinds: [Kind; 3]) {
    if kinds.contains(&Kind::Tty) && pty().is_none() {
        wasi_host_tests::skip(&format!(
            "no pseudo-terminal can be opened here, so streams {kinds:?} are not tested"
        ));
        return;
    }
    let names = kinds.map(Kind::name);
    let rust = guests::rust("stdio_kinds");
    let c = guests::c("stdio_c");
    // /dev/null reads as empty.
    let input = if kinds[0] == Kind::Null { "" } else { INPUT };
    for (wasm, args) in [
        (&rust, vec![names[0], names[1], names[2], input]),
        (&c, vec![names[0], names[1], names[2]]),
    ] {
        let (status, out, err) = run_with(wasm, &args, kinds);
        let (out, err) = (
            String::from_utf8_lossy(&out).into_owned(),
            String::from_utf8_lossy(&err).into_owned(),
        );
        assert_eq!(
            status,
            0,
            "{} {kinds:?}: stdout {out:?} stderr {err:?}",
            wasm.display()
        );
        let expect_out = format!("stdin: {input}");
        match kinds[1] {
            Kind::File | Kind::Pipe => assert_eq!(out, expect_out, "{kinds:?}"),
            // A terminal turns "\n" into "\r\n".
            Kind::Tty => assert_eq!(out, expect_out.replace('\n', "\r\n"), "{kinds:?}"),
            Kind::Null => assert_eq!(out, ""),
        }
        match kinds[2] {
            Kind::File | Kind::Pipe => assert_eq!(err, "stderr ok\n", "{kinds:?}"),
            Kind::Tty => assert_eq!(err, "stderr ok\r\n", "{kinds:?}"),
            Kind::Null => assert_eq!(err, ""),
        }
    }
}

#[test]
fn file_pipe_null() {
    check([Kind::File, Kind::Pipe, Kind::Null]);
}

#[test]
fn pipe_file_pipe() {
    check([Kind::Pipe, Kind::File, Kind::Pipe]);
}

#[test]
fn null_null_file() {
    check([Kind::Null, Kind::Null, Kind::File]);
}

#[test]
fn pipe_pipe_pipe() {
    check([Kind::Pipe, Kind::Pipe, Kind::Pipe]);
}

#[test]
fn terminals_everywhere() {
    check([Kind::Tty, Kind::Tty, Kind::Tty]);
}

#[test]
fn terminal_in_pipe_out_null_err() {
    check([Kind::Tty, Kind::Pipe, Kind::Null]);
}

#[test]
fn file_in_terminal_out_file_err() {
    check([Kind::File, Kind::Tty, Kind::File]);
}

#[test]
fn the_guest_checks_are_real() {
    // Telling the guest its stdin is a pipe when it is a file makes it fail.
    let rust = guests::rust("stdio_kinds");
    let (status, _, _) = run_with(
        &rust,
        &["pipe", "file", "null", INPUT],
        [Kind::File, Kind::File, Kind::Null],
    );
    assert_ne!(status, 0);
    let c = guests::c("stdio_c");
    let (status, _, _) = run_with(
        &c,
        &["null", "file", "null"],
        [Kind::File, Kind::File, Kind::Null],
    );
    assert_ne!(status, 0);
}

#[test]
fn through_the_cli_every_stream_is_a_pipe() {
    use wasi_host_tests::run::Run;
    // The runner connects the CLI's stdin, stdout and stderr to pipes, which it inherits.
    let out = Run::rust("stdio_kinds")
        .arg("pipe")
        .arg("pipe")
        .arg("pipe")
        .arg(INPUT)
        .stdin(INPUT)
        .cli();
    out.assert_success();
    assert_eq!(out.stdout_text(), format!("stdin: {INPUT}"));
    assert_eq!(out.stderr_text(), "stderr ok\n");
    let out = Run::c("stdio_c")
        .arg("pipe")
        .arg("pipe")
        .arg("pipe")
        .stdin(INPUT)
        .cli();
    out.assert_success();
    assert_eq!(out.stdout_text(), format!("stdin: {INPUT}"));
    assert_eq!(out.stderr_text(), "stderr ok\n");
}
