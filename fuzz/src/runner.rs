//! The fuzz loop: instances made both ways (bound and by name), calls with random arguments,
//! and the checks after each call and after each instance.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use wasi_host::link::{CoreType, ImportSpec};
use wasi_host::preview1::Errno;
use wasi_host::{Exit, RandomSource, Stdio, WasiCtx};
use wasmtime::{Config, Engine, Func, Linker, Module, SharedMemory, Store, Val};

use crate::calls;
use crate::canary::{Arena, Snapshot};
use crate::guest::{Layout, trampoline, wat};
use crate::report::{Finding, Options, Report, SpecFigures, show, trap_label};
use crate::rng::Rng;
use crate::shape::{Shape, Shapes};
use crate::{ALLOCATION_BOUND, EXCLUDED, SPECS, alloc};

/// Random bytes for `random_get` from the run's seed, so a replay sees the same ones.
struct SeededRandom(Rng);

impl RandomSource for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        self.0.fill(buf);
        Ok(())
    }
}

/// What the watchdog thread sees of the call in progress.
struct Watch {
    /// Milliseconds since `start` at which the current call began; `IDLE` between calls.
    since: AtomicU64,
    call: AtomicU64,
    function: AtomicU64,
    instance: AtomicU64,
    stop: AtomicBool,
    /// The current instance's listening socket, if it has one.
    listener: std::sync::Mutex<Option<std::net::SocketAddr>>,
}

const IDLE: u64 = u64::MAX;
/// The watchdog's period, and the epoch tick.
const TICK: Duration = Duration::from_millis(50);
/// A call blocked this long gets a new connection on the instance's listener.
const NUDGE: Duration = Duration::from_millis(500);

/// What an instantiation gives the fuzzer: the trampoline of each imported function (by its
/// index in the run's list) and the memory, unshared or shared.
type Parts = (
    Vec<Option<Func>>,
    Option<wasmtime::Memory>,
    Option<SharedMemory>,
);

/// One live instance.
struct Live {
    store: Store<WasiCtx>,
    /// The trampoline of each function of the run's list the module imports.
    funcs: Vec<Option<Func>>,
    /// The indexes of those functions.
    imported: Vec<usize>,
    shared: Option<SharedMemory>,
    memory: Option<wasmtime::Memory>,
    layout: Layout,
    canaries: Snapshot,
    /// Descriptors calls returned (the latest few).
    fds: Vec<u32>,
    /// Now and then a second instance of the module in the same store and context: calls
    /// go to either, and a call of one must leave the other's memory alone.
    twin: Option<Twin>,
}

/// The other instance's side of a [`Live`] (swapped in and out with [`Live::swap`]).
struct Twin {
    funcs: Vec<Option<Func>>,
    shared: Option<SharedMemory>,
    memory: Option<wasmtime::Memory>,
    layout: Layout,
    fds: Vec<u32>,
}

impl Live {
    /// Makes the twin the instance calls go to, and the current one the twin.
    fn swap(&mut self) {
        if let Some(twin) = &mut self.twin {
            std::mem::swap(&mut self.funcs, &mut twin.funcs);
            std::mem::swap(&mut self.shared, &mut twin.shared);
            std::mem::swap(&mut self.memory, &mut twin.memory);
            std::mem::swap(&mut self.layout, &mut twin.layout);
            std::mem::swap(&mut self.fds, &mut twin.fds);
        }
    }

    /// A copy of the twin's memory, if there is a twin.
    fn twin_bytes(&self) -> Option<Vec<u8>> {
        let twin = self.twin.as_ref()?;
        if let Some(memory) = &twin.memory {
            return Some(memory.data(&self.store).to_vec());
        }
        let cells = twin.shared.as_ref()?.data();
        let mut bytes = vec![0u8; cells.len()];
        // SAFETY: `bytes` has the memory's length; no instance runs now and no other thread
        // has the memory, so nothing writes it during the copy.
        unsafe {
            std::ptr::copy_nonoverlapping(
                std::cell::UnsafeCell::raw_get(cells.as_ptr()),
                bytes.as_mut_ptr(),
                cells.len(),
            )
        };
        Some(bytes)
    }

