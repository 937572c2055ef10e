//! Running a WASI command to its end, threaded (wasi-threads) or not.
//!
//! A module that imports `wasi` `thread-spawn` runs as a threaded program: one wasmtime
//! `Store` and instance per thread, all importing one `SharedMemory` made from the module's
//! own memory import, and one WASI state shared by every thread's [`WasiCtx`]
//! (`docs/threads.md`). [`Program::run`] returns when the program ends: `_start` returns, any
//! thread calls `proc_exit` or any thread traps; the first of these decides the outcome and
//! the other threads are stopped (running wasm is interrupted through the engine's epoch).
//!
//! ```no_run
//! # fn main() -> wasmtime::Result<()> {
//! use wasi_host::program::{self, Program, ProgramOptions};
//! let mut config = wasmtime::Config::new();
//! program::configure(&mut config);
//! let engine = wasmtime::Engine::new(&config)?;
//! let module = wasmtime::Module::from_file(&engine, "threads.wasm")?;
//! let linker = wasmtime::Linker::new(&engine);
//! let program = Program::new(&engine, &linker, &module, ProgramOptions::default(),
//!     |ctx| ctx, |ctx| ctx)?;
//! match program.run(wasi_host::WasiCtx::builder().arg("threads").build()?) {
//!     Ok(()) => println!("_start returned"),
//!     Err(e) => match e.downcast_ref::<wasi_host::Exit>() {
//!         Some(wasi_host::Exit(status)) => println!("exit status {status}"),
//!         None => println!("trap: {e:?}"),
//!     },
//! }
//! # Ok(())
//! # }
//! ```

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering::SeqCst};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use wasmtime::{
    Config, Engine, ExternType, Instance, Linker, MemoryType, Module, SharedMemory, Store,
};

use crate::ctx::threads::ending;
use crate::host::threads::{MAIN_TID, SPAWN_FAILED, Spawn, Threads};
use crate::{ThreadExit, WasiCtx};

/// How many threads a program may have running besides its main thread, by default.
pub const DEFAULT_MAX_THREADS: u32 = 256;

/// The native stack of each thread a program runs on, by default (wasmtime's default wasm
/// stack of 512 KiB fits many times over, with room for the host).
pub const DEFAULT_THREAD_STACK: usize = 8 << 20;

/// The largest thread id wasi-threads allows (the top bits of an id are reserved).
const MAX_TID: u32 = 0x1FFF_FFFF;

/// Limits of a threaded program.
#[derive(Debug, Clone, Copy)]
pub struct ProgramOptions {
    /// The most threads running at once besides the main thread; `thread-spawn` returns a
    /// negative value (`-EAGAIN`) beyond it. Default [`DEFAULT_MAX_THREADS`].
    pub max_threads: u32,
    /// The native stack size of every thread the program runs on (its main thread too),
    /// which must hold the engine's `max_wasm_stack` and the host's frames. Default
    /// [`DEFAULT_THREAD_STACK`].
    pub thread_stack: usize,
    /// The most bytes the shared memory may grow to, below the module's own maximum (a store's
    /// `ResourceLimiter` does not see a shared memory, which belongs to no store). `None`:
    /// the module's maximum.
    pub max_memory_size: Option<u64>,
}

impl Default for ProgramOptions {
    fn default() -> Self {
        ProgramOptions {
            max_threads: DEFAULT_MAX_THREADS,
            thread_stack: DEFAULT_THREAD_STACK,
            max_memory_size: None,
        }
    }
}

/// Enables what threaded programs need in an engine: the threads proposal, shared memory, and
/// epoch interruption (so that running threads stop when the program ends). [`Program`] sets
/// the epoch deadline of its stores; a store of this engine used otherwise needs
/// `store.set_epoch_deadline(1)` (the epoch only moves when a program ends), or its first
/// call is interrupted at once.
pub fn configure(config: &mut Config) -> &mut Config {
    config
        .wasm_threads(true)
        .shared_memory(true)
        .epoch_interruption(true)
}

