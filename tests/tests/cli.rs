//! The `wasi-host` command line: exit statuses, error reporting, and what reaches the guest.
//! Guests are `.wat` files in `guests/wat/cli_*.wat`, so these tests need no guest toolchain.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wasi_host_tests::{guest_dir, watchdog};

/// The CLI under test (`tests/src/bin/wasi-host-under-test.rs`).
const CLI: &str = env!("CARGO_BIN_EXE_wasi-host-under-test");

fn wat(name: &str) -> PathBuf {
    guest_dir().join("wat").join(format!("{name}.wat"))
}

/// Runs `wasi-host` with `args`, a clean environment plus `env`, and no stdin.
fn run_with_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(CLI);
    cmd.args(args)
        .env_clear()
        // Set on these machines; the CLI must not print Rust backtraces either way.
        .env("RUST_BACKTRACE", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("start wasi-host");
    watchdog::wait(child, &format!("wasi-host {args:?}"))
}

fn run(args: &[&str]) -> Output {
    run_with_env(args, &[])
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A setup failure: status 2 and exactly one line `error: ...` containing `needle`.
#[track_caller]
fn assert_usage_error(out: &Output, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(out.stdout.is_empty(), "stdout: {:?}", out.stdout);
    assert_eq!(err.lines().count(), 1, "one line expected: {err:?}");
    assert!(err.starts_with("error: "), "{err:?}");
    assert!(err.ends_with('\n'), "{err:?}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
    assert_no_rust_noise(&err);
}

#[track_caller]
fn assert_no_rust_noise(err: &str) {
    for noise in [
        "panicked",
        "stack backtrace",
        "RUST_BACKTRACE",
        "Caused by",
        "Stack backtrace",
    ] {
        assert!(!err.contains(noise), "{noise:?} in {err:?}");
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let exit = wat("cli_exit");
    assert_usage_error(&run(&["run", "--bogus", path_str(&exit)]), "'--bogus'");
    assert_usage_error(&run(&["--bogus", path_str(&exit)]), "'--bogus'");
    // Host flags that take a value complain about a missing one.
    assert_usage_error(&run(&["run", "--dir"]), "--dir");
    assert_usage_error(
        &run(&["run", "--fd-limit", "many", path_str(&exit)]),
        "many",
    );
}

#[test]
fn missing_program_is_a_usage_error() {
    assert_usage_error(&run(&["run"]), "PROGRAM");
    assert_usage_error(
        &run(&["run", "/nonexistent/dir/prog.wasm"]),
        "/nonexistent/dir/prog.wasm",
    );
    let out = run(&["no-such-file.wasm"]);
    assert_usage_error(&out, "cannot read `no-such-file.wasm`");
}

#[test]
fn invalid_module_bytes_are_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, b"\0asm\x01\0\0\0\xff\xff\xff").unwrap();
    assert_usage_error(&run(&["run", path_str(&junk)]), "not a valid module");
    let text = dir.path().join("text.wasm");
    std::fs::write(&text, b"this is not wasm").unwrap();
    assert_usage_error(&run(&["run", path_str(&text)]), "not a valid module");
    let empty = dir.path().join("empty.wasm");
    std::fs::write(&empty, b"").unwrap();
    assert_usage_error(&run(&["run", path_str(&empty)]), "not a valid module");
    // Text format with a syntax error: still one line.
    assert_usage_error(
        &run(&["run", path_str(&wat("cli_invalid"))]),
        "not a valid module",
    );
}

#[test]
fn a_directory_as_program_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    assert_usage_error(&run(&["run", path_str(dir.path())]), "cannot read");
}

#[test]
fn missing_host_directory_is_a_usage_error() {
    let exit = wat("cli_exit");
    assert_usage_error(
        &run(&[
            "run",
            "--dir",
            "/nonexistent/wasi-host-dir",
            path_str(&exit),
        ]),
        "/nonexistent/wasi-host-dir",
    );
    assert_usage_error(
        &run(&["run", "--dir", "/nonexistent/x::/x", path_str(&exit)]),
        "/nonexistent/x",
    );
    // A file is not a directory.
    assert_usage_error(
        &run(&["run", "--dir", path_str(&exit), path_str(&exit)]),
        "cli_exit.wat",
    );
}

#[test]
fn malformed_dir_and_env_flags_are_usage_errors() {
    let exit = wat("cli_exit");
    let exit = path_str(&exit);
    assert_usage_error(&run(&["run", "--dir", ".::/x::rw", exit]), "`rw`");
    assert_usage_error(&run(&["run", "--dir", "::/x", exit]), "host directory");
    assert_usage_error(&run(&["run", "--dir", ".::", exit]), "guest name");
    assert_usage_error(&run(&["run", "--env", "=value", exit]), "name is empty");
}

