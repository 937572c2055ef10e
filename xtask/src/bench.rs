//! `cargo xtask bench [--quick] [ARGS]`: builds the guest workloads (for wasm32-wasip1 and for
//! the host), and for the full bench ripgrep 15.2.0 for wasm32-wasip1, wasm32-wasip1-threads
//! and the host, then runs the bench runner
//! (`bench/`). `--quick` runs everything once with small sizes, skips ripgrep, and builds the
//! runner in the dev profile, whose wasmtime the tests have already compiled: it keeps the bench
//! from rotting in CI; its numbers mean nothing. The full bench builds the runner in release.
//!
//! The full bench also builds bench/http (a hyper server, for wasm32-wasip1 and natively) and
//! makes sure Debian's `wrk` is there (installing it when running as root with apt), for the
//! network rows; `--quick` skips them. `--net-only` runs the network rows alone (no ripgrep).
//! The threads row runs the threaded test guest (tests/guests/rust-threads, built for
//! wasm32-wasip1-threads) on one and two threads.
//!
//! Both wasm ripgreps are built with the `ignore` crate patched for WASI at build time
//! (`rg_patch`: its parallel walker's two placeholder constructors given a WASI body), into
//! `target/bench-rg-wasi` and `target/bench-rg-threads-wasi`; `--only parallel` (passed on to
//! the runner) runs the parallel ripgrep rows alone.

use std::path::PathBuf;
use std::process::Command;

use anyhow::{Result, bail};

use crate::test::{ensure_wasm_target, status};
use crate::{rg_patch, workspace_root};

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// Builds the workloads binary in release for `target` (None: the host) and returns its path.
fn build_workloads(cargo: &str, target: Option<&str>) -> Result<PathBuf> {
    let dir = target_dir().join("bench-workloads");
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root().join("bench/workloads"))
        .env("CARGO_TARGET_DIR", &dir)
        .args(["build", "--release", "--locked"]);
    if let Some(target) = target {
        cmd.args(["--target", target]);
    }
    if !status(&mut cmd)? {
        bail!("building the bench workloads failed");
    }
    Ok(match target {
        Some(target) => dir.join(target).join("release/workloads.wasm"),
        None => dir.join("release/workloads"),
    })
}

/// Builds bench/http in release for wasm32-wasip1 and for the host; returns both paths.
fn build_http(cargo: &str) -> Result<(PathBuf, PathBuf)> {
    let dir = target_dir().join("bench-http");
    for (package, target) in [
        ("http-server-wasi", Some("wasm32-wasip1")),
        ("http-server-native", None),
    ] {
        let mut cmd = Command::new(cargo);
        cmd.current_dir(workspace_root().join("bench/http"))
            .env("CARGO_TARGET_DIR", &dir)
            .args(["build", "--release", "--locked", "-p", package]);
        if let Some(target) = target {
            cmd.args(["--target", target]);
        }
        if !status(&mut cmd)? {
            bail!("building bench/http ({package}) failed");
        }
    }
    Ok((
        dir.join("wasm32-wasip1/release/http-server.wasm"),
        dir.join("release/http-server"),
    ))
}

/// Installs Debian's `wrk` when it is missing and this runs as root with apt; otherwise the
/// runner notes that the network rows were not run.
fn ensure_wrk() -> Result<()> {
    let present = |cmd: &str, arg: &str| Command::new(cmd).arg(arg).output().is_ok();
    if present("wrk", "--version") {
        return Ok(());
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0");
    if !root || !present("apt-get", "--version") {
        println!("bench: wrk is missing (apt-get install wrk); the network rows will be skipped");
        return Ok(());
    }
    println!("bench: installing wrk");
    let apt = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
            .is_ok_and(|s| s.success())
    };
    if !apt(&["update", "-qq"]) || !apt(&["install", "-y", "-qq", "wrk"]) {
        bail!("apt-get could not install wrk");
    }
    Ok(())
}

