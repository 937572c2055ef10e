//! `cargo xtask bench`: the guest workloads under wasi-host, wasmtime-wasi's preview1 and
//! natively, timed inside the guest; ripgrep on a generated tree; host allocations per hot call;
//! host memory per idle instance. See docs/bench.md.

mod alloc;
mod data;
mod floor;
mod memfs;
mod net;
mod parallel;
mod peers;
mod startup;
mod threads;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail, ensure};
use peers::{Guest, Invocation, Outcome};

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

const USAGE: &str = "\
usage: wasi-host-bench --wasm WORKLOADS.wasm --native WORKLOADS [--quick] [--runs N]
                       [--rg-wasm RG.wasm] [--rg-native RG] [--rg-threads-wasm RG.wasm]
                       [--only NAME|parallel] [--cli WASI-HOST]
                       [--http-wasm HTTP.wasm --http-native HTTP] [--net-only]
                       [--threads-wasm THREADS.wasm]";

/// One guest workload.
struct Workload {
    name: &'static str,
    /// What one operation is.
    label: &'static str,
    iterations: u64,
    quick_iterations: u64,
    /// A hot call: must allocate nothing on the host heap.
    hot: bool,
    /// Has a native counterpart doing the same work (reading the environment natively does not).
    native: bool,
}

const fn w(name: &'static str, label: &'static str, iterations: u64, hot: bool) -> Workload {
    Workload {
        name,
        label,
        iterations,
        quick_iterations: 1 + iterations / 1000,
        hot,
        native: true,
    }
}

const WORKLOADS: &[Workload] = &[
    // The guest's own loop with no call: what every other row includes besides the call.
    // Reported, left out of the geomeans.
    Workload {
        name: "empty",
        label: "guest loop only (no host call)",
        iterations: 2_000_000,
        quick_iterations: 2_000,
        hot: false,
        native: false,
    },
    // A call answered without a syscall; natively there is nothing to call, so no native ratio.
    Workload {
        name: "floor",
        label: "args_sizes_get (per-call floor)",
        iterations: 2_000_000,
        quick_iterations: 2_000,
        hot: true,
        native: false,
    },
    w("clock", "clock_time_get(monotonic)", 1_000_000, true),
    w("write_null", "fd_write 1 B to /dev/null", 200_000, true),
    w("write_file", "fd_write 1 B to a file", 100_000, true),
    w("pwrite", "fd_pwrite 1 B", 100_000, true),
    w("pread4k", "fd_pread 4 KiB, random offset", 50_000, true),
    // The iterations of a sequential read are replaced by one pass over the file.
    w("read_seq64k", "fd_read 64 KiB, sequential", 0, true),
    w("seek", "fd_seek(0, cur)", 500_000, true),
    w("fstat", "fd_filestat_get", 100_000, true),
    w("stat1", "path_filestat_get, depth 1", 50_000, false),
    w("stat5", "path_filestat_get, depth 5", 50_000, false),
    w("open1", "path_open+fd_close, depth 1", 50_000, false),
    w("open5", "path_open+fd_close, depth 5", 50_000, false),
    w(
        "errno_open",
        "path_open missing file (ENOENT)",
        50_000,
        // An errno must cost no allocation either (nor a backtrace, whatever RUST_BACKTRACE).
        true,
    ),
    Workload {
        name: "readdir",
        label: "fd_readdir all entries (10,000)",
        iterations: 3,
        quick_iterations: 1,
        hot: false,
        native: true,
    },
    w("random256", "random_get 256 B", 100_000, true),
    // Natively this is `poll(NULL, 0, 0)`, a system call wasi-host skips for a timeout already
    // due (it reads the clock instead): not the same work, so no native ratio.
    Workload {
        name: "poll_elapsed",
        label: "poll_oneoff, elapsed clock (native: poll(2))",
        iterations: 100_000,
        quick_iterations: 101,
        hot: false,
        native: false,
    },
    Workload {
        name: "environ",
        label: "environ_sizes_get+environ_get, 1,000 vars",
        iterations: 2_000,
        quick_iterations: 3,
        hot: false,
        native: false,
    },
];