#[test]
fn module_without_start_is_a_usage_error() {
    assert_usage_error(&run(&["run", path_str(&wat("cli_reactor"))]), "`_start`");
    assert_usage_error(&run(&["run", path_str(&wat("cli_bad_start"))]), "`_start`");
}

#[test]
fn unknown_import_is_a_usage_error() {
    assert_usage_error(
        &run(&["run", path_str(&wat("cli_unknown_import"))]),
        "env::not_provided",
    );
}

#[test]
fn bad_tcplisten_address_is_a_usage_error() {
    let exit = wat("cli_exit");
    assert_usage_error(
        &run(&["run", "--tcplisten", "not an address", path_str(&exit)]),
        "not an address",
    );
}

#[test]
fn exit_status_is_the_guests() {
    let exit = wat("cli_exit");
    let exit = path_str(&exit);
    for (arg, want) in [
        (None, 0),
        (Some("0"), 0),
        (Some("3"), 3),
        (Some("125"), 125),
        (Some("255"), 255),
    ] {
        let mut args = vec!["run", exit];
        args.extend(arg);
        let out = run(&args);
        assert_eq!(out.status.code(), Some(want), "{arg:?}: {}", stderr(&out));
        assert!(out.stderr.is_empty(), "{arg:?}: {}", stderr(&out));
    }
    // `run` may be left out.
    assert_eq!(run(&[exit, "7"]).status.code(), Some(7));
    // The guest's own check (99 for a non-number) proves the argument is what it parsed.
    assert_eq!(run(&[exit, "x"]).status.code(), Some(99));
}

#[test]
fn an_exit_status_above_255_is_not_truncated_to_success() {
    let exit = wat("cli_exit");
    for status in ["256", "300", "4294967295"] {
        let out = run(&["run", path_str(&exit), status]);
        assert_eq!(out.status.code(), Some(134), "{status}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: ") && err.contains(status), "{err}");
    }
}

#[test]
fn exit_from_a_start_function_is_the_status() {
    let out = run(&["run", path_str(&wat("cli_start_exit"))]);
    assert_eq!(out.status.code(), Some(42), "{}", stderr(&out));
}

#[test]
fn trap_exits_134_with_the_wasm_backtrace() {
    let out = run(&["run", path_str(&wat("cli_trap"))]);
    assert_eq!(out.status.code(), Some(134));
    let err = stderr(&out);
    let mut lines = err.lines();
    let first = lines.next().unwrap_or_default();
    assert!(first.starts_with("error: "), "{err}");
    assert!(first.contains("unreachable"), "{err}");
    assert_eq!(lines.next(), Some("wasm backtrace:"), "{err}");
    let frames: Vec<&str> = lines.collect();
    // Innermost first.
    let at = |name: &str| {
        frames
            .iter()
            .position(|f| f.contains(name))
            .unwrap_or_else(|| panic!("{name} not in {err}"))
    };
    assert!(at("deepest_frame") < at("middle_frame"), "{err}");
    assert!(at("middle_frame") < at("outer_frame"), "{err}");
    assert_no_rust_noise(&err);
}

