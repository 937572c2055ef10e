//! `poll_oneoff` through real guests: clocks, regular files, bad descriptors and rights (Rust,
//! raw imports), and pipes another host thread feeds and closes (Rust raw, and C through
//! wasi-libc's `poll`, `nanosleep` and `clock_nanosleep`).

mod fd_support;

use std::io::{BufRead, BufReader, Write};

use fd_support::{pipe, precompile, run};
use wasi_host::Stdio;
use wasi_host_tests::guests;
use wasi_host_tests::run::Run;

#[test]
fn rust_guest_polls_clocks_files_and_bad_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let out = Run::rust("poll_oneoff")
        .stdin("hello")
        .dir(dir.path(), "/d")
        .in_process();
    out.assert_success();
    assert_eq!(out.stdout_text(), "poll_oneoff ok\n");
}

/// Runs `wasm` with stdin and stdout as pipes to a host thread that answers "waiting" with
/// "ping" and "got ping" by closing stdin; returns the status and every stdout line.
fn run_fed(wasm: &std::path::Path, stderr: Stdio) -> (i32, Vec<String>) {
    precompile(wasm);
    let (stdin_r, stdin_w) = pipe();
    let (stdout_r, stdout_w) = pipe();
    let feeder = std::thread::spawn(move || {
        let mut lines = Vec::new();
        let mut stdin_w = Some(stdin_w);
        for line in BufReader::new(stdout_r).lines() {
            let line = line.unwrap();
            // Give the guest time to block in poll before it is woken.
            std::thread::sleep(std::time::Duration::from_millis(30));
            match line.as_str() {
                "waiting" => stdin_w.as_mut().unwrap().write_all(b"ping").unwrap(),
                // Dropping our end is the hangup the guest waits for.
                "got ping" => drop(stdin_w.take()),
                _ => {}
            }
            lines.push(line);
        }
        lines
    });
    let status = run(
        wasm,
        &[],
        [Stdio::File(stdin_r), Stdio::File(stdout_w), stderr],
        &[],
    );
    (status, feeder.join().unwrap())
}

#[test]
fn rust_guest_is_woken_by_another_thread_and_sees_the_hangup() {
    // stderr: a pipe nobody reads, for the EPIPE checks.
    let (r, w) = pipe();
    drop(r);
    let (status, lines) = run_fed(&guests::rust("poll_pipe"), Stdio::File(w));
    assert_eq!(status, 0, "failed check at line {status}; stdout {lines:?}");
    assert_eq!(lines, ["waiting", "got ping", "poll_pipe ok"]);
}

#[test]
fn c_guest_polls_and_sleeps_through_wasi_libc() {
    let err = tempfile::tempfile().unwrap();
    let (status, lines) = run_fed(&guests::c("poll_c"), Stdio::File(err.try_clone().unwrap()));
    let mut msg = String::new();
    let mut err = err;
    std::io::Seek::rewind(&mut err).unwrap();
    std::io::Read::read_to_string(&mut err, &mut msg).unwrap();
    assert_eq!(status, 0, "stderr {msg}; stdout {lines:?}");
    assert_eq!(lines, ["waiting", "got ping", "poll_c ok"]);
}
