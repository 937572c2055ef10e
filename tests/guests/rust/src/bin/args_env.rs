//! Checks the arguments and environment the test passes (see tests/tests/args_env.rs); exits
//! with the line number of the first failed check; when all pass, prints `checks passed: N`
//! (its only output) and exits 0.

/// Checks run so far: the last line printed says how many passed, so the test can tell a
/// guest that finished from one that stopped early with status 0.
static CHECKS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

macro_rules! check {
    ($cond:expr) => {
        CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if !$cond {
            std::process::exit(line!() as i32);
        }
    };
}

/// The completion line the test looks for.
fn finished() {
    println!(
        "checks passed: {}",
        CHECKS.load(std::sync::atomic::Ordering::Relaxed)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    check!(args.len() == 4);
    // The program as named: a file name in-process, the path given on the command line.
    check!(args[0].ends_with("args_env.wasm"));
    check!(args[1] == "one");
    check!(args[2] == "two words");
    check!(args[3] == "ünïcödé");
    let mut vars: Vec<(String, String)> = std::env::vars().collect();
    vars.sort();
    check!(vars.len() == 3);
    check!(vars[0] == ("EMPTY".to_string(), String::new()));
    check!(vars[1] == ("FOO".to_string(), "bar=baz".to_string()));
    check!(vars[2] == ("LONG".to_string(), "x".repeat(10_000)));
    check!(std::env::var("MISSING").is_err());
    finished();
    std::process::exit(0);
}
