//! `cargo xtask test`: sets up what the tests need on a fresh Debian machine, then runs every
//! test in the workspace.
//!
//! Setup is idempotent and skips what is already there: the `wasm32-wasip1` Rust target (for
//! Rust guests) and, when running as root with apt available, Debian's clang, lld, wasi-libc
//! and the wasm32 compiler runtime (for C guests).

use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::workspace_root;

/// Debian packages that C guests are built with.
const C_PACKAGES: &[&str] = &["clang", "lld", "wasi-libc", "libclang-rt-14-dev-wasm32"];

pub fn status(cmd: &mut Command) -> Result<bool> {
    Ok(cmd
        .status()
        .with_context(|| format!("running {cmd:?}"))?
        .success())
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The guest targets: wasm32-wasip1, and wasm32-wasip1-threads for the threaded guests.
pub fn ensure_wasm_target() -> Result<()> {
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    for target in ["wasm32-wasip1", "wasm32-wasip1-threads"] {
        if installed.lines().any(|l| l.trim() == target) {
            continue;
        }
        println!("test: installing the {target} target");
        if !status(Command::new("rustup").args(["target", "add", target]))? {
            bail!("`rustup target add {target}` failed");
        }
    }
    Ok(())
}

fn ensure_c_toolchain() -> Result<()> {
    let missing: Vec<&str> = C_PACKAGES
        .iter()
        .copied()
        .filter(|p| {
            !Command::new("dpkg")
                .args(["-s", p])
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false)
        })
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let is_root = output(Command::new("id").arg("-u"))?.trim() == "0";
    if !is_root || Command::new("apt-get").arg("--version").output().is_err() {
        println!(
            "test: C guests need the Debian packages {}; install them to run those tests",
            missing.join(" ")
        );
        return Ok(());
    }
    println!("test: installing {}", missing.join(" "));
    let quiet = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status()
    };
    if !quiet(&["update", "-qq"])?.success()
        || !quiet(
            &[
                &["install", "-y", "-qq", "--no-install-recommends"],
                &missing[..],
            ]
            .concat(),
        )?
        .success()
    {
        bail!("apt-get could not install {}", missing.join(" "));
    }
    Ok(())
}

/// Sets up, then runs `cargo test --workspace` with any extra arguments.
pub fn run(extra: &[String]) -> Result<()> {
    ensure_wasm_target()?;
    ensure_c_toolchain()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let ok = status(
        Command::new(cargo)
            .current_dir(workspace_root())
            .args(["test", "--workspace"])
            .args(extra),
    )?;
    if !ok {
        bail!("tests failed");
    }
    Ok(())
}