    /// The `u32` at `ptr`, if in bounds.
    fn read_u32(&self, ptr: u32) -> Option<u32> {
        let start = ptr as usize;
        let mut word = [0u8; 4];
        if let Some(memory) = &self.memory {
            word.copy_from_slice(memory.data(&self.store).get(start..start.checked_add(4)?)?);
        } else if let Some(shared) = &self.shared {
            let cells = shared.data().get(start..start.checked_add(4)?)?;
            for (byte, cell) in word.iter_mut().zip(cells) {
                // SAFETY: the instance is not running and no other thread has its memory.
                *byte = unsafe { *cell.get() };
            }
        }
        Some(u32::from_le_bytes(word))
    }

    /// Copies `data` to guest memory at `ptr` (in bounds by construction).
    fn write(&mut self, ptr: u32, data: &[u8]) {
        let start = ptr as usize;
        if let Some(memory) = &self.memory {
            memory.data_mut(&mut self.store)[start..start + data.len()].copy_from_slice(data);
        } else if let Some(shared) = &self.shared {
            let cells = &shared.data()[start..start + data.len()];
            // SAFETY: `cells` covers exactly `data.len()` bytes of the memory; only this
            // instance, which is not running, uses it, so nothing accesses them concurrently.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    data.as_ptr(),
                    std::cell::UnsafeCell::raw_get(cells.as_ptr()),
                    data.len(),
                )
            };
        }
    }
}

/// The open descriptors of this process.
fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// Keeps a guest from filling the disk: files stop at 16 MiB (`EFBIG`, with `SIGXFSZ`
/// ignored), for this whole process.
fn limit_file_size() {
    let limit = libc::rlimit {
        rlim_cur: 16 << 20,
        rlim_max: 16 << 20,
    };
    // SAFETY: plain system calls with a valid struct; ignoring SIGXFSZ installs no handler.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
        libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
    }
}

/// Whether a call's first argument is the sandbox's preopen (descriptor 3).
fn is_preopen(args: &[Val]) -> bool {
    matches!(args.first(), Some(Val::I32(3)))
}

