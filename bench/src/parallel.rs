//! Parallel ripgrep: one search over the bench's generated tree by ripgrep built for
//! `wasm32-wasip1-threads` with `-j2` under `wasi-host run`, by the single-threaded wasm build
//! (`-j1`, what a host without wasi-threads can run), and by native `rg -j2` and `-j1`. Each run
//! is timed as a whole process, from `fork` to `wait`; both wasm builds are loaded precompiled
//! (`wasi-host compile`), so the time is start-up, loading and the search. A parallel search
//! prints files in the order they finish, so outputs are compared as sorted lines.
//!
//! The wasm peers search the tree mapped at `/d` by its absolute name (`rg -jN needle /d`),
//! native ripgrep searches `.` from inside it; a wasm line's leading `/d/` is read as `./` for
//! the comparison. A relative path would do in wasm too but for a race in the guest's libc:
//! wasi-libc (wasi-sdk 30, as linked into the `wasm32-wasip1-threads` build) makes a relative
//! path absolute in one static buffer shared by all threads, so two threads opening relative
//! paths at once can open each other's (`rg -j2 needle .` then fails now and then with
//! "Not a directory" or "Is a directory" for paths that are neither). Absolute paths skip that
//! buffer.

use std::io::{Read, Seek};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail, ensure};

use crate::{Options, Stats};

/// The ripgrep builds taking part.
struct Ripgreps<'a> {
    /// Built for `wasm32-wasip1-threads`.
    threads: &'a Path,
    /// Built for `wasm32-wasip1`.
    single: &'a Path,
    /// Native, the same version, if there is one.
    native: Option<&'a Path>,
}

/// One way of running the search.
struct Peer {
    label: &'static str,
    /// The wasm to run under the CLI (precompiled), or `None` for native.
    cwasm: Option<std::path::PathBuf>,
    jobs: &'static str,
    /// The threads build (compiled, so also run, with `-W threads=y`).
    threads: bool,
}

/// The rows over `tree` with the builds `opts` names, or a line saying why they were not run:
/// a build missing, or a guest that fails (a ripgrep whose parallel walker has no WASI
/// implementation ends with "unsupported platform"; `docs/bench.md`).
pub fn rows(opts: &Options, tree: &Path, tmp: &Path) -> Result<()> {
    let (Some(threads), Some(single), Some(cli)) = (&opts.rg_threads, &opts.rg_wasm, &opts.cli)
    else {
        println!("parallel ripgrep: not measured: needs --rg-threads-wasm, --rg-wasm and --cli");
        return Ok(());
    };
    let rgs = Ripgreps {
        threads,
        single,
        native: opts.rg_native.as_deref(),
    };
    if let Err(e) = run(cli, &rgs, tree, opts.runs, tmp) {
        println!("parallel ripgrep: not measured: {e:#}");
    }
    Ok(())
}