struct Options {
    quick: bool,
    runs: usize,
    wasm: PathBuf,
    native: PathBuf,
    rg_wasm: Option<PathBuf>,
    rg_native: Option<PathBuf>,
    /// ripgrep built for wasm32-wasip1-threads, for the parallel-search rows.
    rg_threads: Option<PathBuf>,
    only: Option<String>,
    /// The `wasi-host` command, for the start-up and network rows.
    cli: Option<PathBuf>,
    /// bench/http built for wasm32-wasip1 and natively, for the network rows.
    http: Option<(PathBuf, PathBuf)>,
    /// Only the network rows.
    net_only: bool,
    /// The threaded test guest (wasm32-wasip1-threads), for the threads row.
    threads_wasm: Option<PathBuf>,
}

fn parse_options() -> Result<Options> {
    let mut args = std::env::args().skip(1);
    let (mut quick, mut runs, mut wasm, mut native) = (false, None, None, None);
    let (mut rg_wasm, mut rg_native, mut only, mut cli) = (None, None, None, None);
    let (mut http_wasm, mut http_native, mut net_only) = (None, None, false);
    let mut threads_wasm = None;
    let mut rg_threads = None;
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--quick" => quick = true,
            "--runs" => runs = Some(value()?.parse()?),
            "--wasm" => wasm = Some(PathBuf::from(value()?)),
            "--native" => native = Some(PathBuf::from(value()?)),
            "--rg-wasm" => rg_wasm = Some(PathBuf::from(value()?)),
            "--rg-native" => rg_native = Some(PathBuf::from(value()?)),
            "--rg-threads-wasm" => rg_threads = Some(PathBuf::from(value()?)),
            "--only" => only = Some(value()?),
            "--cli" => cli = Some(PathBuf::from(value()?)),
            "--http-wasm" => http_wasm = Some(PathBuf::from(value()?)),
            "--http-native" => http_native = Some(PathBuf::from(value()?)),
            "--net-only" => net_only = true,
            "--threads-wasm" => threads_wasm = Some(PathBuf::from(value()?)),
            _ => bail!("unknown argument {arg}\n{USAGE}"),
        }
    }
    Ok(Options {
        quick,
        runs: runs.unwrap_or(if quick { 1 } else { 5 }),
        wasm: wasm.context(USAGE)?,
        native: native.context(USAGE)?,
        rg_wasm,
        rg_native,
        rg_threads,
        only,
        cli,
        http: http_wasm.zip(http_native),
        net_only,
        threads_wasm,
    })
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--child") {
        return peers::child_main(&args);
    }
    let opts = parse_options()?;
    if opts.net_only {
        return net::run(opts.cli.as_deref(), opts.http.as_ref(), opts.runs);
    }
    if opts.only.as_deref() == Some("parallel") {
        // The parallel ripgrep rows alone, over the same tree as the full bench's.
        let tmp = tempfile::tempdir()?;
        let tree = tmp.path().join("tree");
        let (dirs, files) = if opts.quick { (10, 20) } else { (100, 200) };
        data::generate_tree(&tree, dirs, files)?;
        return parallel::rows(&opts, &tree, tmp.path());
    }
    let engine = wasmtime::Engine::default();
    let guest = Guest::load(&engine, &opts.wasm)?;
    let tmp = tempfile::tempdir()?;
    let data = tmp.path().join("data");
    std::fs::create_dir(&data)?;
    let sizes = if opts.quick {
        data::Sizes {
            big: 4 << 20,
            entries: 1_000,
        }
    } else {
        data::Sizes {
            big: 256 << 20,
            entries: 10_000,
        }
    };
    data::generate(&data, &sizes)?;
    let env: Vec<(String, String)> = (0..1000)
        .map(|i| {
            (
                format!("BENCH_VAR_{i:04}"),
                format!("value-{i}-{}", "x".repeat(16)),
            )
        })
        .collect();

    println!(
        "wasi-host bench ({}): median of {} runs, ns/op timed inside the guest; spread = (max-min)/median",
        if opts.quick {
            "quick: small sizes, numbers are not meaningful"
        } else {
            "full"
        },
        opts.runs
    );
    println!(
        "ratios: of the medians, and (best) of each peer's fastest run, which a loaded machine disturbs least"
    );
    println!(
        "{:<42} {:>16} {:>16} {:>16} {:>8} {:>8} {:>8}",
        "workload", "wasi-host", "wasmtime-wasi", "native", "wh/ww", "wh/nat", "(best)"
    );
    let mut vs_wasmtime = Vec::new();
    let mut vs_native = Vec::new();
    let mut readdir_native = f64::NAN;
    let mut references = Vec::new();
    for workload in WORKLOADS {
        if opts
            .only
            .as_deref()
            .is_some_and(|only| only != workload.name)
        {
            continue;
        }
        let iterations = match (workload.name, opts.quick) {
            ("read_seq64k", _) => sizes.big / (64 << 10),
            (_, true) => workload.quick_iterations,
            (_, false) => workload.iterations,
        };
        let env: &[(String, String)] = if workload.name == "environ" {
            &env
        } else {
            &[]
        };
        let mut samples = [Vec::new(), Vec::new(), Vec::new()];
        // Peers interleaved run by run, so a noisy moment hits all of them alike.
        let reference = kernel_reference(workload.name);
        let mut reference_samples = Vec::new();
        for run in 0..opts.runs {
            // The order rotates from run to run, so that no peer always runs right after
            // another (warm caches, a file just written, a CPU just freed).
            for i in 0..3 {
                let peer = (i + run) % 3;
                samples[peer].push(run_workload(
                    &guest,
                    &opts.native,
                    peer,
                    workload.name,
                    iterations,
                    &data,
                    env,
                )?);
            }
            // In the same rotation, so that the reference sees the same machine.
            if let Some((name, env, _)) = &reference {
                let (outcome, stderr) = run_workload_outcome(
                    &guest,
                    &opts.native,
                    2,
                    true,
                    name,
                    iterations,
                    &data,
                    env,
                )?;
                reference_samples.push(parse_ns_per_op(&stderr, outcome.status)?);
            }
        }
        let [wh, ww, nat] = samples.map(|s| Stats::of(&s));
        let (r_ww, r_nat) = (wh.median / ww.median, wh.median / nat.median);
        if let Some((_, _, what)) = reference {
            references.push((
                workload.label,
                what,
                wh.median,
                nat.median,
                Stats::of(&reference_samples).median,
                wh.best / Stats::of(&reference_samples).best,
            ));
        }
        if workload.name != "empty" {
            vs_wasmtime.push(r_ww);
        }
        if workload.native {
            vs_native.push(r_nat);
        }
        if workload.name == "readdir" {
            readdir_native = r_nat;
        }
        let label = match workload.name {
            "readdir" => format!("fd_readdir all entries ({})", sizes.entries),
            _ => workload.label.to_string(),
        };
        println!(
            "{:<42} {:>16} {:>16} {:>16} {:>8.2} {:>8} {:>8}",
            label,
            wh.show(),
            ww.show(),
            if workload.native {
                nat.show()
            } else {
                "-".into()
            },
            r_ww,
            if workload.native {
                format!("{r_nat:.2}")
            } else {
                "-".into()
            },
            if workload.native {
                format!("{:.2}", wh.best / nat.best)
            } else {
                "-".into()
            }
        );
    }

    if !references.is_empty() {
        println!("kernel reference points (native, same runs as the table):");
    }
    for (label, what, wh, nat, reference, best) in references {
        println!(
            "  {label}: wasi-host {}, native {}, {what} {} (wasi-host/that {:.2}, best runs {best:.2})",
            human(wh),
            human(nat),
            human(reference),
            wh / reference
        );
    }
    let (n, runs) = if opts.quick {
        (1000, 1)
    } else {
        (20_000_000, opts.runs)
    };
    let [wasi, bare, empty] = floor::measure(&engine, n, runs)?;
    println!(
        "per-call floor, one guest loop (median of {runs}): wasi-host args_sizes_get {wasi:.1} ns, bare wasmtime host function writing the same two results {bare:.1} ns, loop alone {empty:.1} ns"
    );
    let allocs = allocations_per_hot_call(&guest, &data)?;
    memory_per_instance(&guest, &data, if opts.quick { 100 } else { 1000 })?;
    if let Some(rg) = &opts.rg_wasm {
        ripgrep(&engine, rg, opts.rg_native.as_deref(), &opts, tmp.path())?;
        parallel::rows(&opts, &tmp.path().join("tree"), tmp.path())?;
    }
    if let Some(cli) = &opts.cli {
        let mut programs = vec![startup::Program {
            label: "workloads (Rust, small)",
            wasm: &opts.wasm,
            args: &["empty", "1", "/d"],
        }];
        if let Some(rg) = &opts.rg_wasm {
            programs.push(startup::Program {
                label: "ripgrep --version (large)",
                wasm: rg,
                args: &["--version"],
            });
        }
        startup::run(cli, &programs, opts.runs, tmp.path())?;
        if opts.only.as_deref().is_none_or(|only| only == "memfs") {
            memfs::run(cli, &opts.wasm, &data, opts.quick, opts.runs, tmp.path())?;
        }
        if let Some(wasm) = &opts.threads_wasm
            && opts.only.as_deref().is_none_or(|only| only == "threads")
        {
            threads::run(cli, wasm, opts.quick, opts.runs, tmp.path())?;
        }
    }
    net::run(opts.cli.as_deref(), opts.http.as_ref(), opts.runs)?;
    println!(
        "geomean wasi-host/wasmtime-wasi={:.3} wasi-host/native={:.3} readdir10k/native={:.3} allocs_per_hot_call={}",
        geomean(&vs_wasmtime),
        geomean(&vs_native),
        readdir_native,
        allocs
    );
    Ok(())
}