/// Runs the fuzzer; findings are in the report (the first one ends the run), errors are the
/// fuzzer's own failures (no temp directory, a module that does not compile).
pub fn run(options: &Options) -> Result<Report> {
    limit_file_size();
    let tracked = alloc::tracking();
    // Every variant of every name: `calls::shapes` spreads them over module shapes.
    let specs: Vec<&'static ImportSpec> = SPECS
        .iter()
        .flat_map(|s| s.iter())
        .filter(|s| !EXCLUDED.contains(&(s.module, s.name)))
        .collect();
    let mut config = Config::new();
    config.epoch_interruption(true);
    // Shared memories take the bindings' copying paths (docs/guest-memory.md).
    config.shared_memory(true);
    let engine = Engine::new(&config)?;
    // By name, each document's `add_to_linker`: WasmEdge's first, so that preview1's
    // `sock_accept` then replaces its version-1 one of the same name (the first variant, as in
    // module shape 0), and `epoll_oneoff` as the alias `instantiate` makes of `poll_oneoff`.
    let mut by_name = Linker::new(&engine);
    by_name.allow_shadowing(true);
    wasi_host::wasmedge::add_to_linker(&mut by_name, |c: &mut WasiCtx| c)?;
    wasi_host::add_to_linker(&mut by_name, |c: &mut WasiCtx| c)?;
    wasi_host::wasix::add_to_linker(&mut by_name, |c: &mut WasiCtx| c)?;
    let p1 = "wasi_snapshot_preview1";
    by_name.alias(p1, "poll_oneoff", p1, "epoll_oneoff")?;
    let arena = Arena::new().context("creating the sandbox")?;
    let mut fuzz = Fuzz {
        options,
        rng: Rng::new(options.seed),
        shapes_imported: calls::shapes(&specs),
        specs,
        engine,
        by_name,
        arena,
        modules: HashMap::new(),
        report: Report {
            seed: options.seed,
            ..Report::default()
        },
        hits: Vec::new(),
        shapes: Vec::new(),
        good: Vec::new(),
        succeeded: Vec::new(),
        outcomes: HashMap::new(),
        largest: (0, ""),
        start: Instant::now(),
        watch: Arc::new(Watch {
            since: AtomicU64::new(IDLE),
            call: AtomicU64::new(0),
            instance: AtomicU64::new(0),
            function: AtomicU64::new(0),
            stop: AtomicBool::new(false),
            listener: std::sync::Mutex::new(None),
        }),
        last: (0, Vec::new()),
        instance_number: (0, 0),
    };
    fuzz.hits = vec![0; fuzz.specs.len()];
    let shapes = Shapes::load();
    fuzz.shapes = fuzz.specs.iter().map(|s| shapes.of(s)).collect();
    fuzz.report.shaped = fuzz.shapes.iter().filter(|s| s.is_some()).count();
    fuzz.succeeded = vec![false; fuzz.specs.len()];
    let watchdog = fuzz.spawn_watchdog();
    // One instance made and dropped first: whatever wasmtime opens once for good is then part
    // of the baseline.
    drop(fuzz.instance(false)?);
    let baseline = open_fds();
    let result = fuzz.fuzz(baseline);
    fuzz.watch.stop.store(true, Ordering::Relaxed);
    let _ = watchdog.join();
    result?;
    let mut report = fuzz.report;
    report.elapsed = fuzz.start.elapsed();
    report.functions = (
        fuzz.specs.len(),
        fuzz.hits.iter().filter(|&&n| n > 0).count(),
    );
    report.succeeded = fuzz.succeeded.iter().filter(|&&s| s).count();
    report.per_spec = SPECS
        .iter()
        .map(|list| {
            let of_list: Vec<usize> = (0..fuzz.specs.len())
                .filter(|&i| list.contains(fuzz.specs[i]))
                .collect();
            SpecFigures {
                name: match list {
                    [one] => one.name,
                    _ => list.first().map_or("", |s| s.witx_module),
                },
                functions: of_list.len(),
                called: of_list.iter().filter(|&&i| fuzz.hits[i] > 0).count(),
                succeeded: of_list.iter().filter(|&&i| fuzz.succeeded[i]).count(),
                calls: of_list.iter().map(|&i| fuzz.hits[i]).sum(),
            }
        })
        .filter(|figures| figures.functions > 0)
        .collect();
    report.never_succeeded = (fuzz.specs.iter().zip(&fuzz.succeeded))
        .filter(|(_, succeeded)| !**succeeded)
        .map(|(spec, _)| spec.function)
        .collect();
    let mut outcomes: Vec<(String, u64)> = fuzz.outcomes.into_iter().collect();
    outcomes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    report.outcomes = outcomes;
    report.largest_allocation = tracked.then_some(fuzz.largest);

    Ok(report)
}

struct Fuzz<'o> {
    options: &'o Options,
    rng: Rng,
    specs: Vec<&'static ImportSpec>,
    /// What each module shape imports (`calls::shapes`).
    shapes_imported: Vec<Vec<usize>>,
    engine: Engine,
    by_name: Linker<WasiCtx>,
    arena: Arena,
    /// Modules by pages, shared memory and shape.
    modules: HashMap<(u32, bool, usize), Module>,
    report: Report,
    /// Calls per function.
    hits: Vec<u64>,
    /// What each function's parameters mean, when its WITX says.
    shapes: Vec<Option<Vec<Shape>>>,
    /// The arguments of each function's last successful call in this instance (its
    /// pointers fit this instance's memory), to explore around.
    good: Vec<Option<Vec<Val>>>,
    /// Functions that succeeded at least once in the run.
    succeeded: Vec<bool>,
    outcomes: HashMap<String, u64>,
    largest: (usize, &'static str),
    start: Instant,
    watch: Arc<Watch>,
    /// The last call made: its function and arguments, shown only when needed.
    last: (usize, Vec<Val>),
    /// The current instance's number and the run's call index at its start.
    instance_number: (u64, u64),
}