/// Whether `module` is a threaded program: it imports wasi-threads' `wasi` `thread-spawn` or
/// WASIX's `wasix_32v1` `thread_spawn_v2`.
pub fn is_threaded(module: &Module) -> bool {
    module
        .imports()
        .any(|i| spawns_threads(i.module(), i.name()))
}

/// Whether importing `module`.`name` makes a module threaded: wasi-threads' `thread-spawn` or
/// WASIX's `thread_spawn_v2`.
pub fn spawns_threads(module: &str, name: &str) -> bool {
    (module == "wasi" && name == "thread-spawn")
        || (module == "wasix_32v1" && name == "thread_spawn_v2")
}

/// A WASI command ready to run once, threaded or not (see the module documentation).
pub struct Program<T: 'static> {
    shared: Arc<Shared<T>>,
}

/// What is done to each thread's store before its instance is made.
type StoreSetup<T> = Box<dyn Fn(&mut Store<T>) -> wasmtime::Result<()> + Send + Sync>;

/// What every thread of a program shares.
struct Shared<T: 'static> {
    engine: Engine,
    module: Module,
    linker: Linker<T>,
    /// The module's memory import and the one memory that serves it, for a threaded program.
    memory: Option<(String, String, SharedMemory)>,
    make: Box<dyn Fn(WasiCtx) -> T + Send + Sync>,
    get: fn(&mut T) -> &mut WasiCtx,
    setup: StoreSetup<T>,
    options: ProgramOptions,
    /// Which threads still run.
    status: Arc<Status>,
    next_tid: AtomicU32,
    /// Set once the outcome is decided.
    ended: AtomicBool,
    outcome: Mutex<Option<wasmtime::Result<()>>>,
    decided: Condvar,
    /// A pipe written once when the program ends: its read end wakes waiting host calls.
    ending: (Arc<OwnedFd>, OwnedFd),
}

/// Which threads of a program still run (also once [`Program::run`] has returned).
#[derive(Default)]
struct Status {
    /// Threads started by `thread-spawn` and not yet finished.
    live: AtomicU32,
    /// Whether the main thread of a threaded program still runs.
    main: AtomicBool,
    /// Notified (under `lock`) whenever a thread finishes.
    lock: Mutex<()>,
    finished: Condvar,
}

impl Status {
    fn running(&self) -> u32 {
        self.live.load(SeqCst) + u32::from(self.main.load(SeqCst))
    }

    /// One spawned thread fewer (finished, or never started).
    fn thread_gone(&self) {
        self.live.fetch_sub(1, SeqCst);
        self.finished();
    }

    /// Called by a thread that finished (after its count changed).
    fn finished(&self) {
        let _guard = lock(&self.lock);
        self.finished.notify_all();
    }
}

/// Watches the threads of a [`Program`], also after [`Program::run`] returned: that returns
/// as soon as the outcome is known, while the other threads are still being stopped (see
/// [`Program::run`]). An embedder that wants every thread gone (their stores dropped, their
/// descriptors' last uses ended) waits here.
#[derive(Clone)]
pub struct ProgramThreads(Arc<Status>);

impl ProgramThreads {
    /// How many of the program's threads (its main thread included) still run.
    pub fn running(&self) -> u32 {
        self.0.running()
    }

