//! `wasi-host run`: engine settings, resource limits, running `_start` or `--invoke`, and
//! turning the outcome into an exit status.

use std::fs::File;
use std::net::TcpListener;
use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::time::Duration;

use wasmtime::{
    Config, Engine, ExternType, Func, Linker, Module, ResourceLimiter, Store, Strategy, Trap, Val,
    ValType, WasmBacktrace,
};

use super::load::{self, Program, Shape};
use super::options::{Compiler, OptLevel, Settings};
use super::{Profile, RunArgs, SetupError, chain};
use crate::layers::{Traced, Tracer};
use crate::preview1::WasiSnapshotPreview1;
use crate::threads::WasiThreads;
use crate::wasix::Wasix32v1;
use crate::wasmedge::WasmedgeSockets;
use crate::{Exit, WasiCtx, WasiCtxBuilder};

/// A trap: what a native process killed by `abort()` reports (128 + SIGABRT).
pub const TRAP: u8 = 134;
/// `-W timeout` ran out: the status `timeout(1)` uses.
pub const TIMED_OUT: u8 = 124;
/// `-W fuel` ran out: 128 + SIGXCPU, what a process past its CPU-time limit dies of.
pub const OUT_OF_FUEL: u8 = 152;
/// The wasm stack (`-W max-wasm-stack`) overflowed: 128 + SIGSEGV, what a native stack
/// overflow ends with.
pub const STACK_OVERFLOW: u8 = 139;

/// wasmtime's default `max_wasm_stack`, for messages.
const DEFAULT_WASM_STACK: usize = 512 << 10;

/// The store's data: the WASI host (a context, or a traced one) and the limits the store
/// enforces.
struct Host<W> {
    wasi: W,
    limits: Limits,
}

/// `-W max-memory-size`, checked whenever a linear memory is created or grows.
struct Limits {
    max_memory: u64,
}

impl ResourceLimiter for Limits {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // `false` makes `memory.grow` return -1 to the guest, as running out of memory does.
        Ok(desired as u64 <= self.max_memory)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        _desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(true)
    }
}

/// The engine configuration for these settings; `run` and `compile` share it, so a module
/// precompiled with the same `-C`, `-O` and `-W` options loads.
pub fn engine_config(settings: &Settings, profile: Option<Profile>) -> Result<Config, SetupError> {
    let mut config = Config::new();
    // Traps print where they happened; WASMTIME_BACKTRACE_DETAILS=1 adds file and line from
    // the module's debug info (wasmtime's default reads that variable).
    config.wasm_backtrace_max_frames(NonZeroUsize::new(20));
    config.strategy(match settings.compiler {
        Compiler::Cranelift => Strategy::Cranelift,
        Compiler::Winch => Strategy::Winch,
    });
    if let Some(level) = settings.opt_level {
        config.cranelift_opt_level(match level {
            OptLevel::None => wasmtime::OptLevel::None,
            OptLevel::Speed => wasmtime::OptLevel::Speed,
            OptLevel::SpeedAndSize => wasmtime::OptLevel::SpeedAndSize,
        });
    }
    if let Some(stack) = settings.max_wasm_stack {
        check_native_stack(stack)?;
        config.max_wasm_stack(stack);
    }
    // Fuel and epochs add checks to the generated code: only when asked for.
    if settings.fuel.is_some() {
        config.consume_fuel(true);
    }
    if settings.timeout.is_some() {
        config.epoch_interruption(true);
    }
    // Threads need the proposal, shared memory and epochs (to stop running threads when the
    // program ends); a single-threaded run is compiled without epoch checks.
    if settings.threads == Some(true) {
        crate::program::configure(&mut config);
    }
    if let Some(profile) = profile {
        config.profiler(match profile {
            Profile::Perfmap => wasmtime::ProfilingStrategy::PerfMap,
            Profile::Jitdump => wasmtime::ProfilingStrategy::JitDump,
        });
    }
    Ok(config)
}

