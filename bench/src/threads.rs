//! The threads row: a CPU-bound rayon sum (the threaded test guest's `rayon-time` case, built
//! for wasm32-wasip1-threads) run by `wasi-host run` on one thread and on two; the speedup is
//! what wasi-threads buys on a two-core machine. Timed inside the guest, so start-up is left out.

use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// One run on `threads` threads; the guest's nanoseconds for the sum.
fn once(cli: &Path, wasm: &Path, cache: &Path, n: u64, threads: u32) -> Result<f64> {
    let out = Command::new(cli)
        .arg("run")
        .arg("-C")
        .arg(format!("cache-dir={}", cache.display()))
        .arg("--env")
        .arg(format!("RAYON_NUM_THREADS={threads}"))
        .arg(wasm)
        .args(["rayon-time", &n.to_string()])
        .stdin(Stdio::null())
        .env_remove("RUST_BACKTRACE")
        .output()
        .context("starting wasi-host for the threads row")?;
    let text = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!(
            "the threads row failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let want = format!("threads={threads} ");
    if !text.contains(&want) {
        bail!("the guest did not run on {threads} thread(s): {text}");
    }
    text.split_whitespace()
        .find_map(|w| w.strip_prefix("ns="))
        .and_then(|ns| ns.parse::<f64>().ok())
        .with_context(|| format!("no ns= in {text:?}"))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Prints the row: the median of `runs` runs on one thread and on two, alternating.
pub fn run(cli: &Path, wasm: &Path, quick: bool, runs: usize, tmp: &Path) -> Result<()> {
    let n = if quick { 100_000 } else { 300_000_000 };
    let cache = tmp.join("threads-cache");
    // Compile once, untimed.
    once(cli, wasm, &cache, 1000, 1)?;
    let (mut one, mut two) = (Vec::new(), Vec::new());
    for run in 0..runs.max(1) {
        if run % 2 == 0 {
            one.push(once(cli, wasm, &cache, n, 1)?);
            two.push(once(cli, wasm, &cache, n, 2)?);
        } else {
            two.push(once(cli, wasm, &cache, n, 2)?);
            one.push(once(cli, wasm, &cache, n, 1)?);
        }
    }
    let (one, two) = (median(one), median(two));
    println!(
        "threads: rayon sum of {n} terms (wasm32-wasip1-threads, median of {} runs): 1 thread {:.1} ms, 2 threads {:.1} ms, speedup {:.2}x",
        runs.max(1),
        one / 1e6,
        two / 1e6,
        one / two
    );
    Ok(())
}