    /// Waits until no thread of the program runs, or `timeout` passes; whether none runs.
    pub fn wait_stopped(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut guard = lock(&self.0.lock);
        while self.0.running() != 0 {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            guard = self
                .0
                .finished
                .wait_timeout(guard, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}

fn lock<V>(m: &Mutex<V>) -> MutexGuard<'_, V> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<T: Send + 'static> Program<T> {
    /// Prepares `module` to run with the imports of [`crate::instantiate`] (and
    /// `thread-spawn`), its other imports taken from `linker`. Each thread's store data is
    /// made by `make` from that thread's [`WasiCtx`], which `get` finds again.
    ///
    /// A threaded module must import its memory as shared (build for
    /// `wasm32-wasip1-threads`) and export `wasi_thread_start`; otherwise this is an error
    /// naming what is wrong. The engine should be set up with [`configure`].
    pub fn new(
        engine: &Engine,
        linker: &Linker<T>,
        module: &Module,
        options: ProgramOptions,
        make: impl Fn(WasiCtx) -> T + Send + Sync + 'static,
        get: fn(&mut T) -> &mut WasiCtx,
    ) -> wasmtime::Result<Self> {
        let (read, write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)
            .map_err(|e| wasmtime::Error::msg(format!("cannot make the program's pipe: {e}")))?;
        let memory = if is_threaded(module) {
            Some(shared_memory(engine, module, options.max_memory_size)?)
        } else {
            None
        };
        Ok(Program {
            shared: Arc::new(Shared {
                engine: engine.clone(),
                module: module.clone(),
                linker: linker.clone(),
                memory,
                make: Box::new(make),
                get,
                setup: Box::new(|_| Ok(())),
                options,
                status: Arc::default(),
                // 1 is the main thread's (WASIX's `thread_id`).
                next_tid: AtomicU32::new(MAIN_TID + 1),
                ended: AtomicBool::new(false),
                outcome: Mutex::new(None),
                decided: Condvar::new(),
                ending: (Arc::new(read), write),
            }),
        })
    }

    /// Runs `setup` on every thread's store before its instance is made (a resource
    /// limiter, fuel, an epoch deadline of its own).
    pub fn setup_stores(
        mut self,
        setup: impl Fn(&mut Store<T>) -> wasmtime::Result<()> + Send + Sync + 'static,
    ) -> Self {
        if let Some(shared) = Arc::get_mut(&mut self.shared) {
            shared.setup = Box::new(setup);
        }
        self
    }

    /// Whether the program runs threaded.
    pub fn is_threaded(&self) -> bool {
        self.shared.memory.is_some()
    }

    /// A watch on the program's threads, which outlives [`run`](Self::run).
    pub fn threads(&self) -> ProgramThreads {
        ProgramThreads(Arc::clone(&self.shared.status))
    }

    /// Runs `_start` with `ctx` as the program's WASI state, until the program ends.
    ///
    /// `Ok(())` when `_start` returned; an error holding [`crate::Exit`] when a thread
    /// called `proc_exit`; otherwise the trap (or instantiation error) that ended it. A
    /// threaded program's main thread runs on a thread of its own; this returns as soon as
    /// the outcome is known, without waiting for the other threads. Those are stopped in the
    /// background: interrupted where they run wasm, woken where they wait in a host call
    /// (`poll_oneoff`, a read, a receive, an accept, a futex) and where they are parked in the
    /// guest's own `memory.atomic.wait` (`docs/threads.md`). [`threads`](Self::threads)
    /// watches them go.
    pub fn run(self, mut ctx: WasiCtx) -> wasmtime::Result<()> {
        let shared = self.shared;
        let Some((_, _, memory)) = &shared.memory else {
            let (mut store, instance) = shared.instantiate((shared.make)(ctx))?;
            let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
            return start.call(&mut store, ());
        };
        let memory = memory.clone();
        let spawner: Arc<dyn Spawn> = Arc::clone(&shared) as Arc<dyn Spawn>;
        ctx.threads = Some(Threads::new(spawner, memory));
        let (mut store, instance) = shared.instantiate((shared.make)(ctx))?;
        let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
        let main = Arc::clone(&shared);
        shared.status.main.store(true, SeqCst);
        let started = std::thread::Builder::new()
            .name("wasi-main".into())
            .stack_size(shared.options.thread_stack)
            .spawn(move || {
                let serving = ending::serve(Arc::clone(&main.ending.0));
                let outcome = start.call(&mut store, ());
                let decided = main.end(outcome);
                drop(serving);
                drop(store);
                main.status.main.store(false, SeqCst);
                main.status.finished();
                if decided {
                    main.release_parked();
                }
            });
        if let Err(e) = started {
            shared.status.main.store(false, SeqCst);
            return Err(wasmtime::Error::msg(format!(
                "cannot start the main thread: {e}"
            )));
        }
        let mut outcome = lock(&shared.outcome);
        loop {
            if let Some(outcome) = outcome.take() {
                return outcome;
            }
            outcome = shared
                .decided
                .wait(outcome)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// The shared memory for `module`'s memory import; an error unless it imports exactly one
/// shared memory and exports `wasi_thread_start` as `(i32, i32) -> ()`.
fn shared_memory(
    engine: &Engine,
    module: &Module,
    max_bytes: Option<u64>,
) -> wasmtime::Result<(String, String, SharedMemory)> {
    let start_ok = match module.get_export("wasi_thread_start") {
        Some(ExternType::Func(f)) => {
            f.params().map(|p| p.to_string()).eq(["i32", "i32"]) && f.results().len() == 0
        }
        _ => false,
    };
    if !start_ok {
        return Err(wasmtime::Error::msg(
            "the module is threaded (imports `wasi.thread-spawn` or `wasix_32v1.thread_spawn_v2`) but does not export \
             `wasi_thread_start` as a function (i32, i32) -> ()",
        ));
    }
    let mut found = None;
    for import in module.imports() {
        if let ExternType::Memory(ty) = import.ty() {
            if !ty.is_shared() {
                return Err(wasmtime::Error::msg(format!(
                    "the module is threaded (imports `wasi.thread-spawn` or `wasix_32v1.thread_spawn_v2`) but its memory import `{}.{}` is \
                     not shared: threads need a shared memory (build for \
                     wasm32-wasip1-threads)",
                    import.module(),
                    import.name()
                )));
            }
            if found.is_some() {
                return Err(wasmtime::Error::msg(
                    "the module imports more than one memory; wasi-threads shares one",
                ));
            }
            let ty = match max_bytes {
                Some(max) => within(ty, max)?,
                None => ty,
            };
            let memory = SharedMemory::new(engine, ty)?;
            found = Some((
                import.module().to_string(),
                import.name().to_string(),
                memory,
            ));
        }
    }
    found.ok_or_else(|| {
        wasmtime::Error::msg(
            "the module is threaded (imports `wasi.thread-spawn` or `wasix_32v1.thread_spawn_v2`) but does not import its memory: threads \
             need one shared memory imported by every instance (build for \
             wasm32-wasip1-threads)",
        )
    })
}

/// `ty` with its maximum lowered to `max_bytes` (a smaller maximum still satisfies the import);
/// an error if its minimum is above it.
fn within(ty: MemoryType, max_bytes: u64) -> wasmtime::Result<MemoryType> {
    let pages = max_bytes / ty.page_size();
    if ty.minimum() > pages {
        return Err(wasmtime::Error::msg(format!(
            "the module's shared memory starts at {} bytes, above the limit of {max_bytes}",
            ty.minimum().saturating_mul(ty.page_size())
        )));
    }
    let maximum = ty.maximum().map_or(pages, |m| m.min(pages));
    if ty.is_64() || ty.page_size() != 1 << 16 {
        // Not what wasi-threads guests use; left at their own maximum.
        return Ok(ty);
    }
    match (u32::try_from(ty.minimum()), u32::try_from(maximum)) {
        (Ok(min), Ok(max)) => Ok(MemoryType::shared(min, max)),
        _ => Ok(ty),
    }
}

impl<T: Send + 'static> Shared<T> {
    /// A store for one thread, with its instance.
    fn instantiate(&self, data: T) -> wasmtime::Result<(Store<T>, Instance)> {
        let mut store = Store::new(&self.engine, data);
        (self.setup)(&mut store)?;
        // The epoch moves only when the program ends (or a `-W timeout` runs out).
        store.set_epoch_deadline(1);
        let instance = match &self.memory {
            Some((module, name, memory)) => {
                let mut linker = self.linker.clone();
                linker.allow_shadowing(true);
                linker.define(&store, module, name, memory.clone())?;
                crate::instantiate(&mut store, &linker, &self.module, self.get)?
            }
            None => crate::instantiate(&mut store, &self.linker, &self.module, self.get)?,
        };
        Ok((store, instance))
    }

    /// Decides the outcome, unless it already is, and stops the other threads; whether this
    /// call decided it.
    fn end(&self, outcome: wasmtime::Result<()>) -> bool {
        let mut slot = lock(&self.outcome);
        if self.ended.load(SeqCst) {
            return false;
        }
        *slot = Some(outcome);
        self.ended.store(true, SeqCst);
        drop(slot);
        self.engine.increment_epoch();
        // Never read: it stays readable. A full pipe (impossible: one byte) changes nothing.
        let _ = rustix::io::write(&self.ending.1, &[1]);
        self.decided.notify_all();
        true
    }

    /// After the program ended: wakes the threads parked in the guest's own
    /// `memory.atomic.wait` with no timeout, which neither the epoch nor the ending pipe
    /// reaches. Woken, each returns to wasm and stops at its next epoch check. wasmtime can
    /// only wake the waiters of one address, and which addresses have waiters is not known,
    /// so every aligned address of the memory is notified: about 7 ms per MiB, spent only
    /// when threads are still running, on the thread that ended the program, in a few rounds
    /// of growing patience (a thread only just reaching its wait is caught by a later round).
    fn release_parked(&self) {
        let Some((_, _, memory)) = &self.memory else {
            return;
        };
        for pause in [1, 10, 100, 1000] {
            if self.status.running() == 0 {
                return;
            }
            std::thread::sleep(Duration::from_millis(pause));
            if self.status.running() == 0 {
                return;
            }
            let size = memory.data_size() as u64;
            for addr in (0..size).step_by(4) {
                // In bounds and aligned: cannot fail.
                let _ = memory.atomic_notify(addr, u32::MAX);
            }
        }
    }

    /// The body of a spawned thread.
    fn thread_main(&self, mut store: Store<T>, instance: Instance, tid: u32, start_arg: u32) {
        let serving = ending::serve(Arc::clone(&self.ending.0));
        let mut decided = false;
        // A program that ended while this thread was being made: its epoch deadline may
        // predate the end.
        if !self.ended.load(SeqCst) {
            let outcome = instance
                .get_typed_func::<(i32, i32), ()>(&mut store, "wasi_thread_start")
                .and_then(|start| start.call(&mut store, (tid as i32, start_arg as i32)));
            match outcome {
                Ok(()) => {}
                Err(e) if e.downcast_ref::<ThreadExit>().is_some() => {}
                Err(e) => decided = self.end(Err(e)),
            }
        }
        drop(serving);
        drop(store);
        self.status.thread_gone();
        if decided {
            self.release_parked();
        }
    }
}

impl<T: Send + 'static> Spawn for Shared<T> {
    fn ending_fd(&self) -> BorrowedFd<'_> {
        self.ending.0.as_fd()
    }

    fn has_ended(&self) -> bool {
        self.ended.load(SeqCst)
    }

    fn may_spawn(&self) -> bool {
        !self.ended.load(SeqCst) && self.status.live.load(SeqCst) < self.options.max_threads
    }

    fn spawn(self: Arc<Self>, mut ctx: WasiCtx, start_arg: u32) -> i32 {
        if self.status.live.fetch_add(1, SeqCst) >= self.options.max_threads {
            self.status.thread_gone();
            return SPAWN_FAILED;
        }
        let tid = self.next_tid.fetch_add(1, SeqCst);
        if let Some(threads) = ctx.threads.as_mut() {
            threads.tid = tid;
        }
        let made = if tid <= MAX_TID {
            self.instantiate((self.make)(ctx)).ok()
        } else {
            None
        };
        let Some((store, instance)) = made else {
            self.status.thread_gone();
            return SPAWN_FAILED;
        };
        let me = Arc::clone(&self);
        let started = std::thread::Builder::new()
            .name(format!("wasi-thread-{tid}"))
            .stack_size(self.options.thread_stack)
            .spawn(move || me.thread_main(store, instance, tid, start_arg));
        match started {
            // `tid` is at most MAX_TID: positive as an i32.
            Ok(_) => tid as i32,
            Err(_) => {
                self.status.thread_gone();
                SPAWN_FAILED
            }
        }
    }
}
