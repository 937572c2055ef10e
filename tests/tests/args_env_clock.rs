//! Arguments, environment, clocks, random bytes, yielding, signals and exit statuses, through
//! real Rust and C guests. Guests check themselves and exit with the failing line number, or
//! print how many checks passed, which the tests compare.

use wasi_host_tests::run::Run;

/// Checks each guest makes when it runs to the end.
const ARGS_ENV_CHECKS: u32 = 10;
const ARGS_ENV_C_CHECKS: u32 = 7;
const CLOCK_RANDOM_CHECKS: u32 = 1023;

#[test]
fn rust_guest_sees_exact_args_and_env() {
    let out = Run::rust("args_env")
        .arg("one")
        .arg("two words")
        .arg("ünïcödé")
        .env("FOO", "bar=baz")
        .env("EMPTY", "")
        .env("LONG", &"x".repeat(10_000))
        .in_process();
    assert_eq!(out.status, 0, "failed check at line {}", out.status);
    out.assert_checks_passed(ARGS_ENV_CHECKS);
}

#[test]
fn a_wrong_environment_is_noticed() {
    // The guest's own checks are real: a missing variable makes it fail.
    let out = Run::rust("args_env")
        .arg("one")
        .arg("two words")
        .arg("ünïcödé")
        .env("FOO", "bar=baz")
        .in_process();
    assert_ne!(out.status, 0);
}

#[test]
fn c_guest_sees_exact_args_and_env() {
    let out = Run::c("args_env_c")
        .arg("alpha")
        .arg("")
        .env("FOO", "bar=baz")
        .env("X", "1")
        .in_process();
    assert_eq!(out.status, 0, "failed check at line {}", out.status);
    out.assert_checks_passed(ARGS_ENV_C_CHECKS);
}

#[test]
fn clocks_random_yield_and_raise() {
    let out = Run::rust("clock_random").in_process();
    assert_eq!(out.status, 0, "failed check at line {}", out.status);
    out.assert_checks_passed(CLOCK_RANDOM_CHECKS);
}

#[test]
fn exit_status_is_the_guests() {
    for code in [0, 1, 7, 42, 255] {
        assert_eq!(
            Run::rust("exit_code")
                .arg(code.to_string())
                .in_process()
                .status,
            code
        );
    }
    assert_eq!(
        Run::rust("exit_code").in_process().status,
        0,
        "returning from main is status 0"
    );
}

#[test]
fn the_cli_passes_the_same_args_env_and_status() {
    let out = Run::rust("args_env")
        .arg("one")
        .arg("two words")
        .arg("ünïcödé")
        .env("FOO", "bar=baz")
        .env("EMPTY", "")
        .env("LONG", &"x".repeat(10_000))
        .cli();
    assert_eq!(
        out.status,
        0,
        "failed check at line {}: {}",
        out.status,
        out.stderr_text()
    );
    out.assert_checks_passed(ARGS_ENV_CHECKS);
    let out = Run::c("args_env_c")
        .arg("alpha")
        .arg("")
        .env("FOO", "bar=baz")
        .env("X", "1")
        .cli();
    assert_eq!(
        out.status,
        0,
        "failed check at line {}: {}",
        out.status,
        out.stderr_text()
    );
    out.assert_checks_passed(ARGS_ENV_C_CHECKS);
    Run::rust("clock_random")
        .cli()
        .assert_checks_passed(CLOCK_RANDOM_CHECKS);
    assert_eq!(Run::rust("exit_code").arg("42").cli().status, 42);
}
