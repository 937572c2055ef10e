//! Running one guest program under each peer: wasi-host and wasmtime-wasi's preview1 in-process
//! (same engine configuration), and the native build as a child process.
//!
//! wasmtime-wasi runs the way `wasmtime run` 48 runs a core module (see [`run_wasmtime_wasi`]
//! and docs/bench.md): a benchmark against a configuration its own CLI never uses would say
//! nothing about what users of wasmtime-wasi get.
//!
//! Timed runs of the in-process peers happen in a fresh process of this runner each
//! ([`run_in_child`]): the native build runs alone in its process, and so should the hosts. A
//! long-lived runner would carry threads from earlier runs (wasmtime-wasi's tokio workers,
//! compiler threads), and Linux makes every descriptor call of a multi-threaded process pay
//! for a file reference count and the file-position lock; see docs/bench.md.

use std::fs::File;
use std::os::fd::AsFd;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use wasmtime::{Engine, InstancePre, Linker, Module, Store, StoreLimits};
use wasmtime_wasi::p1::WasiP1Ctx;

use crate::alloc;

/// Where a run's stdio and data come from.
pub struct Invocation<'a> {
    /// argv, program name included.
    pub args: &'a [String],
    pub env: &'a [(String, String)],
    /// Host directory preopened (in-process) under `guest_dir`, or passed as is natively.
    pub dir: &'a Path,
    pub guest_dir: &'a str,
    pub stdout: File,
    pub stderr: File,
}

/// What a run did.
pub struct Outcome {
    pub status: i32,
    /// Host heap allocations made while the guest ran (instantiation excluded).
    pub allocations: u64,
    /// Instantiation and run, measured where the guest ran.
    pub wall: Duration,
    /// The whole process, from before `fork` to after `wait`, measured by the runner (runs in
    /// a child process only; zero otherwise).
    pub process: Duration,
}

/// What `wasmtime run` keeps in its store for a core module: the preview1 context (behind the
/// `Arc<Mutex<_>>` the CLI uses for wasi-threads' sake, reached through `get_mut`, never
/// locked) and the store limits (none set by default, but the limiter is installed).
pub struct CliHost {
    wasi: Arc<Mutex<WasiP1Ctx>>,
    limits: StoreLimits,
}

impl CliHost {
    fn wasi(&mut self) -> &mut WasiP1Ctx {
        Arc::get_mut(&mut self.wasi)
            .expect("one thread")
            .get_mut()
            .expect("never poisoned")
    }
}

/// One module, ready to instantiate under either in-process peer.
pub struct Guest {
    /// Where the module was read from, for runs in a child process.
    pub wasm: std::path::PathBuf,
    /// wasi-host binds each instance's functions to it, so it instantiates from the module.
    wasi_host: Module,
    wasmtime_wasi: InstancePre<wasmtime_wasi::p1::WasiP1Ctx>,
}

impl Guest {
    pub fn load(engine: &Engine, wasm: &Path) -> Result<Guest> {
        let bytes = std::fs::read(wasm).with_context(|| format!("reading {}", wasm.display()))?;
        // Compiled on a pool that leaves no threads behind (as `wasi-host run` does).
        let module = wasi_host::compile_module(engine, &bytes)
            .map_err(|e| anyhow::Error::from(e).context(format!("compiling {}", wasm.display())))?;
        Self::from_module(engine, &module, wasm)
    }