#[test]
fn arguments_and_environment_reach_the_guest() {
    let guest = wat("cli_expect");
    let g = path_str(&guest);
    // argv[0] is the program path as given, then the guest's arguments verbatim: flags, `--`
    // after the first argument, spaces and non-ASCII included. No host variable leaks in.
    let out = run_with_env(
        &[
            "run",
            "--env",
            "A=1",
            "--env",
            "SPACED=two words",
            "--env",
            "EMPTY=",
            "--env",
            "EQ=x=y",
            g,
            g,
            "A=1",
            "SPACED=two words",
            "EMPTY=",
            "EQ=x=y",
        ],
        &[("HOST_ONLY", "secret")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // The guest really compares: a value it was not given fails it.
    let out = run(&["run", "--env", "A=1", g, g, "A=2"]);
    assert_eq!(out.status.code(), Some(13));
    let out = run(&["run", g, g, "A=1"]);
    assert_eq!(out.status.code(), Some(12));
    let out = run(&["run", g, "other"]);
    assert_eq!(out.status.code(), Some(11));

    // Flag-like guest arguments stay the guest's. `--` right after PROGRAM is dropped; a later
    // `--` is an argument (here it would be an environment entry the guest lacks: 12).
    assert_eq!(run(&["run", g, "--", g]).status.code(), Some(0));
    assert_eq!(run(&["run", "--", g, g]).status.code(), Some(0));
    assert_eq!(run(&[g, g, "--"]).status.code(), Some(12));
    // Were `--dir=x` taken as a host flag, opening `x` would fail with status 2.
    assert_eq!(run(&["run", g, g, "--dir=x"]).status.code(), Some(12));
    assert_eq!(run(&["run", g, "--dir=x"]).status.code(), Some(11));
    assert_eq!(run(&["run", g, "--env", "A=1"]).status.code(), Some(11));
    // Later --env entries replace earlier ones.
    assert_eq!(
        run(&["run", "--env", "A=1", "--env", "A=2", g, g, "A=2"])
            .status
            .code(),
        Some(0)
    );
}

#[test]
fn env_without_value_and_inherit_env_pass_host_variables() {
    let guest = wat("cli_expect");
    let g = path_str(&guest);
    let host = [("FROM_HOST", "yes please"), ("OTHER", "1")];
    // `--env NAME` passes one host variable; one the host lacks is left out.
    let out = run_with_env(
        &[
            "run",
            "--env",
            "FROM_HOST",
            "--env",
            "ABSENT",
            g,
            g,
            "FROM_HOST=yes please",
        ],
        &host,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // `--inherit-env` passes all of them (RUST_BACKTRACE too, set by `run_with_env`);
    // `--env` still wins.
    let out = run_with_env(
        &[
            "run",
            "--inherit-env",
            "--env",
            "OTHER=2",
            g,
            g,
            "FROM_HOST=yes please",
            "OTHER=2",
            "RUST_BACKTRACE=1",
        ],
        &host,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Without either, none.
    let out = run_with_env(&["run", g, g], &host);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn directories_are_preopened_in_order_with_their_names_and_modes() {
    let guest = wat("cli_dir");
    let g = path_str(&guest);
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let (a, b) = (path_str(a.path()), path_str(b.path()));
    let out = run(&[
        "run",
        "--dir",
        &format!("{a}::/data"),
        "--dir",
        &format!("{b}::/ro::ro"),
        "--dir",
        a,
        g,
        "rw:/data",
        "ro:/ro",
        &format!("rw:{a}"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The guest notices a wrong expectation: a name, a mode, a count.
    let out = run(&["run", "--dir", &format!("{a}::/data"), g, "rw:/date"]);
    assert_eq!(out.status.code(), Some(22));
    let out = run(&["run", "--dir", &format!("{a}::/data"), g, "ro:/data"]);
    assert_eq!(out.status.code(), Some(25));
    let out = run(&["run", "--dir", &format!("{a}::/data"), g]);
    assert_eq!(out.status.code(), Some(23));
    let out = run(&["run", g, "rw:/data"]);
    assert_eq!(out.status.code(), Some(20));
}

#[test]
fn fd_limit_bounds_the_preopens() {
    let guest = wat("cli_dir");
    let g = path_str(&guest);
    let a = tempfile::tempdir().unwrap();
    let a = path_str(a.path());
    // Room for stdio and one preopen, asked for two: the host says so before running.
    let out = run(&["run", "--fd-limit", "4", "--dir", a, "--dir", a, g]);
    assert_usage_error(&out, "fd limit");
    let out = run(&["run", "--fd-limit", "4", "--dir", a, g, &format!("rw:{a}")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn help_and_version_succeed() {
    let out = run(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("run"));
    let out = run(&["run", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--dir",
        "--env",
        "--inherit-env",
        "--tcplisten",
        "--fd-limit",
    ] {
        assert!(help.contains(flag), "{flag} not in {help}");
    }
    let out = run(&["--version"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("wasi-host "));
    // No arguments at all: the help, as a usage error.
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(2));
}

/// Compilation threads are gone by the time the guest runs: a single-threaded process makes
/// every descriptor call cheaper for the kernel (docs/bench.md), so `wasi-host run` must not
/// keep rayon's pool alive.
#[cfg(target_os = "linux")]
#[test]
fn the_guest_runs_on_the_only_thread_left() {
    use std::io::Write;
    use std::time::{Duration, Instant};

    let mut child = Command::new(CLI)
        .arg(path_str(&wat("cli_read_stdin")))
        .env_clear()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start wasi-host");
    let status = format!("/proc/{}/status", child.id());
    let threads = || -> Option<(u32, String)> {
        let text = std::fs::read_to_string(&status).ok()?;
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(name))
                .map(|v| v.trim().to_string())
        };
        Some((field("Threads:")?.parse().ok()?, field("State:")?))
    };
    // The guest blocks reading stdin; by then the process should be down to one thread.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = None;
    while Instant::now() < deadline {
        seen = threads();
        if let Some((1, state)) = &seen
            && state.starts_with('S')
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(b"hello").expect("write stdin");
    drop(stdin);
    let out = watchdog::wait(child, "wasi-host running cli_read_stdin");
    assert!(
        matches!(&seen, Some((1, state)) if state.starts_with('S')),
        "threads and state while the guest waited: {seen:?}"
    );
    assert_eq!(out.status.code(), Some(5), "stderr: {}", stderr(&out));
}