/// How one call ended.
enum Ended {
    Returned,
    Exited,
    Finding(&'static str, String),
}

impl Fuzz<'_> {
    fn spawn_watchdog(&self) -> thread::JoinHandle<()> {
        let watch = Arc::clone(&self.watch);
        let engine = self.engine.clone();
        let names: Vec<String> = self.specs.iter().map(|s| s.function.to_string()).collect();
        let (seed, start, hang) = (self.options.seed, self.start, self.options.hang);
        thread::spawn(move || {
            while !watch.stop.load(Ordering::Relaxed) {
                thread::sleep(TICK);
                engine.increment_epoch();
                let since = watch.since.load(Ordering::Relaxed);
                let now = start.elapsed().as_millis() as u64;
                if since != IDLE && now.saturating_sub(since) > NUDGE.as_millis() as u64 {
                    // A guest may rightly wait for a connection (`sock_accept` once the one
                    // waiting was taken, or a poll on the listener): give it one more. The
                    // lock is held until that socket is closed again, so the descriptor count
                    // after each instance (taken under it) never sees it.
                    let listener = watch.listener.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(address) = *listener {
                        let _ = std::net::TcpStream::connect(address);
                    }
                    drop(listener);
                }
                if since != IDLE && now.saturating_sub(since) > hang.as_millis() as u64 {
                    // A call blocked in the kernel cannot be interrupted from here; report it
                    // and end the process, which is all a fuzzer can do with a hung host.
                    let call = watch.call.load(Ordering::Relaxed);
                    let f = watch.function.load(Ordering::Relaxed) as usize;
                    let instance = watch.instance.load(Ordering::Relaxed);
                    eprintln!(
                        "finding: hang: call #{call} ({}) has run for over {hang:?}\n  replay: cargo xtask fuzz --seed {seed:#x} --instance {instance}",
                        names[f],
                    );
                    std::process::exit(3);
                }
            }
        })
    }

    fn module(&mut self, pages: u32, shared: bool, shape: usize) -> Result<Module> {
        if let Some(module) = self.modules.get(&(pages, shared, shape)) {
            return Ok(module.clone());
        }
        let imports: Vec<(usize, &ImportSpec)> = self.shapes_imported[shape]
            .iter()
            .map(|&i| (i, self.specs[i]))
            .collect();
        let text = wat(&imports, pages, shared);
        let module = wasi_host::compile_module(&self.engine, text.as_bytes())?;
        self.modules.insert((pages, shared, shape), module.clone());
        Ok(module)
    }