/// ripgrep 15.2.0 built once with `cargo install` for `target` (None: the host) into
/// `target/<dir>`, unless `$<env>` names a build to use. The wasm builds get `ignore` patched
/// for WASI (`rg_patch`), so that `-j2` can walk in parallel; the patch applied is recorded in
/// `<dir>/wasi-patch.txt`.
fn ripgrep(cargo: &str, target: Option<&str>, dir: &str, env: &str) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(env) {
        return Ok(PathBuf::from(path));
    }
    let root = target_dir().join(dir);
    let exe = root.join(if target.is_some() {
        "bin/rg.wasm"
    } else {
        "bin/rg"
    });
    // A wasm build made with another version of the patch or other flags (or none) is made
    // again.
    let record = root.join("wasi-patch.txt");
    if target.is_some()
        && exe.exists()
        && !std::fs::read_to_string(&record).is_ok_and(|r| r.starts_with(&wasm_rg_build()))
    {
        std::fs::remove_dir_all(&root)?;
    }
    if !exe.exists() {
        println!(
            "bench: building ripgrep for {} (once)",
            target.unwrap_or("the host")
        );
        let mut cmd = Command::new(cargo);
        cmd.args(["install", "ripgrep", "--version", "15.2.0", "--locked"]);
        let mut patch = None;
        if let Some(target) = target {
            let ignore = rg_patch::patched_ignore(cargo, &target_dir())?;
            // A `[patch]` from the command line's configuration reaches `cargo install`; the
            // patched crate keeps its version, so the pinned lock file still holds.
            cmd.args(["--target", target]).arg("--config").arg(format!(
                "patch.crates-io.ignore.path={}",
                toml_string(&ignore.display().to_string())
            ));
            // With wasm's 128-bit SIMD, as native ripgrep has its CPU's vector instructions:
            // without it memchr and the regex engine fall back to byte-at-a-time loops, an
            // eighth of a run's CPU. Both wasm builds get it, so single-threaded against
            // threaded stays like for like; wasmtime (either host) runs SIMD by default.
            cmd.arg("--config").arg(format!(
                "target.{target}.rustflags=[\"-C\", \"target-feature=+simd128\"]"
            ));
            patch = Some(format!(
                "{}\n{}",
                wasm_rg_build(),
                std::fs::read_to_string(ignore.join(".patched"))?
            ));
        }
        if !status(cmd.arg("--root").arg(&root))? {
            bail!("building ripgrep into {} failed", root.display());
        }
        if let Some(patch) = patch {
            std::fs::write(&record, patch)?;
        }
    }
    Ok(exe)
}

/// What a wasm ripgrep build is made with, recorded next to it: the `ignore` patch and the
/// code generation flags.
fn wasm_rg_build() -> String {
    format!("{} +simd128", rg_patch::PATCH_ID)
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::from('"');
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The threaded test guest (tests/guests/rust-threads) in release for wasm32-wasip1-threads,
/// for the threads row.
fn build_threads_guest(cargo: &str) -> Result<PathBuf> {
    let dir = target_dir().join("bench-threads");
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root())
        .env("CARGO_TARGET_DIR", &dir)
        .args([
            "build",
            "--release",
            "--locked",
            "--target",
            "wasm32-wasip1-threads",
        ])
        .arg("--manifest-path")
        .arg(workspace_root().join("tests/guests/rust-threads/Cargo.toml"));
    if !status(&mut cmd)? {
        bail!("building the threaded guest failed");
    }
    Ok(dir.join("wasm32-wasip1-threads/release/wasi-host-thread-guests.wasm"))
}

pub fn run(args: &[String]) -> Result<()> {
    let quick = args.iter().any(|a| a == "--quick");
    let net_only = args.iter().any(|a| a == "--net-only");
    ensure_wasm_target()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let wasm = build_workloads(&cargo, Some("wasm32-wasip1"))?;
    let native = build_workloads(&cargo, None)?;
    // The runner and the command (for the start-up rows) in one build, in one profile: built
    // apart, each would resolve the runtime's features on its own and compile it twice.
    let mut build = Command::new(&cargo);
    build.current_dir(workspace_root()).args([
        "build",
        "-q",
        "-p",
        "wasi-host-cli",
        "-p",
        "wasi-host-bench",
    ]);
    if !quick {
        build.arg("--release");
    }
    if !status(&mut build)? {
        bail!("building the bench runner and the wasi-host command failed");
    }
    let bin = target_dir().join(if quick { "debug" } else { "release" });
    let cli = bin.join("wasi-host");
    let mut cmd = Command::new(bin.join("wasi-host-bench"));
    cmd.current_dir(workspace_root());
    cmd.arg("--wasm")
        .arg(&wasm)
        .arg("--native")
        .arg(&native)
        .arg("--cli")
        .arg(&cli);
    if !net_only {
        cmd.arg("--threads-wasm").arg(build_threads_guest(&cargo)?);
    }
    if !quick {
        let (wasm, native) = build_http(&cargo)?;
        ensure_wrk()?;
        cmd.arg("--http-wasm")
            .arg(wasm)
            .arg("--http-native")
            .arg(native);
    }
    if !quick && !net_only && !args.iter().any(|a| a == "--rg-wasm") {
        cmd.arg("--rg-wasm").arg(ripgrep(
            &cargo,
            Some("wasm32-wasip1"),
            "bench-rg-wasi",
            "WASI_HOST_BENCH_RG_WASM",
        )?);
        cmd.arg("--rg-threads-wasm").arg(ripgrep(
            &cargo,
            Some("wasm32-wasip1-threads"),
            "bench-rg-threads-wasi",
            "WASI_HOST_BENCH_RG_THREADS_WASM",
        )?);
        // The same version natively, so that the comparison is of hosts, not of releases.
        cmd.arg("--rg-native").arg(ripgrep(
            &cargo,
            None,
            "bench-rg-native",
            "WASI_HOST_BENCH_RG_NATIVE",
        )?);
    }
    cmd.args(args);
    if !status(&mut cmd)? {
        bail!("the bench failed");
    }
    Ok(())
}