    /// `module`, already compiled (or loaded precompiled) from `wasm`.
    pub fn from_module(engine: &Engine, module: &Module, wasm: &Path) -> Result<Guest> {
        let module = module.clone();
        let wasi_host = module.clone();
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx)?;
        let wasmtime_wasi = linker.instantiate_pre(&module)?;
        Ok(Guest {
            wasm: wasm.to_path_buf(),
            wasi_host,
            wasmtime_wasi,
        })
    }

    /// Builds wasi-host's context for `inv` (also used for idle instances).
    pub fn wasi_host_ctx(inv: Invocation<'_>) -> Result<wasi_host::WasiCtx> {
        let mut b = wasi_host::WasiCtxBuilder::new();
        b.args(inv.args.iter().cloned())
            .preopen_dir(inv.dir, inv.guest_dir)
            .stdin(wasi_host::Stdio::Null)
            .stdout(wasi_host::Stdio::File(inv.stdout))
            .stderr(wasi_host::Stdio::File(inv.stderr));
        for (k, v) in inv.env {
            b.env(k, v);
        }
        Ok(b.build()?)
    }

    /// Builds wasmtime-wasi's preview1 context for `inv` with every setting `wasmtime run` 48
    /// makes for a core module given `--dir` and `--env` (src/commands/run.rs `set_wasi_ctx`
    /// and src/common.rs `configure_wasip2` of the wasmtime repository): stdio inherited (the
    /// child's stdio are the run's files; `inherit_stdio` false gives them as files, for idle
    /// instances in the runner), the arguments, blocking on the current thread allowed (the
    /// CLI's default whenever no `--wasm timeout` is given), the `--env` variables and no
    /// others, each `--dir` with full permissions. Blocking must be allowed before the
    /// preopen is added: each preopen copies the setting when it is created.
    pub fn wasmtime_wasi_ctx(inv: Invocation<'_>, inherit_stdio: bool) -> Result<WasiP1Ctx> {
        use wasmtime_wasi::cli::OutputFile;
        let mut b = wasmtime_wasi::WasiCtxBuilder::new();
        if inherit_stdio {
            b.inherit_stdio();
        } else {
            b.stdout(OutputFile::new(inv.stdout))
                .stderr(OutputFile::new(inv.stderr));
        }
        b.args(inv.args)
            .allow_blocking_current_thread(true)
            .envs(inv.env)
            .preopened_dir(inv.dir, inv.guest_dir, wasmtime_wasi::FsPerms::ReadWrite)?;
        Ok(b.build_p1())
    }

    /// Instantiates under wasi-host without running: an idle instance.
    pub fn idle_wasi_host(&self, inv: Invocation<'_>) -> Result<Store<wasi_host::WasiCtx>> {
        let engine = self.wasi_host.engine();
        let mut store = Store::new(engine, Self::wasi_host_ctx(inv)?);
        wasi_host::instantiate(&mut store, &Linker::new(engine), &self.wasi_host, |c| c)?;
        Ok(store)
    }

    /// Instantiates under wasmtime-wasi without running: an idle instance.
    pub fn idle_wasmtime_wasi(
        &self,
        inv: Invocation<'_>,
    ) -> Result<Store<wasmtime_wasi::p1::WasiP1Ctx>> {
        let engine = self.wasmtime_wasi.module().engine();
        let mut store = Store::new(engine, Self::wasmtime_wasi_ctx(inv, false)?);
        self.wasmtime_wasi.instantiate(&mut store)?;
        Ok(store)
    }

    pub fn run_wasi_host(&self, inv: Invocation<'_>) -> Result<Outcome> {
        let engine = self.wasi_host.engine();
        let linker = Linker::new(engine);
        run(
            engine,
            |store| wasi_host::instantiate(store, &linker, &self.wasi_host, |c| c),
            Self::wasi_host_ctx(inv)?,
            "wasi-host",
            |e| {
                e.downcast_ref::<wasi_host::Exit>()
                    .map(|exit| exit.0 as i32)
            },
        )
    }
}