/// Runs one workload once under peer 0 (wasi-host), 1 (wasmtime-wasi) or 2 (native);
/// returns the guest's ns/op.
fn run_workload(
    guest: &Guest,
    native: &Path,
    peer: usize,
    name: &str,
    iterations: u64,
    data: &Path,
    env: &[(String, String)],
) -> Result<f64> {
    let (outcome, stderr) =
        run_workload_outcome(guest, native, peer, true, name, iterations, data, env)?;
    parse_ns_per_op(&stderr, outcome.status).with_context(|| {
        format!(
            "workload {name} under peer {}",
            ["wasi-host", "wasmtime-wasi", "native"][peer]
        )
    })
}

/// Runs one workload once under a peer, the in-process ones in a fresh child process unless
/// `in_child` is false (for counting allocations, which only wasi-host's run in this process
/// can do).
#[allow(clippy::too_many_arguments)]
fn run_workload_outcome(
    guest: &Guest,
    native: &Path,
    peer: usize,
    in_child: bool,
    name: &str,
    iterations: u64,
    data: &Path,
    env: &[(String, String)],
) -> Result<(Outcome, String)> {
    let dir_arg = if peer == 2 {
        data.to_string_lossy().into_owned()
    } else {
        "/data".to_string()
    };
    let args = [
        "workloads".to_string(),
        name.to_string(),
        iterations.to_string(),
        dir_arg,
    ];
    let mut stderr = tempfile::tempfile()?;
    let inv = Invocation {
        args: &args,
        env,
        dir: data,
        guest_dir: "/data",
        stdout: File::options().write(true).open("/dev/null")?,
        stderr: stderr.try_clone()?,
    };
    let outcome = match (peer, in_child) {
        (0, false) => guest.run_wasi_host(inv)?,
        (0 | 1, _) => peers::run_in_child(peer, &guest.wasm, inv)?,
        _ => peers::run_native(native, inv)?,
    };
    let mut text = String::new();
    use std::io::Seek;
    stderr.rewind()?;
    stderr.read_to_string(&mut text)?;
    Ok((outcome, text))
}

