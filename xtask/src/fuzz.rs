//! `cargo xtask fuzz [--seconds N] [--seed S] [--calls N] [--instance N]`: builds the hostcall
//! fuzzer (`fuzz/`) in release and runs it; its report ends with the findings, and a finding
//! makes this command fail with the seed and call index that reproduce it.

use std::process::Command;

use anyhow::{Result, bail};

use crate::test::status;
use crate::workspace_root;

pub fn run(args: &[String]) -> Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(workspace_root())
        .args(["run", "--release", "-q", "-p", "wasi-host-fuzz", "--"])
        .args(args);
    if !status(&mut cmd)? {
        bail!("the fuzzer failed (see its report above)");
    }
    Ok(())
}
