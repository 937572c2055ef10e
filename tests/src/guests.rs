//! Builds the guest programs the tests run: Rust guests (`guests/rust/src/bin/*.rs`) with
//! cargo for `wasm32-wasip1`, C guests (`guests/c/*.c`) with clang and wasi-libc.
//!
//! Each kind is built once per test process; cargo's own lock and write-then-rename keep
//! concurrent test processes from seeing half-written files.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
}

/// Where built guests go (inside the workspace's target directory, away from its lock).
fn out_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    let target = if target.is_absolute() {
        target
    } else {
        workspace_root().join(target)
    };
    // Worktrees that share one target directory keep their own guests: the same file names
    // built from different sources must not overwrite each other.
    if target.starts_with(workspace_root()) {
        target.join("guests")
    } else {
        let tree: String = workspace_root()
            .to_string_lossy()
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        target.join("guests").join(tree)
    }
}

/// The `.wasm` of Rust guest `name`, building every Rust guest the first time.
pub fn rust(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = BUILT
        .get_or_init(|| build_rust("rust"))
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "no Rust guest named {name} at {}",
        path.display()
    );
    path
}

/// The `.wasm` of WASIX guest `name` (`guests/wasix/src/bin/<name>.rs`: Rust for
/// `wasm32-wasip1` calling `wasix_32v1` through raw imports), building every WASIX guest the
/// first time. A crate of its own, with its own lock file.
pub fn wasix(name: &str) -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let dir = BUILT
        .get_or_init(|| build_rust("wasix"))
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    let path = dir.join(format!("{name}.wasm"));
    assert!(
        path.exists(),
        "no WASIX guest named {name} at {}",
        path.display()
    );
    path
}

/// Builds the guest crate `tests/guests/<krate>` (release, `wasm32-wasip1`).
fn build_rust(krate: &str) -> Result<PathBuf, String> {
    build_crate(krate, "wasm32-wasip1")
}

/// Builds the guest crate `tests/guests/<krate>` in release for `target` (its lock file as
/// committed); the directory the `.wasm` files are in.
fn build_crate(krate: &str, target: &str) -> Result<PathBuf, String> {
    let manifest = workspace_root().join(format!("tests/guests/{krate}/Cargo.toml"));
    let target_dir = out_dir().join(krate);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(workspace_root())
        .args([
            "build",
            "--quiet",
            "--release",
            "--locked",
            "--target",
            target,
        ])
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        // Settings of the outer `cargo test` must not leak into the guest build.
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .map_err(|e| format!("running cargo to build the {krate} guests: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "building the {krate} guests failed (is the {target} target installed? `cargo xtask test` adds it):\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(target_dir.join(target).join("release"))
}

/// The threaded guest (`guests/rust-threads`, one program whose first argument picks the
/// case), built for `wasm32-wasip1-threads` the first time.
pub fn rust_threads() -> PathBuf {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    BUILT
        .get_or_init(build_rust_threads)
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"))
        .clone()
}

fn build_rust_threads() -> Result<PathBuf, String> {
    build_crate("rust-threads", "wasm32-wasip1-threads")
        .map(|dir| dir.join("wasi-host-thread-guests.wasm"))
}

/// The `.wasm` of C guest `name` (`guests/c/<name>.c`), compiled on first use.
pub fn c(name: &str) -> PathBuf {
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let source = workspace_root().join(format!("tests/guests/c/{name}.c"));
    let dir = out_dir().join("c");
    std::fs::create_dir_all(&dir).expect("create guest output dir");
    let out = dir.join(format!("{name}.wasm"));
    let fresh = match (std::fs::metadata(&out), std::fs::metadata(&source)) {
        (Ok(o), Ok(s)) => o.modified().ok() >= s.modified().ok(),
        _ => false,
    };
    if !fresh {
        let tmp = dir.join(format!("{name}.{}.tmp", std::process::id()));
        let output = Command::new("clang")
            .args(["--target=wasm32-wasi", "-O2", "-Wall", "-Werror", "-o"])
            .arg(&tmp)
            .arg(&source)
            .output()
            .unwrap_or_else(|e| {
                panic!("running clang (install clang, lld, wasi-libc: `cargo xtask test`): {e}")
            });
        assert!(
            output.status.success(),
            "compiling {}:\n{}",
            source.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::rename(&tmp, &out).expect("move guest into place");
    }
    out
}