/// The wasm stack lives on the main thread's stack: it must fit there, with room for the host.
fn check_native_stack(stack: usize) -> Result<(), SetupError> {
    const HOST_ROOM: u64 = 1 << 20;
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for the call to fill.
    if unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) } != 0
        || limit.rlim_cur == libc::RLIM_INFINITY
    {
        return Ok(());
    }
    let room = limit.rlim_cur.saturating_sub(HOST_ROOM);
    if stack as u64 > room {
        return Err(SetupError::Other(format!(
            "-W max-wasm-stack={stack} does not fit in the process's stack of {} bytes \
             (`ulimit -s`) with 1 MiB left for the host; at most {room}",
            limit.rlim_cur
        )));
    }
    Ok(())
}

/// Runs the program of `run`; the exit status is the guest's.
pub fn run(run: &RunArgs, settings: &Settings) -> Result<ExitCode, SetupError> {
    let program = run.program();
    let input = load::read_program(program)?;
    let mut config = engine_config(settings, run.profile)?;
    // A wasi-threads module (a compiled one says so only once loaded: it needs `-W threads`
    // at compile and run time).
    let threaded = match &input {
        Program::Wasm(bytes) => load::shape(program, bytes)?
            .imports
            .iter()
            .any(|(module, name)| crate::program::spawns_threads(module, name)),
        Program::Precompiled(_) => false,
    };
    if threaded {
        if settings.threads == Some(false) {
            return Err(SetupError::Other(format!(
                "`{program}` is a threaded program (it imports `wasi.thread-spawn` or WASIX's \
                 `thread_spawn_v2`), which -S threads=n refuses"
            )));
        }
        crate::program::configure(&mut config);
    }
    let engine = Engine::new(&config).map_err(|e| SetupError::Engine(chain(&e)))?;
    let invoke = run.invoke.as_deref();

    let (engine, module) = match input {
        Program::Precompiled(file) => {
            if !run.allow_precompiled {
                return Err(SetupError::PrecompiledRefused(program.to_string()));
            }
            let (engine, module) = precompiled(program, &file, engine, settings, run)?;
            check(program, &shape_of(&module), invoke)?;
            (engine, module)
        }
        Program::Wasm(bytes) => {
            check(program, &load::shape(program, &bytes)?, invoke)?;
            let cache = settings
                .cache
                .then(|| load::cache_dir(settings.cache_dir.as_deref()))
                .flatten();
            let module = load::compile(&engine, &bytes, program, cache.as_ref())?;
            (engine, module)
        }
    };

    let (ctx, mount) = build_ctx(run, settings)?;
    if threaded || crate::program::is_threaded(&module) {
        if settings.threads == Some(false) {
            return Err(SetupError::Other(format!(
                "`{program}` is a threaded program (it imports `wasi.thread-spawn` or WASIX's \
                 `thread_spawn_v2`), which -S threads=n refuses"
            )));
        }
        if mount.is_some() || run.trace.is_some() {
            return Err(SetupError::Other(format!(
                "`{program}` is a wasi-threads program: --trace and --mem-dir serve \
                 single-threaded programs only"
            )));
        }
        return run_threaded(run, settings, &engine, &module, ctx);
    }
    match mount {
        None => traced_or_not(run, settings, &engine, &module, ctx),
        Some(mount) => {
            let tree = match run.mem_dir.as_deref().and_then(|s| s.split_once("::")) {
                Some((host, _)) => crate::layers::MemTree::load(host.as_ref()).map_err(|e| {
                    SetupError::Other(format!("cannot load --mem-dir from `{host}`: {e}"))
                })?,
                None => crate::layers::MemTree::new(),
            };
            let host = crate::layers::MemFs::new(ctx, mount, tree)
                .map_err(|e| SetupError::Other(format!("cannot mount --mem-dir: {e}")))?;
            traced_or_not(run, settings, &engine, &module, host)
        }
    }
}

