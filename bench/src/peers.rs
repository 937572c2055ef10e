//! Running one guest program under each peer: wasi-host and wasmtime-wasi's preview1 in-process
//! (same engine, module compiled once), and the native build as a child process.

use std::fs::File;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use wasmtime::{Engine, InstancePre, Linker, Module, Store};

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
    /// Instantiation and run.
    pub wall: Duration,
}

/// One module, ready to instantiate under either in-process peer.
pub struct Guest {
    wasi_host: InstancePre<wasi_host::WasiCtx>,
    wasmtime_wasi: InstancePre<wasmtime_wasi::p1::WasiP1Ctx>,
}

impl Guest {
    pub fn load(engine: &Engine, wasm: &Path) -> Result<Guest> {
        let module = Module::from_file(engine, wasm)
            .map_err(|e| anyhow::Error::from(e).context(format!("compiling {}", wasm.display())))?;
        let mut linker = Linker::new(engine);
        wasi_host::add_to_linker(&mut linker, |ctx| ctx)?;
        let wasi_host = linker.instantiate_pre(&module)?;
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |ctx| ctx)?;
        let wasmtime_wasi = linker.instantiate_pre(&module)?;
        Ok(Guest {
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

    /// Builds wasmtime-wasi's preview1 context for `inv`.
    pub fn wasmtime_wasi_ctx(inv: Invocation<'_>) -> Result<wasmtime_wasi::p1::WasiP1Ctx> {
        use wasmtime_wasi::cli::OutputFile;
        let mut b = wasmtime_wasi::WasiCtxBuilder::new();
        b.args(inv.args)
            .envs(inv.env)
            .stdout(OutputFile::new(inv.stdout))
            .stderr(OutputFile::new(inv.stderr))
            .preopened_dir(inv.dir, inv.guest_dir, wasmtime_wasi::FsPerms::ReadWrite)?;
        Ok(b.build_p1())
    }

    /// Instantiates under wasi-host without running: an idle instance.
    pub fn idle_wasi_host(&self, inv: Invocation<'_>) -> Result<Store<wasi_host::WasiCtx>> {
        let mut store = Store::new(self.wasi_host.module().engine(), Self::wasi_host_ctx(inv)?);
        self.wasi_host.instantiate(&mut store)?;
        Ok(store)
    }

    /// Instantiates under wasmtime-wasi without running: an idle instance.
    pub fn idle_wasmtime_wasi(
        &self,
        inv: Invocation<'_>,
    ) -> Result<Store<wasmtime_wasi::p1::WasiP1Ctx>> {
        let engine = self.wasmtime_wasi.module().engine();
        let mut store = Store::new(engine, Self::wasmtime_wasi_ctx(inv)?);
        self.wasmtime_wasi.instantiate(&mut store)?;
        Ok(store)
    }

    pub fn run_wasi_host(&self, inv: Invocation<'_>) -> Result<Outcome> {
        let start = Instant::now();
        let mut store = Store::new(self.wasi_host.module().engine(), Self::wasi_host_ctx(inv)?);
        let instance = self.wasi_host.instantiate(&mut store)?;
        let entry = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        let before = alloc::allocations();
        let result = entry.call(&mut store, ());
        let allocations = alloc::allocations() - before;
        let status = match result {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<wasi_host::Exit>() {
                Some(exit) => exit.0 as i32,
                None => return Err(anyhow::Error::from(e).context("guest trapped under wasi-host")),
            },
        };
        Ok(Outcome {
            status,
            allocations,
            wall: start.elapsed(),
        })
    }

    pub fn run_wasmtime_wasi(&self, inv: Invocation<'_>) -> Result<Outcome> {
        let start = Instant::now();
        let engine = self.wasmtime_wasi.module().engine();
        let mut store = Store::new(engine, Self::wasmtime_wasi_ctx(inv)?);
        let instance = self.wasmtime_wasi.instantiate(&mut store)?;
        let entry = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        let before = alloc::allocations();
        let result = entry.call(&mut store, ());
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
        })
    }
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
    Ok(Outcome {
        status: status.code().unwrap_or(-1),
        allocations: 0,
        wall: start.elapsed(),
    })
}
