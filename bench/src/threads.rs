//! The threads row: a CPU-bound rayon sum (the threaded test guest's `rayon-time` case, built
//! for wasm32-wasip1-threads) run by `wasi-host run` on one thread and on two; the speedup is
//! what wasi-threads buys. Timed inside the guest, so start-up is left out. The same sum runs
//! natively with rayon in this process, alternating with the guest: the machine's own speedup
//! for this work, against which the guest's is judged (a virtual machine's two vCPUs may
//! deliver less than two cores' worth).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use rayon::prelude::*;

use anyhow::{Context, Result, bail};

/// The guest's sum of `n` terms, natively: the nanoseconds taken (the pool made inside the
/// timing, as the guest's first parallel call makes its own) and the sum.
fn native_once(n: u64, threads: usize) -> Result<(f64, u64)> {
    let start = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let sum: u64 = pool.install(|| {
        (0..n)
            .into_par_iter()
            .map(|x| x.wrapping_mul(x) % 1_000_003)
            .sum()
    });
    Ok((start.elapsed().as_nanos() as f64, sum))
}

/// One run on `threads` threads; the guest's nanoseconds for the sum, and the sum.
fn once(cli: &Path, wasm: &Path, cache: &Path, n: u64, threads: u32) -> Result<(f64, u64)> {
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
    let field = |name: &str| {
        text.split_whitespace()
            .find_map(|w| w.strip_prefix(name))
            .with_context(|| format!("no {name} in {text:?}"))
    };
    let ns = field("ns=")?.parse::<f64>()?;
    let sum = field("sum=")?.parse::<u64>()?;
    Ok((ns, sum))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Prints the row: the median of `runs` runs on one thread and on two, for the guest and
/// natively, all four alternating; the sums must agree.
pub fn run(cli: &Path, wasm: &Path, quick: bool, runs: usize, tmp: &Path) -> Result<()> {
    let n = if quick { 100_000 } else { 300_000_000 };
    let cache = tmp.join("threads-cache");
    // Compile once, untimed.
    once(cli, wasm, &cache, 1000, 1)?;
    // [guest 1, guest 2, native 1, native 2]
    let mut times: [Vec<f64>; 4] = Default::default();
    let mut sums = Vec::new();
    for run in 0..runs.max(1) {
        let mut order = [0usize, 1, 2, 3];
        if run % 2 == 1 {
            order.reverse();
        }
        for which in order {
            let threads = 1 + which % 2;
            let (ns, sum) = if which < 2 {
                once(cli, wasm, &cache, n, threads as u32)?
            } else {
                native_once(n, threads)?
            };
            times[which].push(ns);
            sums.push(sum);
        }
    }
    if sums.windows(2).any(|w| w[0] != w[1]) {
        bail!("the threads row's sums disagree: {sums:?}");
    }
    let [g1, g2, n1, n2] = times.map(median);
    let (guest, native) = (g1 / g2, n1 / n2);
    println!(
        "threads: rayon sum of {n} terms (wasm32-wasip1-threads under wasi-host run, and natively; median of {} runs): \
         wasi-host 1 thread {:.1} ms, 2 threads {:.1} ms, speedup {guest:.2}x; \
         native 1 thread {:.1} ms, 2 threads {:.1} ms, speedup {native:.2}x; \
         wasi-host's speedup / native's {:.2}",
        runs.max(1),
        g1 / 1e6,
        g2 / 1e6,
        n1 / 1e6,
        n2 / 1e6,
        guest / native
    );
    Ok(())
}