/// Runs `wasi` as it is, or traced (`--trace`).
fn traced_or_not<W>(
    run: &RunArgs,
    settings: &Settings,
    engine: &Engine,
    module: &Module,
    ctx: W,
) -> Result<ExitCode, SetupError>
where
    W: WasiSnapshotPreview1 + WasmedgeSockets + Wasix32v1 + WasiThreads + Send + 'static,
{
    match run.trace.as_deref() {
        None => execute(run, settings, engine, module, ctx),
        Some(target) => {
            let tracer = if target == "-" {
                Tracer::to_writer(std::io::stderr())
            } else {
                let file = std::fs::File::create(target).map_err(|e| {
                    SetupError::Other(format!("cannot create the trace file `{target}`: {e}"))
                })?;
                Tracer::to_writer(std::io::BufWriter::new(file))
            };
            execute(
                run,
                settings,
                engine,
                module,
                Traced::new(ctx, tracer.with_events(true)),
            )
        }
    }
}

/// Runs `module` served by `wasi`: a [`WasiCtx`], or a traced one (each compiled apart, so
/// the untraced run is exactly what it was).
fn execute<W>(
    run: &RunArgs,
    settings: &Settings,
    engine: &Engine,
    module: &Module,
    wasi: W,
) -> Result<ExitCode, SetupError>
where
    W: WasiSnapshotPreview1 + WasmedgeSockets + Wasix32v1 + WasiThreads + Send + 'static,
{
    let program = run.program();
    let invoke = run.invoke.as_deref();
    // Only the WASI functions are offered, each bound to the instance by
    // `crate::instantiate`; the linker itself stays empty.
    let linker = Linker::new(engine);
    let ctx = wasi;
    let limits = Limits {
        max_memory: settings.max_memory_size.unwrap_or(u64::MAX),
    };
    let mut store = Store::new(engine, Host { wasi: ctx, limits });
    if settings.max_memory_size.is_some() {
        store.limiter(|host| &mut host.limits);
    }
    if let Some(fuel) = settings.fuel {
        store
            .set_fuel(fuel)
            .map_err(|e| SetupError::Engine(chain(&e)))?;
    }
    if let Some(timeout) = settings.timeout {
        store.set_epoch_deadline(1);
        start_timer(engine, timeout)?;
    } else if settings.threads == Some(true) {
        // `-W threads=y` compiled epoch checks in; the epoch never moves without a timeout.
        store.set_epoch_deadline(1);
    }

    let instance = match crate::instantiate(&mut store, &linker, module, |host: &mut Host<W>| {
        &mut host.wasi
    }) {
        Ok(instance) => instance,
        // A start function that exits or traps ran guest code: report it as a run would.
        Err(e) if is_guest_outcome(&e) => return Ok(guest_failed(&e, settings)),
        Err(e) => {
            let why = chain(&e);
            return Err(match settings.max_memory_size {
                Some(max) if why.contains("memory") => SetupError::Other(format!(
                    "cannot instantiate `{program}` within -W max-memory-size={max}: {why}"
                )),
                _ => SetupError::Other(format!("cannot instantiate `{program}`: {why}")),
            });
        }
    };

    let Some(name) = invoke else {
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .map_err(|e| SetupError::Engine(chain(&e)))?;
        return Ok(match start.call(&mut store, ()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => guest_failed(&e, settings),
        });
    };

    // A reactor sets itself up in `_initialize` before any other export is called.
    if let Some(init) = instance.get_func(&mut store, "_initialize")
        && let Err(e) = init.call(&mut store, &[], &mut [])
    {
        return Ok(guest_failed(&e, settings));
    }
    let func = instance
        .get_func(&mut store, name)
        .ok_or_else(|| SetupError::Other(format!("`{program}` has no function export `{name}`")))?;
    let params = invoke_params(&store, func, name, run.guest_args())?;
    let mut results = vec![Val::I32(0); func.ty(&store).results().len()];
    match func.call(&mut store, &params, &mut results) {
        Ok(()) => {
            for value in &results {
                println!("{}", show(value));
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Ok(guest_failed(&e, settings)),
    }
}

/// Loads a precompiled module. A threaded program is compiled with what threads need (shared
/// memory, epoch checks: `wasi-host compile` sees its imports), which an engine must match, and
/// which cannot be known before loading: a module the run's engine refuses is tried again on
/// one configured for threads, and kept there if it is a threaded program (which `-S threads=n`
/// then refuses by name). Otherwise the first refusal is the error.
fn precompiled(
    program: &str,
    file: &File,
    engine: Engine,
    settings: &Settings,
    run: &RunArgs,
) -> Result<(Engine, Module), SetupError> {
    let load = |engine: &Engine| -> wasmtime::Result<Module> {
        let file = file.try_clone()?;
        // SAFETY: the user vouched for this file with `--allow-precompiled`; wasmtime still
        // checks its header and that it was compiled for this engine's settings. The file is
        // mapped copy-on-write: it must not change while the program runs, which the user
        // takes on with the same flag (`docs/cli.md`).
        unsafe { Module::deserialize_open_file(engine, file) }
    };
    let refused = match load(&engine) {
        Ok(module) => return Ok((engine, module)),
        Err(e) => SetupError::Invalid {
            path: program.to_string(),
            why: chain(&e),
        },
    };
    if settings.threads == Some(true) {
        // The engine was configured for threads already.
        return Err(refused);
    }
    let mut config = engine_config(settings, run.profile)?;
    crate::program::configure(&mut config);
    let threaded = Engine::new(&config).map_err(|e| SetupError::Engine(chain(&e)))?;
    match load(&threaded) {
        Ok(module) if crate::program::is_threaded(&module) => Ok((threaded, module)),
        _ => Err(refused),
    }
}

/// Runs a wasi-threads program: every thread gets a store set up as a single-threaded run's.
fn run_threaded(
    run: &RunArgs,
    settings: &Settings,
    engine: &Engine,
    module: &Module,
    ctx: WasiCtx,
) -> Result<ExitCode, SetupError> {
    let program = run.program();
    // Only the WASI functions are offered, each bound to its thread's instance.
    let linker: Linker<Host<WasiCtx>> = Linker::new(engine);
    if run.invoke.is_some() {
        return Err(SetupError::Other(format!(
            "`{program}` is a wasi-threads program: --invoke runs single-threaded modules only"
        )));
    }
    let max_memory = settings.max_memory_size;
    let fuel = settings.fuel;
    let options = crate::program::ProgramOptions {
        max_threads: run.max_threads,
        // The wasm stack, and a megabyte for the host, on each thread.
        thread_stack: crate::program::DEFAULT_THREAD_STACK
            .max(settings.max_wasm_stack.unwrap_or(0).saturating_add(1 << 20)),
        max_memory_size: max_memory,
    };
    let threads = crate::program::Program::new(
        engine,
        &linker,
        module,
        options,
        move |wasi| Host {
            wasi,
            limits: Limits {
                max_memory: max_memory.unwrap_or(u64::MAX),
            },
        },
        |host: &mut Host<WasiCtx>| &mut host.wasi,
    )
    .map_err(|e| SetupError::Other(format!("cannot run `{program}`: {}", chain(&e))))?
    .setup_stores(move |store| {
        if max_memory.is_some() {
            store.limiter(|host| &mut host.limits);
        }
        if let Some(fuel) = fuel {
            store.set_fuel(fuel)?;
        }
        Ok(())
    });
    if let Some(timeout) = settings.timeout {
        start_timer(engine, timeout)?;
    }
    Ok(match threads.run(ctx) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => guest_failed(&e, settings),
    })
}

/// The checks that need no compiled code: a `_start` of the right type (unless `--invoke`)
/// and imports the host provides.
fn check(program: &str, shape: &Shape, invoke: Option<&str>) -> Result<(), SetupError> {
    match (shape.start, invoke) {
        (_, Some(_)) | (Some(true), None) => {}
        (Some(false), None) => {
            return Err(SetupError::Other(format!(
                "`{program}` exports `_start`, but not as a function without parameters and \
                 results"
            )));
        }
        (None, None) => {
            return Err(SetupError::Other(format!(
                "`{program}` has no `_start` export: it is not a WASI command (a reactor or \
                 library can be called with `--invoke NAME`)"
            )));
        }
    }
    // The generated list of what the host offers; a signature mismatch is reported when
    // instantiating.
    let threaded = shape
        .imports
        .iter()
        .any(|(module, name)| crate::program::spawns_threads(module, name));
    for (module, name) in &shape.imports {
        // A threaded program's memory is made from its import (`crate::program`).
        if threaded
            && shape
                .memory_imports
                .contains(&(module.clone(), name.clone()))
        {
            continue;
        }
        let offered = crate::IMPORTS
            .iter()
            .flat_map(|specs| specs.iter())
            .any(|spec| spec.module == module && spec.name == name);
        if !offered {
            return Err(SetupError::Other(format!(
                "`{program}` imports `{module}::{name}`, which wasi-host does not provide \
                 (it provides the functions of `wasi_snapshot_preview1`, the WasmEdge socket \
                 extension and wasi-threads)"
            )));
        }
    }
    Ok(())
}

/// The [`Shape`] of an already compiled module.
fn shape_of(module: &Module) -> Shape {
    let start = module.get_export("_start").map(|ty| match ty {
        ExternType::Func(f) => f.params().len() == 0 && f.results().len() == 0,
        _ => false,
    });
    Shape {
        imports: module
            .imports()
            .map(|i| (i.module().to_string(), i.name().to_string()))
            .collect(),
        memory_imports: module
            .imports()
            .filter(|i| matches!(i.ty(), ExternType::Memory(_)))
            .map(|i| (i.module().to_string(), i.name().to_string()))
            .collect(),
        start,
    }
}

/// Ends the guest's time after `timeout`: a thread that sleeps, then moves the engine's epoch
/// past the store's deadline. Only started with `-W timeout` (it makes the process
/// multi-threaded).
fn start_timer(engine: &Engine, timeout: Duration) -> Result<(), SetupError> {
    let engine = engine.clone();
    std::thread::Builder::new()
        .name("wasi-host-timeout".into())
        .spawn(move || {
            std::thread::sleep(timeout);
            engine.increment_epoch();
        })
        .map(drop)
        .map_err(|e| SetupError::Other(format!("cannot start the -W timeout timer: {e}")))
}

/// The `--invoke` arguments, parsed as the function's parameter types.
fn invoke_params<W: 'static>(
    store: &Store<Host<W>>,
    func: Func,
    name: &str,
    args: &[String],
) -> Result<Vec<Val>, SetupError> {
    let ty = func.ty(store);
    if ty.params().len() != args.len() {
        return Err(SetupError::Other(format!(
            "`{name}` takes {} argument(s), {} given",
            ty.params().len(),
            args.len()
        )));
    }
    ty.params()
        .zip(args)
        .map(|(ty, arg)| {
            let bad = |what: &str| {
                SetupError::Other(format!("argument `{arg}` of `{name}` is not {what}"))
            };
            Ok(match ty {
                ValType::I32 => Val::I32(
                    arg.parse::<i32>()
                        .or_else(|_| arg.parse::<u32>().map(|u| u as i32))
                        .map_err(|_| bad("an i32"))?,
                ),
                ValType::I64 => Val::I64(
                    arg.parse::<i64>()
                        .or_else(|_| arg.parse::<u64>().map(|u| u as i64))
                        .map_err(|_| bad("an i64"))?,
                ),
                ValType::F32 => Val::F32(arg.parse::<f32>().map_err(|_| bad("an f32"))?.to_bits()),
                ValType::F64 => Val::F64(arg.parse::<f64>().map_err(|_| bad("an f64"))?.to_bits()),
                other => {
                    return Err(SetupError::Other(format!(
                        "`{name}` takes a parameter of type {other}, which --invoke cannot pass"
                    )));
                }
            })
        })
        .collect()
}