/// Runs and prints the parallel-search rows.
fn run(cli: &Path, rg: &Ripgreps<'_>, tree: &Path, runs: usize, tmp: &Path) -> Result<()> {
    // A precompiled threaded module is compiled and run with `-W threads=y` (the command
    // learns that a module is threaded from its imports, which a precompiled one only shows
    // once loaded).
    let compile = |wasm: &Path, name: &str, threads: bool| -> Result<std::path::PathBuf> {
        let out = tmp.join(name);
        let status = Command::new(cli)
            .arg("compile")
            .args(if threads {
                &["-W", "threads=y"][..]
            } else {
                &[]
            })
            .arg(wasm)
            .arg("-o")
            .arg(&out)
            .status()
            .context("running wasi-host compile")?;
        ensure!(
            status.success(),
            "wasi-host compile {} failed",
            wasm.display()
        );
        Ok(out)
    };
    let mut peers = vec![
        Peer {
            label: "wasi-host, threads build, -j2",
            cwasm: Some(compile(rg.threads, "rg-threads.cwasm", true)?),
            jobs: "-j2",
            threads: true,
        },
        Peer {
            label: "wasi-host, threads build, -j1",
            cwasm: Some(tmp.join("rg-threads.cwasm")),
            jobs: "-j1",
            threads: true,
        },
        Peer {
            label: "wasi-host, wasip1 build, -j1",
            cwasm: Some(compile(rg.single, "rg-single.cwasm", false)?),
            jobs: "-j1",
            threads: false,
        },
    ];
    if rg.native.is_some() {
        for jobs in ["-j2", "-j1"] {
            peers.push(Peer {
                label: if jobs == "-j2" {
                    "native, -j2"
                } else {
                    "native, -j1"
                },
                cwasm: None,
                jobs,
                threads: false,
            });
        }
    }
    let mut walls = vec![Vec::new(); peers.len()];
    // User plus system CPU time of each run (all its threads), which other load on the machine
    // disturbs less than the wall time.
    let mut cpus = vec![Vec::new(); peers.len()];
    let mut outputs: Vec<Option<Vec<u8>>> = vec![None; peers.len()];
    for r in 0..runs {
        for i in 0..peers.len() {
            let p = (i + r) % peers.len();
            let peer = &peers[p];
            let mut cmd = match &peer.cwasm {
                Some(cwasm) => {
                    let mut cmd = Command::new(cli);
                    cmd.arg("run");
                    if peer.threads {
                        cmd.args(["-W", "threads=y"]);
                    }
                    cmd.arg("--allow-precompiled")
                        .arg("--dir")
                        .arg(format!("{}::/d", tree.display()))
                        .arg(cwasm)
                        .args([peer.jobs, "needle", "/d"]);
                    cmd
                }
                None => {
                    let mut cmd = Command::new(rg.native.expect("native peers need rg"));
                    cmd.current_dir(tree).args([peer.jobs, "needle", "."]);
                    cmd
                }
            };
            // The matches go to a file, as `rg ... > out` would: a pipe would need a reader
            // (this process) taking CPU from the two cores while the searchers run.
            let mut sink = tempfile::tempfile()?;
            cmd.env_remove("RUST_BACKTRACE")
                .env_remove("RUST_LIB_BACKTRACE")
                .stdin(Stdio::null())
                .stdout(sink.try_clone()?);
            let (start, cpu_before) = (Instant::now(), children_cpu_ms());
            let out = cmd
                .output()
                .with_context(|| format!("running {}", peer.label))?;
            let ms = start.elapsed().as_secs_f64() * 1e3;
            cpus[p].push(children_cpu_ms() - cpu_before);
            if !out.status.success() {
                bail!(
                    "{} exited with {}: {}",
                    peer.label,
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            let mut printed = Vec::new();
            sink.rewind()?;
            sink.read_to_end(&mut printed)?;
            outputs[p] = Some(sorted_lines(&printed));
            walls[p].push(ms);
        }
    }
    let reference = outputs[0].clone().unwrap_or_default();
    ensure!(!reference.is_empty(), "the parallel search found nothing");
    for (peer, out) in peers.iter().zip(&outputs) {
        ensure!(
            out.as_ref() == Some(&reference),
            "parallel ripgrep: {}'s output differs from wasi-host -j2's",
            peer.label
        );
    }
    let stats: Vec<Stats> = walls.iter().map(|w| Stats::of(w)).collect();
    println!(
        "parallel ripgrep `rg -jN needle /d` (native: `.`) over {}, whole process wall time, median of {runs} \
         (outputs identical as sorted lines, {} matching lines):",
        tree.display(),
        reference
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .count()
    );
    let base = stats[0].median;
    let cpu_stats: Vec<Stats> = cpus.iter().map(|c| Stats::of(c)).collect();
    for ((peer, s), cpu) in peers.iter().zip(&stats).zip(&cpu_stats) {
        println!(
            "  {:<32} {:>9.1} ms  (best {:>7.1} ms)  {:>5.2}x the threads build -j2  CPU {:>6.1} ms",
            peer.label,
            s.median,
            s.best,
            s.median / base,
            cpu.median
        );
    }
    let by = |label: &str| {
        peers
            .iter()
            .position(|p| p.label == label)
            .map(|i| stats[i].median)
    };
    if let (Some(wh), Some(nat)) = (by("wasi-host, threads build, -j2"), by("native, -j2")) {
        println!(
            "  wasi-host -j2 / native -j2: {:.2} (goal <= 1.5); threads -j2 vs wasip1 -j1: {:.2}x faster; threads -j2 vs its own -j1: {:.2}x",
            wh / nat,
            by("wasi-host, wasip1 build, -j1").unwrap_or(f64::NAN) / wh,
            by("wasi-host, threads build, -j1").unwrap_or(f64::NAN) / wh
        );
    }
    Ok(())
}

/// User plus system CPU time, in ms, of this process's children waited for so far.
fn children_cpu_ms() -> f64 {
    // SAFETY: `getrusage` fills the zeroed struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1e3 + t.tv_usec as f64 / 1e3;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}

/// `out`'s lines with a leading `/d/` (the wasm peers' name for the tree) read as `./` (the
/// native peers'), sorted, joined with newlines.
fn sorted_lines(out: &[u8]) -> Vec<u8> {
    let mut lines: Vec<Vec<u8>> = out
        .split(|&b| b == b'\n')
        .map(|line| match line.strip_prefix(b"/d/") {
            Some(rest) => [&b"./"[..], rest].concat(),
            None => line.to_vec(),
        })
        .collect();
    lines.sort_unstable();
    lines.join(&b'\n')
}

#[cfg(test)]
mod tests {
    use super::sorted_lines;

    #[test]
    fn wasm_and_native_names_compare_equal_in_any_order() {
        let wasm = b"/d/b/x.txt:needle 2\n/d/a/y.txt:needle 1\n";
        let native = b"./a/y.txt:needle 1\n./b/x.txt:needle 2\n";
        assert_eq!(sorted_lines(wasm), sorted_lines(native));
        assert_ne!(sorted_lines(b"/d/a:1\n"), sorted_lines(b"./a:2\n"));
        // Only a leading `/d/` is renamed.
        assert_ne!(sorted_lines(b"x/d/a:1\n"), sorted_lines(b"x./a:1\n"));
    }
}
