//! Each example in `runtime/examples/`, run as built by `cargo test` (which builds them
//! beside this test), its output checked.

use std::path::PathBuf;
use std::process::Command;

/// `target/<profile>/examples/<name>`, beside this test's own `deps/` directory.
fn example(name: &str) -> String {
    let exe = std::env::current_exe().unwrap();
    let dir: PathBuf = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(name);
    static BUILD: std::sync::Once = std::sync::Once::new();
    // `cargo test --test examples` alone does not build the examples (nor rebuild stale ones):
    // build them now, a no-op when they are current (the outer cargo holds no lock while
    // tests run). The whole workspace is selected, as `cargo test --workspace` selects it:
    // `-p wasi-host` alone resolves features differently and compiles a second wasmtime.
    BUILD.call_once(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "--workspace", "--examples"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "building the examples failed");
    });
    assert!(path.exists(), "{} not built", path.display());
    let out = Command::new(&path)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{name}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

fn is_hex16(s: &str) -> bool {
    s.len() == 16 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn override_one_call_changes_the_clock_and_forwards_the_rest() {
    let out = example("override_one_call");
    let lines: Vec<&str> = out.lines().collect();
    // The overridden call.
    assert_eq!(lines[0], "time: 1234567890", "{out}");
    // Forwarded to the real host: random bytes (ENOSYS would leave the zeroed buffer), and the
    // fd_read of the null stdin (end of file). Every write reached the real stdout.
    let random = lines[1].strip_prefix("random: ").unwrap();
    assert!(is_hex16(random) && random != "0000000000000000", "{out}");
    assert_eq!(lines[2], "stdin: ", "{out}");
    assert_eq!(lines.len(), 3, "{out}");
}

#[test]
fn trace_calls_prints_each_call_decoded() {
    let out = example("trace_calls");
    let lines: Vec<&str> = out.lines().collect();
    let expect_prefix = [
        "fd_write(fd=1, iovs=[6@0x40]) = 6 <",
        "clock_time_get(id=Realtime, precision=1) = 1735689600000001000 <",
    ];
    for (line, prefix) in lines.iter().zip(expect_prefix) {
        assert!(line.starts_with(prefix), "{line:?} vs {prefix:?}\n{out}");
    }
    // The seeded random source's first 8 bytes for seed 1, and the buffered stdin.
    assert!(out.contains("random_get(buf=<8 bytes>) = 0 <"), "{out}");
    assert!(
        out.contains("fd_read(fd=0, iovs=[1024@0x400]) = 12 <"),
        "{out}"
    );
    assert!(out.contains("fd_write(fd=2, iovs=[4@0x60]) = 4 <"), "{out}");
    // One line per call, each with a duration.
    assert!(
        lines.iter().all(|l| l.ends_with('>') && l.contains(") = ")),
        "{out}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("fd_read(")).count(),
        1
    );
}

#[test]
fn captured_stdio_gets_every_stream() {
    let out = example("captured_stdio");
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[0].starts_with("stdout: time: "), "{out}");
    assert!(lines[1].starts_with("stdout: random: "), "{out}");
    assert_eq!(lines[2], "stdout: stdin: bytes from the embedder", "{out}");
    assert_eq!(lines[3], "stderr: bye", "{out}");
    assert_eq!(lines.len(), 4, "{out}");
}

#[test]
fn memfs_serves_a_tree_from_memory() {
    let out = example("memfs");
    assert_eq!(
        out,
        "Hello from a WASI guest!\n/data/greeting.txt:\nGreetings from memory.\n\
         Entries in /data:\n  greeting.txt\n  notes\nHello, memory!\n"
    );
}
