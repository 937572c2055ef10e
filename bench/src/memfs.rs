//! The in-memory filesystem rows: the path and descriptor workloads run by `wasi-host run` on
//! the bench's data directory preopened from disk (`--dir DATA::/d`) and loaded into memory
//! (`--mem-dir DATA::/d`), alternating; each timed inside the guest (ns per operation), so the
//! loading of the tree is left out. The in-memory backend must be at least as fast.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, ensure};

use crate::Stats;

/// The rows: (workload, iterations in a full run).
const ROWS: [(&str, u64); 8] = [
    ("stat1", 50_000),
    ("stat5", 50_000),
    ("open1", 50_000),
    ("open5", 50_000),
    ("errno_open", 50_000),
    ("fstat", 100_000),
    ("seek", 500_000),
    ("pread4k", 50_000),
];

/// One run of `name` under the command, the data preopened with `how` (`--dir` or
/// `--mem-dir`); the guest's ns per operation.
fn once(
    cli: &Path,
    cache: &Path,
    wasm: &Path,
    data: &Path,
    how: &str,
    name: &str,
    n: u64,
) -> Result<f64> {
    let out = Command::new(cli)
        .arg("run")
        .arg("-C")
        .arg(format!("cache-dir={}", cache.display()))
        .arg(how)
        .arg(format!("{}::/d", data.display()))
        .arg(wasm)
        .args([name, &n.to_string(), "/d"])
        .stdin(Stdio::null())
        .env_remove("RUST_BACKTRACE")
        .output()
        .with_context(|| format!("running {name} with {how}"))?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    crate::parse_ns_per_op(&stderr, out.status.code().unwrap_or(-1))
        .with_context(|| format!("{name} with {how}"))
}

/// Prints the rows.
pub fn run(
    cli: &Path,
    wasm: &Path,
    data: &Path,
    quick: bool,
    runs: usize,
    tmp: &Path,
) -> Result<()> {
    let cache = tmp.join("memfs-cache");
    println!(
        "in-memory filesystem (`wasi-host run --mem-dir DATA::/d`) vs the OS (`--dir DATA::/d`), ns/op timed in the guest, median of {runs}:"
    );
    println!(
        "{:<14} {:>12} {:>12} {:>10}",
        "workload", "OS", "memory", "mem/OS"
    );
    for (name, full) in ROWS {
        let n = if quick { 100 } else { full };
        let (mut os, mut mem) = (Vec::new(), Vec::new());
        for run in 0..runs.max(1) {
            if run % 2 == 0 {
                os.push(once(cli, &cache, wasm, data, "--dir", name, n)?);
                mem.push(once(cli, &cache, wasm, data, "--mem-dir", name, n)?);
            } else {
                mem.push(once(cli, &cache, wasm, data, "--mem-dir", name, n)?);
                os.push(once(cli, &cache, wasm, data, "--dir", name, n)?);
            }
        }
        let (os, mem) = (Stats::of(&os), Stats::of(&mem));
        ensure!(os.median > 0.0, "{name}: no time measured");
        println!(
            "{:<14} {:>9.1} ns {:>9.1} ns {:>10.2}",
            name,
            os.median,
            mem.median,
            mem.median / os.median
        );
    }
    Ok(())
}