    /// A new instance over a fresh sandbox, bound or by name, with random memory.
    fn instance(&mut self, by_name: bool) -> Result<Live> {
        self.arena.reset_sandbox()?;
        let canaries = self.arena.snapshot()?;
        let pages = *self.rng.pick(&[1, 2, 5]);
        let shared = self.rng.one_in(4);
        // By name, only the first variant of each name is defined (shape 0).
        let shape = if by_name {
            0
        } else {
            self.rng.below(self.shapes_imported.len() as u64) as usize
        };
        let module = self.module(pages, shared, shape)?;
        let mut builder = WasiCtx::builder();
        builder
            .stdin(Stdio::Null)
            .stdout(Stdio::Null)
            .stderr(Stdio::Null)
            .preopen_dir(self.arena.sandbox(), "/sandbox")
            .preopen_dir_read_only(self.arena.sandbox(), "/ro")
            .args(["fuzz", "--flag", "ünïcode"])
            .env("HOME", "/sandbox")
            // The network stays denied (every socket call that would reach it is `EACCES`);
            // the hint line would be printed once per instance.
            .network_hint(false)
            .random(SeededRandom(Rng::new(self.rng.next_u64())));
        if self.rng.one_in(4) {
            builder.fd_limit(8);
        }
        if self.rng.one_in(2) {
            // A listener (fd 5) with one connection waiting, whose peer has sent a few bytes
            // and gone: `sock_accept` succeeds, `sock_recv` reads them and then the end, and
            // `sock_send` fails, so no socket call can block.
            let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            let address = listener.local_addr()?;
            let mut peer = std::net::TcpStream::connect(address)?;
            std::io::Write::write_all(&mut peer, b"hello from the peer")?;
            builder.tcp_listener(listener);
            *self
                .watch
                .listener
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(address);
        } else {
            *self
                .watch
                .listener
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = None;
        }
        let mut store = Store::new(&self.engine, builder.build()?);
        store.epoch_deadline_trap();
        store.set_epoch_deadline(u64::MAX / 2);
        let (funcs, memory, shared) = self.instantiate(&mut store, &module, by_name, shape)?;
        let layout = Layout::new(&mut self.rng, pages * 65536);
        let mut live = Live {
            memory,
            shared,
            store,
            funcs,
            imported: self.shapes_imported[shape].clone(),
            layout,
            canaries,
            fds: Vec::new(),
            twin: None,
        };
        let bytes = std::mem::take(&mut live.layout.bytes);
        live.write(0, &bytes);
        if self.rng.one_in(8) {
            let by_name = shape == 0 && self.rng.one_in(2);
            let (funcs, memory, shared) =
                self.instantiate(&mut live.store, &module, by_name, shape)?;
            let layout = Layout::new(&mut self.rng, pages * 65536);
            live.twin = Some(Twin {
                funcs,
                shared,
                memory,
                layout,
                fds: Vec::new(),
            });
            live.swap();
            let bytes = std::mem::take(&mut live.layout.bytes);
            live.write(0, &bytes);
            live.swap();
        }
        Ok(live)
    }

    /// Instantiates `module` (of `shape`) in `store`, bound or by name; returns its
    /// trampolines and memory.
    fn instantiate(
        &self,
        store: &mut Store<WasiCtx>,
        module: &Module,
        by_name: bool,
        shape: usize,
    ) -> Result<Parts> {
        let instance = if by_name {
            self.by_name.instantiate(&mut *store, module)?
        } else {
            wasi_host::instantiate(&mut *store, &Linker::new(&self.engine), module, |c| c)?
        };
        let mut funcs = vec![None; self.specs.len()];
        for &i in &self.shapes_imported[shape] {
            let func = instance.get_func(&mut *store, &trampoline(i));
            funcs[i] = Some(func.context("a trampoline is missing")?);
        }
        let memory = instance.get_memory(&mut *store, "memory");
        let shared = instance.get_shared_memory(&mut *store, "memory");
        Ok((funcs, memory, shared))
    }

    fn fuzz(&mut self, baseline: usize) -> Result<()> {
        let mut call = 0u64;
        let mut n = self.options.instance.unwrap_or(0);
        while !self.done(call) {
            self.rng = Rng::new(
                Rng::new(self.options.seed ^ n.wrapping_mul(0xa076_1d64_78bd_642f)).next_u64(),
            );
            self.instance_number = (n, call);
            self.watch.instance.store(n, Ordering::Relaxed);
            self.good = vec![None; self.specs.len()];
            let by_name = self.rng.one_in(3);
            let mut live = self.instance(by_name)?;
            self.report.instances.0 += 1;
            self.report.instances.1 += u64::from(by_name);
            // Short lives too: a guest soon closes or renumbers over its preopens.
            let budget = if self.rng.one_in(4) {
                1 + self.rng.below(50)
            } else {
                100 + self.rng.below(1000)
            };
            for _ in 0..budget {
                if self.done(call) {
                    break;
                }
                let ended = self.call(&mut live, call);
                call += 1;
                self.report.calls = call;
                match ended {
                    Ended::Returned => {}
                    Ended::Exited => break,
                    Ended::Finding(kind, detail) => {
                        self.found(kind, call - 1, detail);
                        return Ok(());
                    }
                }
            }
            let canaries = live.canaries.clone();
            drop(live);
            let now = self.arena.snapshot()?;
            if let Some(change) = canaries.diff(&now) {
                self.found("canary", call.saturating_sub(1), change);
                return Ok(());
            }
            // Under the watchdog's lock: its nudging connection is a descriptor of this
            // process too, but not the guest's.
            let fds = {
                let _census = self
                    .watch
                    .listener
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                open_fds()
            };
            if fds != baseline {
                let detail = format!(
                    "{fds} host descriptors open after the instance was dropped, {baseline} before"
                );
                self.found("fd-leak", call.saturating_sub(1), detail);
                return Ok(());
            }
            if self.options.instance.is_some() {
                break;
            }
            n += 1;
        }
        Ok(())
    }

