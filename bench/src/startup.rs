//! Start-up rows: the wall time of whole `wasi-host run` processes for real programs built in
//! the bench, with no compile cache (cold), with the cache filled (warm) and from a
//! precompiled module, beside node's `node:wasi` running the same program. What a user of the
//! command waits for, from `fork` to `wait`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, Result, bail};

/// One program to start: a label, its `.wasm` and the guest arguments (after the program
/// name). The runner preopens `dir` as `/d` for every peer.
pub struct Program<'a> {
    pub label: &'a str,
    pub wasm: &'a Path,
    pub args: &'a [&'a str],
}

/// node's WASI runner, written next to the data: compiles and runs the module, preopening
/// the directory given as `/d`, and exits with the guest's status.
const NODE_RUNNER: &str = r#"import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import process from 'node:process';
const [file, dir, ...args] = process.argv.slice(2);
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: {}, preopens: { '/d': dir }, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
"#;

/// The `node` on PATH, if it has `node:wasi` (version 20 or later).
fn node() -> Option<PathBuf> {
    let out = Command::new("node").arg("--version").output().ok()?;
    let version = String::from_utf8_lossy(&out.stdout);
    let major: u32 = version
        .trim()
        .trim_start_matches('v')
        .split('.')
        .next()?
        .parse()
        .ok()?;
    (out.status.success() && major >= 20).then(|| PathBuf::from("node"))
}

/// Runs `cmd` to completion with its output discarded; the wall time in milliseconds.
fn time(cmd: &mut Command, what: &str) -> Result<f64> {
    let start = Instant::now();
    let status = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .status()
        .with_context(|| format!("starting {what}"))?;
    let ms = start.elapsed().as_secs_f64() * 1e3;
    if !status.success() {
        bail!("{what} failed: {status}");
    }
    Ok(ms)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    match v.len() {
        0 => f64::NAN,
        n => v[n / 2],
    }
}

/// Prints the start-up table for `programs`: `runs` runs of each way of starting, in rotation.
pub fn run(cli: &Path, programs: &[Program<'_>], runs: usize, tmp: &Path) -> Result<()> {
    let dir = tmp.join("startup-data");
    std::fs::create_dir_all(&dir)?;
    let node = node();
    let runner = tmp.join("node-wasi-runner.mjs");
    std::fs::write(&runner, NODE_RUNNER)?;
    println!(
        "start-up, whole process wall time (ms, median of {runs}); wasi-host is {}; node: {}",
        cli.display(),
        if node.is_some() {
            "node:wasi"
        } else {
            "not on PATH (v20+), not run"
        }
    );
    println!(
        "{:<34} {:>10} {:>10} {:>12} {:>10} {:>10}",
        "program", "cold", "warm", "precompiled", "node", "warm/node"
    );
    for (n, p) in programs.iter().enumerate() {
        let cache = tmp.join(format!("startup-cache-{n}"));
        let cwasm = tmp.join(format!("startup-{n}.cwasm"));
        let preopen = format!("{}::/d", dir.display());
        let wasi_host = |extra: &[&str], program: &Path| {
            let mut cmd = Command::new(cli);
            cmd.arg("run").args(extra).arg("--dir").arg(&preopen);
            cmd.arg(program).args(p.args);
            cmd
        };
        let cache_dir = format!("cache-dir={}", cache.display());
        // Fill the cache and write the precompiled module once, untimed.
        time(&mut wasi_host(&["-C", &cache_dir], p.wasm), p.label)?;
        let mut compile = Command::new(cli);
        compile.arg("compile").arg(p.wasm).arg("-o").arg(&cwasm);
        time(&mut compile, "wasi-host compile")?;
        let mut samples = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        for run in 0..runs {
            for i in 0..4 {
                let way = (i + run) % 4;
                let mut cmd = match way {
                    0 => wasi_host(&["-C", "cache=n"], p.wasm),
                    1 => wasi_host(&["-C", &cache_dir], p.wasm),
                    2 => wasi_host(&["--allow-precompiled"], &cwasm),
                    _ => match &node {
                        Some(node) => {
                            let mut cmd = Command::new(node);
                            cmd.arg("--no-warnings").arg(&runner).arg(p.wasm).arg(&dir);
                            cmd.args(p.args);
                            cmd
                        }
                        None => continue,
                    },
                };
                samples[way].push(time(&mut cmd, p.label)?);
            }
        }
        let [cold, warm, pre, node_ms] = samples.map(median);
        println!(
            "{:<34} {:>10.1} {:>10.1} {:>12.1} {:>10.1} {:>10.2}",
            p.label,
            cold,
            warm,
            pre,
            node_ms,
            warm / node_ms
        );
    }
    Ok(())
}