/// A result as `--invoke` prints it.
fn show(value: &Val) -> String {
    match value {
        Val::I32(v) => v.to_string(),
        Val::I64(v) => v.to_string(),
        Val::F32(bits) => f32::from_bits(*bits).to_string(),
        Val::F64(bits) => f64::from_bits(*bits).to_string(),
        Val::V128(v) => format!("{:#034x}", v.as_u128()),
        Val::FuncRef(None) | Val::ExternRef(None) | Val::AnyRef(None) | Val::ExnRef(None) => {
            "null".into()
        }
        Val::FuncRef(Some(_)) => "<funcref>".into(),
        _ => "<ref>".into(),
    }
}

/// The context, and the placeholder of `--mem-dir` (preopened after the `--dir` ones).
fn build_ctx(
    run: &RunArgs,
    settings: &Settings,
) -> Result<(WasiCtx, Option<crate::layers::MountPoint>), SetupError> {
    let mut b = WasiCtxBuilder::new();
    b.arg(run.argv0.as_deref().unwrap_or(run.program()))
        .args(run.guest_args().iter().cloned());
    if settings.inherit_env {
        b.inherit_env();
    }
    for (name, value) in &run.env {
        match value {
            Some(value) => b.env(name, value),
            None => b.inherit_env_var(name),
        };
    }
    for dir in &run.dirs {
        if dir.read_only {
            b.preopen_dir_read_only(&dir.host, dir.guest.as_str());
        } else {
            b.preopen_dir(&dir.host, dir.guest.as_str());
        }
    }
    for addr in &settings.tcplisten {
        let listener = TcpListener::bind(addr.as_str()).map_err(|e| {
            SetupError::Other(format!("cannot listen on `{addr}` (-S tcplisten): {e}"))
        })?;
        b.tcp_listener(listener);
    }
    b.inherit_network(settings.inherit_network);
    b.allow_ip_name_lookup(settings.allow_ip_name_lookup);
    for rule in &run.allow_bind {
        b.allow_bind(rule.clone());
    }
    for rule in &run.allow_connect {
        b.allow_connect(rule.clone());
    }
    b.fd_limit(run.fd_limit);
    if let Some(seed) = run.deterministic {
        crate::layers::deterministic::apply(&mut b, seed);
    }
    let mount = match &run.mem_dir {
        Some(spec) => Some(
            crate::layers::MountPoint::add(&mut b, spec.split_once("::").map_or(spec, |s| s.1))
                .map_err(|e| SetupError::Other(format!("cannot mount --mem-dir: {e}")))?,
        ),
        None => None,
    };
    let ctx = b.build().map_err(|e| SetupError::Other(e.to_string()))?;
    Ok((ctx, mount))
}