    fn done(&self, call: u64) -> bool {
        self.options.calls.is_some_and(|n| call >= n)
            || (call.is_multiple_of(256)
                && self
                    .options
                    .duration
                    .is_some_and(|d| self.start.elapsed() >= d))
    }

    fn found(&mut self, kind: &'static str, call: u64, detail: String) {
        let (f, args) = &self.last;
        let what = show(self.specs[*f].function, args);
        let (instance, first) = self.instance_number;
        self.report.findings.push(Finding {
            kind,
            call,
            instance: (instance, call.saturating_sub(first)),
            what,
            detail,
        });
    }

    /// Makes call number `index` and checks what it did.
    fn call(&mut self, live: &mut Live, index: u64) -> Ended {
        if live.twin.is_some() && self.rng.one_in(2) {
            live.swap();
        }
        let mut f = *self.rng.pick(&live.imported);
        // A function without results (`proc_exit`, `proc_exit2`, `thread_exit`) ends the
        // instance: call it a tenth as often, so instances live long enough to open
        // descriptors and use them.
        if self.specs[f].results.is_empty() && !self.rng.one_in(10) {
            f = *self.rng.pick(&live.imported);
        }
        // ENOSYS by decision: a quarter as often (the ones without results, which trap, are
        // rare already).
        let picked = self.specs[f];
        if calls::by_decision_nosys(picked) && !picked.results.is_empty() && !self.rng.one_in(4) {
            f = *self.rng.pick(&live.imported);
        }
        let spec = self.specs[f];
        let mut args = match (&self.good[f], &self.shapes[f]) {
            (Some(good), _) if self.rng.one_in(4) => {
                let mut args = good.clone();
                for _ in 0..=self.rng.below(2) {
                    live.layout.mutate(&mut self.rng, &mut args);
                }
                args
            }
            (_, Some(shapes)) if !self.rng.one_in(5) => {
                live.layout
                    .shaped(&mut self.rng, shapes, spec.params, &live.fds)
            }
            _ => live.layout.args(&mut self.rng, spec.params),
        };
        let mut results: Vec<Val> = spec
            .results
            .iter()
            .map(|t| match t {
                CoreType::I64 => Val::I64(0),
                _ => Val::I32(0),
            })
            .collect();
        if let Some(shapes) = &self.shapes[f] {
            calls::aim(spec, shapes, &mut args, &mut self.rng, &live.fds);
        }
        let hostile = self.rng.one_in(8);
        calls::bound(spec, &mut args, &live.layout, hostile);
        let fixed = std::mem::take(&mut live.layout.fixed);
        for (ptr, bytes) in &fixed {
            live.write(*ptr, bytes);
        }
        live.layout.fixed = fixed;
        self.hits[f] += 1;
        let ticks = (self.options.hang.as_millis() / TICK.as_millis()) as u64;
        live.store.set_epoch_deadline(ticks.max(1));
        let Some(func) = live.funcs[f] else {
            unreachable!("only imported functions are picked")
        };
        let twin_before = live.twin_bytes();

        if self.options.instance.is_some() {
            // Printed before the call, so that a hang shows which call it was; a closed pipe
            // (`| head`) is ignored rather than a panic as with `print!`.
            let line = format!(
                "#{} {}",
                index - self.instance_number.1,
                show(spec.function, &args)
            );
            let mut out = std::io::stdout();
            let _ = std::io::Write::write_all(&mut out, line.as_bytes());
            let _ = std::io::Write::flush(&mut out);
        }
        self.watch.call.store(index, Ordering::Relaxed);
        self.watch.function.store(f as u64, Ordering::Relaxed);
        let since = self.start.elapsed().as_millis() as u64;
        self.watch.since.store(since, Ordering::Relaxed);
        alloc::reset();
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            func.call(&mut live.store, &args, &mut results)
        }));
        let largest = alloc::largest();
        self.watch.since.store(IDLE, Ordering::Relaxed);
        if calls::may_unblock(spec) {
            calls::make_streams_nonblocking(live.store.data_mut());
        }

        if largest > self.largest.0 {
            self.largest = (largest, spec.function);
        }
        let mut ended = Ended::Returned;
        let label = match outcome {
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "a panic without a message".into());
                self.last = (f, args);
                return Ended::Finding("panic", message);
            }
            Ok(Ok(())) => match results.first() {
                Some(Val::I32(0)) => {
                    if let Some(shapes) = &self.shapes[f] {
                        for (shape, arg) in shapes.iter().zip(&args) {
                            if let (Shape::OutFd, Val::I32(ptr)) = (shape, arg)
                                && let Some(fd) = live.read_u32(*ptr as u32)
                            {
                                if live.fds.len() == 8 {
                                    live.fds.remove(0);
                                }
                                live.fds.push(fd);
                            }
                        }
                    }
                    self.good[f] = Some(args.clone());
                    self.succeeded[f] = true;
                    "success".to_string()
                }
                Some(Val::I32(code)) if *code == Errno::Badf as i32 && is_preopen(&args) => {
                    // The guest closed (or renumbered over) the sandbox's preopen: little is
                    // left to fuzz in this instance.
                    ended = Ended::Exited;
                    "badf".to_string()
                }
                Some(Val::I32(code)) => match u16::try_from(*code).map(Errno::try_from) {
                    Ok(Ok(errno)) => format!("{errno:?}").to_lowercase(),
                    _ => format!("result {code}"),
                },
                Some(other) => format!("result {other:?}"),
                None => "returned".to_string(),
            },
            Ok(Err(e)) if e.downcast_ref::<Exit>().is_some() => {
                ended = Ended::Exited;
                "exit".to_string()
            }
            Ok(Err(e)) if e.downcast_ref() == Some(&wasmtime::Trap::Interrupt) => {
                self.last = (f, args);
                return Ended::Finding("hang", "interrupted by the watchdog's epoch".into());
            }
            Ok(Err(e)) => trap_label(&e),
        };
        if self.options.instance.is_some() {
            let _ = std::io::Write::write_all(
                &mut std::io::stdout(),
                format!(" -> {label}\n").as_bytes(),
            );
        }
        self.last = (f, args);
        *self.outcomes.entry(label).or_default() += 1;
        if let Some(before) = twin_before
            && live.twin_bytes().as_ref() != Some(&before)
        {
            let detail = "the call changed the memory of the other instance in its store".into();
            return Ended::Finding("cross-instance", detail);
        }
        if largest > ALLOCATION_BOUND {
            let detail = format!("the host allocated {largest} bytes at once");
            return Ended::Finding("allocation", detail);
        }
        if spec.function.starts_with("path_") || spec.name == "chdir" || index.is_multiple_of(64) {
            match self.arena.snapshot() {
                Ok(now) => {
                    if let Some(change) = live.canaries.diff(&now) {
                        return Ended::Finding("canary", change);
                    }
                }
                Err(e) => return Ended::Finding("canary", format!("unreadable: {e}")),
            }
        }
        ended
    }
}