/// Runs `module` under wasmtime-wasi's preview1 as `wasmtime run` 48 does for a core module:
/// on a multi-threaded tokio runtime (time and I/O enabled), wasmtime-wasi's async preview0
/// and preview1 functions in the linker, the store limiter installed, instantiation and
/// `_start` through the async entry points; the context is [`Guest::wasmtime_wasi_ctx`]. The
/// engine is the default one: wasmtime 48's CLI options change nothing about how compiled
/// code runs unless given (`async_support` no longer has an effect in 48).
pub fn run_wasmtime_wasi(module: &Module, inv: Invocation<'_>) -> Result<Outcome> {
    let engine = module.engine();
    let mut linker: Linker<CliHost> = Linker::new(engine);
    wasmtime_wasi::p0::add_to_linker_async(&mut linker, CliHost::wasi)?;
    wasmtime_wasi::p1::add_to_linker_async(&mut linker, CliHost::wasi)?;
    let pre = linker.instantiate_pre(module)?;
    let host = CliHost {
        wasi: Arc::new(Mutex::new(Guest::wasmtime_wasi_ctx(inv, true)?)),
        limits: StoreLimits::default(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_time()
        .enable_io()
        .build()?;
    runtime.block_on(async {
        let start = Instant::now();
        let mut store = Store::new(engine, host);
        store.limiter(|h| &mut h.limits);
        let instance = pre.instantiate_async(&mut store).await?;
        let entry = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        let before = alloc::allocations();
        let result = entry.call_async(&mut store, ()).await;
        let allocations = alloc::allocations() - before;
        let status = match result {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<wasmtime_wasi::I32Exit>() {
                Some(exit) => exit.0,
                None => {
                    return Err(anyhow::Error::from(e).context("guest trapped under wasmtime-wasi"));
                }
            },
        };
        Ok(Outcome {
            status,
            allocations,
            wall: start.elapsed(),
            process: Duration::ZERO,
        })
    })
}

/// Instantiates with `ctx` and runs `_start`, counting host allocations while it runs;
/// `exit_status` recognises the peer's way of reporting `proc_exit`.
fn run<T: 'static>(
    engine: &Engine,
    instantiate: impl FnOnce(&mut Store<T>) -> wasmtime::Result<wasmtime::Instance>,
    ctx: T,
    peer: &str,
    exit_status: impl Fn(&wasmtime::Error) -> Option<i32>,
) -> Result<Outcome> {
    let start = Instant::now();
    let mut store = Store::new(engine, ctx);
    let instance = instantiate(&mut store)?;
    let entry = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    let before = alloc::allocations();
    let result = entry.call(&mut store, ());
    let allocations = alloc::allocations() - before;
    let status = match result {
        Ok(()) => 0,
        Err(e) => match exit_status(&e) {
            Some(status) => status,
            None => {
                return Err(anyhow::Error::from(e).context(format!("guest trapped under {peer}")));
            }
        },
    };
    Ok(Outcome {
        status,
        allocations,
        wall: start.elapsed(),
        process: Duration::ZERO,
    })
}

/// Runs the native build of a program as a child process with only `inv.env` in its environment.
pub fn run_native(program: &Path, inv: Invocation<'_>) -> Result<Outcome> {
    let start = Instant::now();
    let status = Command::new(program)
        .args(&inv.args[1..])
        .env_clear()
        .envs(inv.env.iter().map(|(k, v)| (k, v)))
        .current_dir(inv.dir)
        .stdin(Stdio::null())
        .stdout(inv.stdout)
        .stderr(inv.stderr)
        .status()
        .with_context(|| format!("running {}", program.display()))?;
    let wall = start.elapsed();
    Ok(Outcome {
        status: status.code().unwrap_or(-1),
        allocations: 0,
        wall,
        process: wall,
    })
}

/// The in-process peers, by the name a child process is given.
pub const PEERS: [&str; 2] = ["wasi-host", "wasmtime-wasi"];

/// Runs `inv` under in-process peer `peer` (an index into [`PEERS`]) in a fresh process of
/// this runner (see [`child_main`]); the outcome is the one measured inside the child, plus
/// the whole process as the runner saw it. A `wasm` ending in `.cwasm` is a module the runner
/// precompiled with the same engine configuration, loaded instead of compiled.
pub fn run_in_child(peer: usize, wasm: &Path, inv: Invocation<'_>) -> Result<Outcome> {
    let report = tempfile::NamedTempFile::new()?;
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.arg("--child")
        .arg(PEERS[peer])
        .arg("--wasm")
        .arg(wasm)
        .arg("--dir")
        .arg(inv.dir)
        .arg("--guest-dir")
        .arg(inv.guest_dir)
        .arg("--report")
        .arg(report.path());
    for (k, v) in inv.env {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    // The runner's environment is kept except the backtrace switches: with RUST_BACKTRACE=1
    // every error wasmtime-wasi turns into an errno captures a backtrace, which no user of
    // `wasmtime run` pays unless they set it; the native peer gets no environment at all.
    let start = Instant::now();
    let status = cmd
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .arg("--")
        .args(inv.args)
        .stdin(Stdio::null())
        .stdout(inv.stdout)
        .stderr(inv.stderr)
        .status()
        .context("running a child of the bench runner")?;
    let process = start.elapsed();
    let text = std::fs::read_to_string(report.path())?;
    let fields: Vec<u64> = text
        .split_whitespace()
        .map(|f| f.parse())
        .collect::<Result<_, _>>()
        .with_context(|| {
            format!(
                "child under {} (exit {status}) reported {text:?}",
                PEERS[peer]
            )
        })?;
    let [status, allocations, wall_ns] = fields[..] else {
        anyhow::bail!(
            "child under {} (exit {status}) reported {text:?}",
            PEERS[peer]
        );
    };
    Ok(Outcome {
        status: status as i32,
        allocations,
        wall: Duration::from_nanos(wall_ns),
        process,
    })
}

/// The child side of [`run_in_child`]: `--child PEER --wasm M --dir D --guest-dir G --report R
/// [--env K=V]... -- ARGS...`. Compiles M, runs it once with this process's stdout and
/// stderr, and writes `status allocations wall_ns` to R. M may be precompiled (`.cwasm`).
pub fn child_main(args: &[String]) -> Result<()> {
    let mut it = args.iter();
    let (mut peer, mut wasm, mut dir, mut guest_dir, mut report) = (None, None, None, None, None);
    let mut env = Vec::new();
    while let Some(arg) = it.next() {
        let mut value = || {
            it.next()
                .cloned()
                .with_context(|| format!("{arg} needs a value"))
        };
        match arg.as_str() {
            "--child" => peer = Some(value()?),
            "--wasm" => wasm = Some(value()?),
            "--dir" => dir = Some(value()?),
            "--guest-dir" => guest_dir = Some(value()?),
            "--report" => report = Some(value()?),
            "--env" => {
                let kv = value()?;
                let (k, v) = kv.split_once('=').context("--env needs K=V")?;
                env.push((k.to_string(), v.to_string()));
            }
            "--" => break,
            other => anyhow::bail!("unknown child argument {other}"),
        }
    }
    let guest_args: Vec<String> = it.cloned().collect();
    let peer = peer.context("--child needs a peer")?;
    let engine = Engine::default();
    let wasm = std::path::PathBuf::from(wasm.context("--wasm")?);
    let module = if wasm.extension().is_some_and(|e| e == "cwasm") {
        // SAFETY: the runner wrote this file with `Engine::precompile_module` moments ago.
        unsafe { Module::deserialize_file(&engine, &wasm) }
            .map_err(|e| anyhow::Error::from(e).context(format!("loading {}", wasm.display())))?
    } else {
        let bytes = std::fs::read(&wasm)?;
        wasi_host::compile_module(&engine, &bytes)
            .map_err(|e| anyhow::Error::from(e).context(format!("compiling {}", wasm.display())))?
    };
    let dir = std::path::PathBuf::from(dir.context("--dir")?);
    let guest_dir = guest_dir.context("--guest-dir")?;
    let inv = Invocation {
        args: &guest_args,
        env: &env,
        dir: &dir,
        guest_dir: &guest_dir,
        stdout: std::io::stdout().as_fd().try_clone_to_owned()?.into(),
        stderr: std::io::stderr().as_fd().try_clone_to_owned()?.into(),
    };
    let outcome = match peer.as_str() {
        "wasi-host" => Guest::from_module(&engine, &module, &wasm)?.run_wasi_host(inv)?,
        "wasmtime-wasi" => run_wasmtime_wasi(&module, inv)?,
        other => anyhow::bail!("unknown peer {other}"),
    };
    std::fs::write(
        report.context("--report")?,
        format!(
            "{} {} {}",
            outcome.status as u32,
            outcome.allocations,
            outcome.wall.as_nanos()
        ),
    )?;
    Ok(())
}