fn parse_ns_per_op(stderr: &str, status: i32) -> Result<f64> {
    ensure!(status == 0, "exit status {status}; stderr: {stderr}");
    stderr
        .lines()
        .find_map(|l| {
            l.strip_prefix("ns_per_op=")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .with_context(|| format!("no ns_per_op in guest output: {stderr}"))
}

/// Median and relative spread of a set of samples.
struct Stats {
    median: f64,
    /// The fastest run: on a shared machine, the one least disturbed by other work.
    best: f64,
    spread: f64,
}

impl Stats {
    fn of(samples: &[f64]) -> Stats {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[sorted.len() / 2];
        let spread = (sorted[sorted.len() - 1] - sorted[0]) / median;
        Stats {
            median,
            best: sorted[0],
            spread,
        }
    }

    fn show(&self) -> String {
        format!("{} ±{:.0}%", human(self.median), self.spread * 100.0)
    }
}

/// ns with a readable unit.
fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e4 {
        format!("{:.1} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

fn geomean(ratios: &[f64]) -> f64 {
    (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len().max(1) as f64).exp()
}

/// A native run that bounds a workload's ratio: the workload to run, its environment, and what
/// it is.
type KernelReference = (&'static str, Vec<(String, String)>, &'static str);

/// The native run that bounds a workload's ratio, if it has one: the same calls from a process
/// with a second, idle thread (every embedding of wasmtime with threads pays this in the
/// kernel), or the kernel's cheapest stat that cannot leave a directory (what a sandbox must do
/// for a path of several components).
fn kernel_reference(name: &str) -> Option<KernelReference> {
    let idle_thread = || vec![("WORKLOADS_IDLE_THREAD".to_string(), "1".to_string())];
    match name {
        "write_null" => Some((
            "write_null",
            idle_thread(),
            "native with an idle second thread",
        )),
        "seek" => Some(("seek", idle_thread(), "native with an idle second thread")),
        "pwrite" => Some(("pwrite", idle_thread(), "native with an idle second thread")),
        #[cfg(target_os = "linux")]
        "stat5" => Some((
            "stat5_beneath",
            Vec::new(),
            "native openat2(RESOLVE_BENEATH, O_PATH)+fstat+close",
        )),
        _ => None,
    }
}

/// Host allocations per call of each hot workload under wasi-host: the difference between runs
/// of N and 2N iterations, so setup (opening files, printing the result) cancels out. Returns
/// the worst.
fn allocations_per_hot_call(guest: &Guest, data: &Path) -> Result<String> {
    const N: u64 = 1000;
    let mut worst = 0.0f64;
    let mut report = Vec::new();
    for workload in WORKLOADS.iter().filter(|w| w.hot) {
        let count = |n| -> Result<u64> {
            let (outcome, stderr) =
                run_workload_outcome(guest, Path::new(""), 0, false, workload.name, n, data, &[])?;
            parse_ns_per_op(&stderr, outcome.status)?;
            Ok(outcome.allocations)
        };
        // One warm-up: first calls may fill lazily-initialised state.
        count(N)?;
        let (once, twice) = (count(N)?, count(2 * N)?);
        let per_call = (twice as f64 - once as f64) / N as f64;
        worst = worst.max(per_call);
        report.push(format!("{}={per_call}", workload.name));
    }
    println!(
        "host allocations per call under wasi-host (N vs 2N calls): {}",
        report.join(" ")
    );
    Ok(if worst.fract() == 0.0 {
        format!("{worst}")
    } else {
        format!("{worst:.3}")
    })
}

/// Host memory per idle instance: `count` instances of the workloads module instantiated (not
/// run) and alive at once, under each in-process peer.
fn memory_per_instance(guest: &Guest, data: &Path, count: usize) -> Result<()> {
    let args = ["workloads".to_string()];
    let inv = || quiet_invocation(&args, data);
    let measure = |make: &dyn Fn() -> Result<Box<dyn std::any::Any>>| -> Result<(f64, f64)> {
        let (heap, rss) = (alloc::live_bytes(), rss_bytes());
        let alive: Vec<_> = (0..count).map(|_| make()).collect::<Result<_>>()?;
        let heap = (alloc::live_bytes() - heap) as f64 / count as f64;
        let rss = (rss_bytes() - rss) as f64 / count as f64;
        drop(alive);
        Ok((heap, rss))
    };
    // A first round, not counted, so that the peer measured first does not pay for the
    // allocator's and the engine's own growth in RSS.
    measure(&|| Ok(Box::new(guest.idle_wasi_host(inv()?)?) as Box<dyn std::any::Any>))?;
    let (wh_heap, wh_rss) =
        measure(&|| Ok(Box::new(guest.idle_wasi_host(inv()?)?) as Box<dyn std::any::Any>))?;
    let (ww_heap, ww_rss) =
        measure(&|| Ok(Box::new(guest.idle_wasmtime_wasi(inv()?)?) as Box<dyn std::any::Any>))?;
    println!(
        "memory per idle instance ({count} alive): wasi-host heap {:.1} KiB, RSS {:.1} KiB; wasmtime-wasi heap {:.1} KiB, RSS {:.1} KiB",
        wh_heap / 1024.0,
        wh_rss / 1024.0,
        ww_heap / 1024.0,
        ww_rss / 1024.0
    );
    Ok(())
}

/// An invocation of the workloads with no output.
fn quiet_invocation<'a>(args: &'a [String], data: &'a Path) -> Result<Invocation<'a>> {
    Ok(Invocation {
        args,
        env: &[],
        dir: data,
        guest_dir: "/data",
        stdout: File::options().write(true).open("/dev/null")?,
        stderr: File::options().write(true).open("/dev/null")?,
    })
}

/// Resident set size of this process (0 where /proc is not available).
fn rss_bytes() -> i64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: i64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// ripgrep searching a generated tree, and starting (`rg --version`): each run timed as a whole
/// process by the runner, from before `fork` to after `wait`, for every peer alike: native
/// `rg`, a child of this runner per in-process peer, and the `wasmtime` CLI if it is on PATH.
/// The wasm peers load ripgrep precompiled (compiled once here, as `wasmtime run` would find
/// it in its cache), so the time is process start, loading, instantiation and the run.
/// Outputs are compared byte for byte (except `--version`, which names different builds).
fn ripgrep(
    engine: &wasmtime::Engine,
    wasm: &Path,
    native: Option<&Path>,
    opts: &Options,
    tmp: &Path,
) -> Result<()> {
    let bytes = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
    let cwasm = tmp.join("rg.cwasm");
    std::fs::write(&cwasm, engine.precompile_module(&bytes)?)?;
    let cli = wasmtime_cli(wasm, tmp)?;
    let tree = tmp.join("tree");
    let (dirs, files) = if opts.quick { (10, 20) } else { (100, 200) };
    data::generate_tree(&tree, dirs, files)?;
    println!(
        "ripgrep over {} files, whole process wall time, median of {} (wasmtime CLI: {}):",
        dirs * files,
        opts.runs,
        match &cli {
            Some((exe, _)) => exe.display().to_string(),
            None => "not on PATH, not run".into(),
        }
    );
    println!(
        "{:<30} {:>12} {:>14} {:>12} {:>13} {:>7} {:>7} {:>7} {:>7}",
        "command",
        "wasi-host",
        "wasmtime-wasi",
        "native -j1",
        "wasmtime CLI",
        "wh/ww",
        "wh/nat",
        "(best)",
        "wh/cli"
    );
    let searches: [(&str, &[&str]); 3] = [
        ("startup: rg --version", &["--version"]),
        ("rg --files", &["-j1", "--sort", "path", "--files", "."]),
        ("rg needle", &["-j1", "--sort", "path", "needle", "."]),
    ];
    for (label, what) in searches {
        let args: Vec<String> = std::iter::once("rg")
            .chain(what.iter().copied())
            .map(String::from)
            .collect();
        let present = [true, true, native.is_some(), cli.is_some()];
        let mut walls = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        let mut outputs: [Option<Vec<u8>>; 4] = Default::default();
        for run in 0..opts.runs {
            for i in 0..4 {
                let peer = (i + run) % 4;
                if !present[peer] {
                    continue;
                }
                let mut stdout = tempfile::tempfile()?;
                let inv = Invocation {
                    args: &args,
                    env: &[],
                    dir: &tree,
                    guest_dir: ".",
                    stdout: stdout.try_clone()?,
                    stderr: File::options().write(true).open("/dev/null")?,
                };
                let outcome = match (peer, &cli) {
                    (0 | 1, _) => peers::run_in_child(peer, &cwasm, inv)?,
                    (2, _) => peers::run_native(native.unwrap_or(Path::new("rg")), inv)?,
                    (_, Some((exe, cli_cwasm))) => run_wasmtime_cli(exe, cli_cwasm, inv)?,
                    (_, None) => unreachable!("absent peers are skipped"),
                };
                ensure!(
                    outcome.status == 0,
                    "{label} exited with {} under {}",
                    outcome.status,
                    ["wasi-host", "wasmtime-wasi", "native", "wasmtime CLI"][peer]
                );
                let mut out = Vec::new();
                use std::io::Seek;
                stdout.rewind()?;
                stdout.read_to_end(&mut out)?;
                outputs[peer] = Some(out);
                walls[peer].push(outcome.process.as_secs_f64() * 1e3);
            }
        }
        if what[0] != "--version" {
            for peer in 1..4 {
                if let Some(out) = &outputs[peer] {
                    ensure!(
                        outputs[0].as_ref() == Some(out),
                        "{label}: wasi-host's output differs from peer {peer}'s"
                    );
                }
            }
        }
        let stat = |w: &Vec<f64>| (!w.is_empty()).then(|| Stats::of(w));
        let [wh, ww, nat, cli_stats] = walls.each_ref().map(stat);
        let show = |s: &Option<Stats>| match s {
            Some(s) => format!("{:.1} ms", s.median),
            None => "-".into(),
        };
        let ratio = |a: &Option<Stats>, b: &Option<Stats>, best: bool| match (a, b) {
            (Some(a), Some(b)) if best => format!("{:.2}", a.best / b.best),
            (Some(a), Some(b)) => format!("{:.2}", a.median / b.median),
            _ => "-".into(),
        };
        println!(
            "{:<30} {:>12} {:>14} {:>12} {:>13} {:>7} {:>7} {:>7} {:>7}",
            label,
            show(&wh),
            show(&ww),
            show(&nat),
            show(&cli_stats),
            ratio(&wh, &ww, false),
            ratio(&wh, &nat, false),
            ratio(&wh, &nat, true),
            ratio(&wh, &cli_stats, false),
        );
    }
    Ok(())
}

/// The `wasmtime` CLI if it is on PATH, with ripgrep precompiled by it (`wasmtime compile`),
/// so that its runs, like the other wasm peers', load a compiled module.
fn wasmtime_cli(wasm: &Path, tmp: &Path) -> Result<Option<(PathBuf, PathBuf)>> {
    let Some(exe) = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("wasmtime"))
            .find(|exe| exe.is_file())
    }) else {
        return Ok(None);
    };
    let cwasm = tmp.join("rg.wasmtime-cli.cwasm");
    let status = std::process::Command::new(&exe)
        .arg("compile")
        .arg(wasm)
        .arg("-o")
        .arg(&cwasm)
        .status()?;
    ensure!(status.success(), "`wasmtime compile` failed: {status}");
    Ok(Some((exe, cwasm)))
}

/// `wasmtime run --allow-precompiled --dir DIR::GUEST CWASM ARGS...` as a whole process, with
/// no environment (like the native peer: the CLI passes none to the guest by default, and
/// RUST_BACKTRACE would make its errors dearer).
fn run_wasmtime_cli(exe: &Path, cwasm: &Path, inv: Invocation<'_>) -> Result<Outcome> {
    let start = std::time::Instant::now();
    let status = std::process::Command::new(exe)
        .arg("run")
        .arg("--allow-precompiled")
        .arg("--dir")
        .arg(format!("{}::{}", inv.dir.display(), inv.guest_dir))
        .arg(cwasm)
        .args(&inv.args[1..])
        .env_clear()
        .current_dir(inv.dir)
        .stdin(std::process::Stdio::null())
        .stdout(inv.stdout)
        .stderr(inv.stderr)
        .status()
        .with_context(|| format!("running {}", exe.display()))?;
    let wall = start.elapsed();
    Ok(Outcome {
        status: status.code().unwrap_or(-1),
        allocations: 0,
        wall,
        process: wall,
    })
}