/// Whether an instantiation error came from running guest code (an exit or a trap) rather
/// than from linking.
fn is_guest_outcome(e: &wasmtime::Error) -> bool {
    e.downcast_ref::<Exit>().is_some()
        || e.downcast_ref::<Trap>().is_some()
        || e.downcast_ref::<WasmBacktrace>().is_some()
}

/// The exit status for a guest that did not finish: its `proc_exit` status, a limit it hit
/// (one line naming it), or a trap printed with its wasm backtrace.
fn guest_failed(e: &wasmtime::Error, settings: &Settings) -> ExitCode {
    if let Some(&Exit(code)) = e.downcast_ref::<Exit>() {
        return match u8::try_from(code) {
            Ok(code) => ExitCode::from(code),
            // A Unix status keeps only the low 8 bits: 256 would read as success. Treat an
            // unrepresentable status as the abnormal end it is, as wasmtime does.
            Err(_) => {
                eprintln!("error: the guest exited with status {code}, which is above 255");
                ExitCode::from(TRAP)
            }
        };
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => {
            eprintln!(
                "error: the guest used up its fuel (-W fuel={})",
                settings.fuel.unwrap_or_default()
            );
            return ExitCode::from(OUT_OF_FUEL);
        }
        Some(Trap::Interrupt) => {
            eprintln!(
                "error: the guest ran past its time limit (-W timeout={:?})",
                settings.timeout.unwrap_or_default()
            );
            return ExitCode::from(TIMED_OUT);
        }
        Some(Trap::StackOverflow) => {
            let stack = settings.max_wasm_stack.unwrap_or(DEFAULT_WASM_STACK);
            eprintln!("error: the guest overflowed its wasm stack (-W max-wasm-stack={stack})");
            return ExitCode::from(STACK_OVERFLOW);
        }
        _ => {}
    }
    eprintln!("error: {}", chain(e));
    if let Some(trace) = e.downcast_ref::<WasmBacktrace>() {
        // Frames only: wasmtime's own heading line is replaced by a shorter one.
        let text = trace.to_string();
        let mut lines = text.lines();
        lines.next();
        eprintln!("wasm backtrace:");
        for line in lines {
            eprintln!("{line}");
        }
    }
    ExitCode::from(TRAP)
}
