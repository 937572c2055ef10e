//! Real network programs on the WasmEdge socket extension, run through the command line: the
//! `ws_net` Rust guest, built against `wasmedge_wasi_socket` 0.5.5, under each form of the
//! network policy, `ws_net04` (the 0.4.3 release), `ws_tokio` (`tokio_wasi` 1.25.2) and `ws_hyper` (`hyper_wasi` 0.15.2). Loopback only; every run has a timeout (`-W timeout`) so a broken host
//! fails the test instead of hanging it.

use std::process::{Command, Output, Stdio};

use wasi_host_tests::guests;

fn run(flags: &[&str]) -> Output {
    run_guest("ws_net", flags, &["tcp", "udp", "lookup"])
}

fn run_guest(name: &str, flags: &[&str], args: &[&str]) -> Output {
    let wasm = guests::rust(name);
    Command::new(env!("CARGO_BIN_EXE_wasi-host-under-test"))
        .arg("run")
        .args(["-W", "timeout=20s"])
        .args(flags)
        .arg(&wasm)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run the CLI")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The lines of the host's refusal hint.
fn hints(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("wasi-host: network access denied"))
        .collect()
}

#[test]
fn tcp_udp_and_lookup_work_when_allowed() {
    for flags in [
        &["-S", "inherit-network"][..],
        &[
            "--allow-bind",
            "127.0.0.1:*",
            "--allow-connect",
            "127.0.0.0/8:*",
            "-S",
            "allow-ip-name-lookup",
        ],
    ] {
        let out = run(flags);
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        assert_eq!(
            (out.status.code(), stdout.as_str()),
            (Some(0), "tcp ok\nudp ok\nlookup ok\n"),
            "{flags:?}: {stderr}"
        );
        assert!(hints(&stderr).is_empty(), "{stderr}");
    }
}

#[test]
fn without_flags_nothing_is_allowed_and_one_line_says_which_flag() {
    let out = run(&[]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("tcp failed: Permission denied"), "{stderr}");
    let h = hints(&stderr);
    assert_eq!(h.len(), 1, "{stderr}");
    assert!(h[0].contains("--allow-bind") && h[0].contains("-S inherit-network"));
}

#[test]
fn an_allow_list_admits_what_it_names_and_refuses_the_rest() {
    // Binding port 0 is allowed, connecting only to port 1: the listener comes up, the
    // client's connection to its port is refused, and the hint names that address.
    let out = run(&[
        "--allow-bind",
        "127.0.0.1:0",
        "--allow-connect",
        "127.0.0.1:1",
    ]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("tcp failed: Permission denied"), "{stderr}");
    let h = hints(&stderr);
    assert_eq!(h.len(), 1, "{stderr}");
    assert!(
        h[0].contains("connecting to 127.0.0.1:") && h[0].contains("--allow-connect 127.0.0.1:"),
        "{}",
        h[0]
    );
    // No lookups without -S allow-ip-name-lookup, even with sockets allowed.
    let out = run(&[
        "--allow-bind",
        "127.0.0.1:*",
        "--allow-connect",
        "127.0.0.1:*",
    ]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(stdout, "tcp ok\nudp ok\n", "{stderr}");
    assert!(
        stderr.contains("lookup failed: Permission denied"),
        "{stderr}"
    );
    assert!(
        hints(&stderr)[0].contains("-S allow-ip-name-lookup"),
        "{stderr}"
    );
}

#[test]
fn bad_rules_are_a_command_line_error() {
    for bad in [
        "127.0.0.1",
        "127.0.0.1:70000",
        "10.0.0.0/40:1",
        "1.2.3.4:9-8",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_wasi-host-under-test"))
            .args(["run", "--allow-connect", bad, "x.wasm"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
}

#[test]
fn a_tokio_echo_runs_on_the_extension() {
    let out = run_guest(
        "ws_tokio",
        &[
            "--allow-bind",
            "127.0.0.1:0",
            "--allow-connect",
            "127.0.0.1:*",
        ],
        &[],
    );
    assert_eq!(
        (out.status.code(), text(&out.stdout).as_str()),
        (Some(0), "tokio ok\n"),
        "{}",
        text(&out.stderr)
    );
    // Refused without the policy flags.
    let out = run_guest("ws_tokio", &[], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("tokio failed"));
}

#[test]
fn a_hyper_server_answers_a_hyper_client() {
    let out = run_guest(
        "ws_hyper",
        &[
            "--allow-bind",
            "127.0.0.1:0",
            "--allow-connect",
            "127.0.0.1:*",
        ],
        &[],
    );
    assert_eq!(
        (out.status.code(), text(&out.stdout).as_str()),
        (Some(0), "hyper 200 OK hello /wasi\n"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_older_crate_runs_too() {
    let out = run_guest(
        "ws_net04",
        &[
            "--allow-bind",
            "127.0.0.1:0",
            "--allow-connect",
            "127.0.0.1:*",
        ],
        &[],
    );
    assert_eq!(
        (out.status.code(), text(&out.stdout).as_str()),
        (Some(0), "tcp ok\n"),
        "{}",
        text(&out.stderr)
    );
}
