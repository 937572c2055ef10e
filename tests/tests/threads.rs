//! wasi-threads: the threaded Rust guest (`guests/rust-threads`) and `.wat` edge cases, run
//! through the CLI and in-process through `wasi_host::program`. Each guest case prints one
//! completion line with its check count, asserted here.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wasi_host::program::{self, Program, ProgramOptions};
use wasi_host::{Exit, Stdio, WasiCtx};
use wasi_host_tests::{guest_dir, guests, watchdog};

const CLI: &str = env!("CARGO_BIN_EXE_wasi-host-under-test");

fn cli(args: &[&str]) -> Output {
    let child = Command::new(CLI)
        .args(args)
        .env_clear()
        .env("RUST_BACKTRACE", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start wasi-host");
    watchdog::wait(child, &format!("wasi-host {args:?}"))
}

fn guest() -> String {
    guests::rust_threads().display().to_string()
}

fn wat(name: &str) -> String {
    guest_dir()
        .join("wat")
        .join(format!("{name}.wat"))
        .display()
        .to_string()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn assert_ok(out: &Output, line: &str) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        stdout(out),
        stderr(out)
    );
    assert!(
        stdout(out).contains(line),
        "{line:?} not in {:?}",
        stdout(out)
    );
}

#[test]
fn cli_spawn_join_mutex_condvar_channel() {
    assert_ok(&cli(&["run", &guest(), "basic"]), "basic ok: 13 checks\n");
}

#[test]
fn cli_accepts_wasmtime_thread_flags() {
    let out = cli(&[
        "run",
        "-W",
        "threads=y",
        "-S",
        "threads=y",
        &guest(),
        "basic",
    ]);
    assert_ok(&out, "basic ok: 13 checks\n");
}

#[test]
fn cli_rayon_parallel_sum() {
    let out = cli(&[
        "run",
        "--env",
        "RAYON_NUM_THREADS=4",
        &guest(),
        "rayon",
        "300000",
    ]);
    assert_ok(&out, "rayon ok: 2 checks, sum 134999849999, 4 threads\n");
}

#[test]
fn cli_parallel_file_writes() {
    let dir = tempfile::tempdir().unwrap();
    let map = format!("{}::/d", dir.path().display());
    let out = cli(&["run", "--dir", &map, &guest(), "files", "/d"]);
    assert_ok(&out, "files ok: 7 checks, 76000 bytes appended\n");
    // Every appended byte is on the host too.
    let shared = std::fs::read(dir.path().join("shared.txt")).unwrap();
    assert_eq!(shared.len(), 76000);
    assert_eq!(shared.iter().filter(|b| **b == b'\n').count(), 4000);
}

#[test]
fn cli_concurrent_open_close_read() {
    let dir = tempfile::tempdir().unwrap();
    let map = format!("{}::/d", dir.path().display());
    let out = cli(&["run", "--dir", &map, &guest(), "fds", "/d"]);
    assert_ok(&out, "fds ok: 3 checks, 1200 rounds\n");
}

#[test]
fn cli_exit_from_a_thread_while_main_blocks() {
    let out = cli(&["run", &guest(), "exit-blocked"]);
    assert_eq!(out.status.code(), Some(7), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "exiting from a thread\n");
}

#[test]
fn cli_exit_from_a_thread_while_main_computes() {
    let out = cli(&["run", &guest(), "exit-busy"]);
    assert_eq!(out.status.code(), Some(9), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "exiting from a thread\n");
}

#[test]
fn cli_trap_in_a_thread_ends_the_program() {
    let out = cli(&["run", &guest(), "trap"]);
    assert_eq!(out.status.code(), Some(134), "stderr: {}", stderr(&out));
    assert_eq!(stdout(&out), "trapping in a thread\n");
    let err = stderr(&out);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains("unreachable"), "{err}");
    assert!(
        err.contains("wasi_thread_start"),
        "backtrace of the thread: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn cli_thread_limit() {
    let out = cli(&["run", "--max-threads", "3", &guest(), "limit", "3"]);
    assert_ok(&out, "limit ok: 3 checks, spawned 3, refused 2\n");
}

#[test]
fn cli_threads_n_refuses_a_threaded_module() {
    let out = cli(&["run", "-S", "threads=n", &guest(), "basic"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: ") && err.contains("-S threads=n"),
        "{err}"
    );
}

#[test]
fn cli_memory_import_of_any_name_and_spawn_failure_at_the_limit() {
    // Exits while its thread is parked in `memory.atomic.wait32` for ever.
    let out = cli(&["run", "--max-threads", "1", &wat("threads_foo_bar")]);
    assert_eq!(out.status.code(), Some(42), "stderr: {}", stderr(&out));
}

#[test]
fn cli_max_memory_size_bounds_the_shared_memory() {
    let out = cli(&["run", "-W", "max-memory-size=256K", &wat("threads_grow")]);
    assert_eq!(out.status.code(), Some(42), "stderr: {}", stderr(&out));
    // Without the limit the first grow succeeds (status 1): the limit is what refused it.
    let out = cli(&["run", &wat("threads_grow")]);
    assert_eq!(out.status.code(), Some(1), "stderr: {}", stderr(&out));
}

#[test]
fn cli_unshared_memory_is_a_clear_error() {
    let out = cli(&["run", &wat("threads_unshared")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("`env.memory` is not shared"), "{err}");
}

// In-process, through the library.

fn engine() -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    program::configure(&mut config);
    wasmtime::Engine::new(&config).unwrap()
}

/// Runs the guest case `args` in-process with `max_threads`; the outcome and what it printed.
fn run_in_process(
    args: &[&str],
    max_threads: u32,
    dir: Option<&Path>,
) -> (wasmtime::Result<()>, String) {
    let engine = engine();
    let module = wasmtime::Module::from_file(&engine, guests::rust_threads()).unwrap();
    let linker = wasmtime::Linker::new(&engine);
    let out = tempfile::NamedTempFile::new().unwrap();
    let mut builder = WasiCtx::builder();
    builder
        .arg("guest")
        .args(args.iter().copied())
        .env("RAYON_NUM_THREADS", "3")
        .stdout(Stdio::File(out.reopen().unwrap()));
    if let Some(dir) = dir {
        builder.preopen_dir(dir, "/d");
    }
    let ctx = builder.build().unwrap();
    let options = ProgramOptions {
        max_threads,
        ..ProgramOptions::default()
    };
    let program = Program::new(&engine, &linker, &module, options, |ctx| ctx, |ctx| ctx).unwrap();
    assert!(program.is_threaded());
    let outcome = program.run(ctx);
    let printed = std::fs::read_to_string(out.path()).unwrap();
    (outcome, printed)
}

#[test]
fn library_runs_threads_to_completion() {
    let (outcome, printed) = run_in_process(&["basic"], 64, None);
    outcome.unwrap();
    assert_eq!(printed, "basic ok: 13 checks\n");
    let (outcome, printed) = run_in_process(&["rayon", "100000"], 64, None);
    outcome.unwrap();
    assert_eq!(printed, "rayon ok: 2 checks, sum 14999750005, 3 threads\n");
    let dir = tempfile::tempdir().unwrap();
    let (outcome, printed) = run_in_process(&["fds", "/d"], 64, Some(dir.path()));
    outcome.unwrap();
    assert_eq!(printed, "fds ok: 3 checks, 1200 rounds\n");
}

#[test]
fn library_exit_and_trap_in_a_thread() {
    for (case, status) in [("exit-blocked", 7), ("exit-busy", 9)] {
        let (outcome, printed) = run_in_process(&[case], 64, None);
        let e = outcome.unwrap_err();
        assert_eq!(
            e.downcast_ref::<Exit>(),
            Some(&Exit(status)),
            "{case}: {e:?}"
        );
        assert_eq!(printed, "exiting from a thread\n");
    }
    let (outcome, printed) = run_in_process(&["trap"], 64, None);
    let e = outcome.unwrap_err();
    assert!(e.downcast_ref::<Exit>().is_none());
    assert!(format!("{e:?}").contains("unreachable"), "{e:?}");
    assert_eq!(printed, "trapping in a thread\n");
}

#[test]
fn library_thread_limit() {
    let (outcome, printed) = run_in_process(&["limit", "2"], 2, None);
    outcome.unwrap();
    assert_eq!(printed, "limit ok: 3 checks, spawned 2, refused 2\n");
}

/// Store data that counts the stores alive.
struct Counted {
    wasi: WasiCtx,
    alive: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl Drop for Counted {
    fn drop(&mut self) {
        self.alive.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn library_sleeping_threads_end_with_the_program() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let engine = engine();
    let module = wasmtime::Module::from_file(&engine, guests::rust_threads()).unwrap();
    let linker = wasmtime::Linker::new(&engine);
    let out = tempfile::NamedTempFile::new().unwrap();
    let ctx = WasiCtx::builder()
        .args(["guest", "sleepers"])
        .stdout(Stdio::File(out.reopen().unwrap()))
        .build()
        .unwrap();
    let alive = std::sync::Arc::new(AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&alive);
    let program = Program::new(
        &engine,
        &linker,
        &module,
        ProgramOptions::default(),
        move |wasi| {
            counter.fetch_add(1, Ordering::SeqCst);
            Counted {
                wasi,
                alive: std::sync::Arc::clone(&counter),
            }
        },
        |data| &mut data.wasi,
    )
    .unwrap();
    program.run(ctx).unwrap();
    // `_start` returned while two threads sleep for an hour: the end of the program wakes
    // them, and every thread's store goes. (The bound only keeps a broken build from hanging.)
    let mut rounds = 0;
    while alive.load(Ordering::SeqCst) != 0 {
        rounds += 1;
        assert!(rounds < 60_000, "threads still alive");
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
    assert_eq!(
        std::fs::read_to_string(out.path()).unwrap(),
        "main returns\n"
    );
}

#[test]
fn library_refuses_an_unshared_memory() {
    let engine = engine();
    let module =
        wasmtime::Module::from_file(&engine, PathBuf::from(wat("threads_unshared"))).unwrap();
    let linker = wasmtime::Linker::new(&engine);
    let err = Program::new(
        &engine,
        &linker,
        &module,
        ProgramOptions::default(),
        |c: WasiCtx| c,
        |c| c,
    )
    .err()
    .expect("refused");
    assert!(
        err.to_string().contains("`env.memory` is not shared"),
        "{err}"
    );
}

#[test]
fn plain_instantiate_links_thread_spawn_and_it_fails() {
    // Outside a `Program`, `thread-spawn` is linked and returns a negative value.
    let engine = engine();
    let module = wasmtime::Module::new(
        &engine,
        r#"(module
            (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
            (func (export "go") (result i32) (call $spawn (i32.const 0))))"#,
    )
    .unwrap();
    let linker = wasmtime::Linker::new(&engine);
    let mut store = wasmtime::Store::new(&engine, WasiCtx::builder().build().unwrap());
    // The engine has epoch interruption on (`program::configure`).
    store.set_epoch_deadline(1);
    let instance = wasi_host::instantiate(&mut store, &linker, &module, |c| c).unwrap();
    let go = instance
        .get_typed_func::<(), i32>(&mut store, "go")
        .unwrap();
    assert!(go.call(&mut store, ()).unwrap() < 0);
}

// WASIX threads (`docs/wasix.md`).

#[test]
fn cli_wasix_futexes_thread_ids_and_a_shared_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let map = format!("{}::/d", dir.path().display());
    let out = cli(&["run", "--dir", &map, &guest(), "wasix", "/d"]);
    let parallelism = std::thread::available_parallelism().map_or(1, |n| n.get());
    assert_ok(
        &out,
        &format!("wasix ok: 18 checks, parallelism {parallelism}\n"),
    );
}

#[test]
fn library_wasix_thread_spawn_v2_and_thread_exit() {
    // A module whose only spawn call is WASIX's is threaded. Exit 42: both threads started
    // from the `thread_start` record, saw their ids, met the host's futexes through the
    // guest's atomics, and `thread_exit` ended only them (`wat/wasix_thread_spawn.wat`).
    let engine = engine();
    let module = wasmtime::Module::from_file(&engine, wat("wasix_thread_spawn")).unwrap();
    assert!(program::is_threaded(&module));
    let linker = wasmtime::Linker::new(&engine);
    let options = ProgramOptions {
        max_threads: 1,
        ..ProgramOptions::default()
    };
    let program = Program::new(&engine, &linker, &module, options, |ctx| ctx, |ctx| ctx).unwrap();
    assert!(program.is_threaded());
    let e = program
        .run(WasiCtx::builder().build().unwrap())
        .unwrap_err();
    assert_eq!(e.downcast_ref::<Exit>(), Some(&Exit(42)), "{e:?}");
}

#[test]
fn cli_runs_a_module_that_spawns_through_wasix_only() {
    // The same module through the command: found threaded by its `thread_spawn_v2` import
    // alone (its shared memory import is made by the host), ending with `proc_exit(42)`.
    let out = cli(&["run", "--max-threads", "1", &wat("wasix_thread_spawn")]);
    assert_eq!(out.status.code(), Some(42), "{}", stderr(&out));
}

#[test]
fn wasix_thread_calls_outside_a_program() {
    // Linked by `instantiate` alone (one thread, unshared memory): `thread_spawn_v2` is
    // ENOTSUP (58), `thread_exit` ends the program, `thread_id` is 1.
    let engine = engine();
    let module = wasmtime::Module::new(
        &engine,
        r#"(module
            (import "wasix_32v1" "thread_spawn_v2" (func $spawn (param i32 i32) (result i32)))
            (import "wasix_32v1" "thread_id" (func $tid (param i32) (result i32)))
            (import "wasix_32v1" "thread_exit" (func $exit (param i32)))
            (memory (export "memory") 1)
            (func (export "spawn") (result i32) (call $spawn (i32.const 64) (i32.const 0)))
            (func (export "tid") (result i32)
                (if (call $tid (i32.const 0)) (then (return (i32.const -1))))
                (i32.load (i32.const 0)))
            (func (export "exit") (call $exit (i32.const 5))))"#,
    )
    .unwrap();
    let linker = wasmtime::Linker::new(&engine);
    let mut store = wasmtime::Store::new(&engine, WasiCtx::builder().build().unwrap());
    store.set_epoch_deadline(1);
    let instance = wasi_host::instantiate(&mut store, &linker, &module, |c| c).unwrap();
    let call = |store: &mut wasmtime::Store<WasiCtx>, name: &str| {
        instance
            .get_typed_func::<(), i32>(&mut *store, name)
            .unwrap()
            .call(store, ())
    };
    assert_eq!(call(&mut store, "spawn").unwrap(), 58);
    assert_eq!(call(&mut store, "tid").unwrap(), 1);
    let err = instance
        .get_typed_func::<(), ()>(&mut store, "exit")
        .unwrap()
        .call(&mut store, ())
        .unwrap_err();
    assert_eq!(err.downcast_ref::<Exit>(), Some(&Exit(5)), "{err:?}");
}

#[test]
fn library_a_thread_in_futex_wait_ends_with_the_program() {
    // A thread parked in WASIX's `futex_wait` for ever; main exits. Every thread's store data
    // is dropped once its thread has ended: the parked thread's too.
    let engine = engine();
    let module = wasmtime::Module::new(
        &engine,
        r#"(module
            (import "env" "memory" (memory 1 1 shared))
            (export "memory" (memory 0))
            (import "wasix_32v1" "thread_spawn_v2" (func $spawn (param i32 i32) (result i32)))
            (import "wasix_32v1" "futex_wait" (func $wait (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
            (func (export "wasi_thread_start") (param i32 i32)
                (i32.atomic.store (i32.const 0) (i32.const 1))
                (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))
                ;; The word at 8 stays 0: parked until the program ends.
                (drop (call $wait (i32.const 8) (i32.const 0) (i32.const 16) (i32.const 32)))
                unreachable)
            (func (export "_start")
                (if (call $spawn (i32.const 64) (i32.const 4)) (then (call $exit (i32.const 1))))
                (block $up
                    (loop $again
                        (br_if $up (i32.atomic.load (i32.const 0)))
                        (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const -1)))
                        (br $again)))
                (call $exit (i32.const 7))))"#,
    )
    .unwrap();
    struct Data {
        ctx: WasiCtx,
        _dropped: DropSignal,
    }
    struct DropSignal(std::sync::mpsc::Sender<()>);
    impl Drop for DropSignal {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let linker = wasmtime::Linker::new(&engine);
    let program = Program::new(
        &engine,
        &linker,
        &module,
        ProgramOptions::default(),
        move |ctx| Data {
            ctx,
            _dropped: DropSignal(tx.lock().unwrap().clone()),
        },
        |d| &mut d.ctx,
    )
    .unwrap();
    let e = program
        .run(WasiCtx::builder().build().unwrap())
        .unwrap_err();
    assert_eq!(e.downcast_ref::<Exit>(), Some(&Exit(7)), "{e:?}");
    // The main thread's store and the parked thread's (a hang guard, not a measurement: the
    // thread looks at the program's end every 100 ms).
    for _ in 0..2 {
        rx.recv_timeout(std::time::Duration::from_secs(60))
            .expect("a thread's store was never dropped");
    }
}

/// Runs `threads_blocked.wat` in-process with `args`: seven threads blocked for ever (in
/// `fd_read` of a pipe, `sock_accept`, `memory.atomic.wait32`, WASIX `thread_sleep`, `fd_write`
/// to a full pipe, `sock_recv` on a socket pair, `sock_send` to a full socket pair) when the
/// program ends. Returns the outcome and whether every thread was gone within the bound.
fn run_blocked(args: &[&str]) -> (wasmtime::Result<()>, bool, u32) {
    let engine = engine();
    let module = wasmtime::Module::from_file(&engine, wat("threads_blocked")).unwrap();
    let linker = wasmtime::Linker::new(&engine);
    // The write end stays open (and silent) until the test ends: the read never completes;
    // nobody reads stdout's pipe, so writes to it fill it and then wait.
    let (stdin, _writer) = std::io::pipe().unwrap();
    let (_reader, stdout) = std::io::pipe().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let ctx = WasiCtx::builder()
        .arg("blocked")
        .args(args.iter().copied())
        .stdin(Stdio::File(std::fs::File::from(
            std::os::fd::OwnedFd::from(stdin),
        )))
        .stdout(Stdio::File(std::fs::File::from(
            std::os::fd::OwnedFd::from(stdout),
        )))
        .tcp_listener(listener)
        .build()
        .unwrap();
    let program = Program::new(
        &engine,
        &linker,
        &module,
        ProgramOptions::default(),
        |ctx| ctx,
        |ctx| ctx,
    )
    .unwrap();
    let threads = program.threads();
    let outcome = program.run(ctx);
    // A hang guard, not a measurement: stopping takes milliseconds.
    let stopped = threads.wait_stopped(std::time::Duration::from_secs(30));
    (outcome, stopped, threads.running())
}

#[test]
fn library_threads_blocked_anywhere_end_when_main_returns() {
    let (outcome, stopped, running) = run_blocked(&[]);
    outcome.unwrap();
    assert!(stopped, "{running} threads still running");
    assert_eq!(running, 0);
}

#[test]
fn library_main_parked_in_a_wait_ends_when_a_thread_exits() {
    let (outcome, stopped, running) = run_blocked(&["exit"]);
    let e = outcome.unwrap_err();
    assert_eq!(e.downcast_ref::<Exit>(), Some(&Exit(7)), "{e:?}");
    assert!(stopped, "{running} threads still running");
}

#[test]
fn cli_precompiled_threaded_module_runs_with_no_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let cwasm = tmp.path().join("foo_bar.cwasm");
    let cwasm = cwasm.to_str().unwrap();
    let out = cli(&["compile", &wat("threads_foo_bar"), "-o", cwasm]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Compiled for threads (shared memory, epoch checks) and loaded as such, with no flag.
    let out = cli(&["run", "--allow-precompiled", "--max-threads", "1", cwasm]);
    assert_eq!(out.status.code(), Some(42), "{}", stderr(&out));
    let out = cli(&["run", "--allow-precompiled", "-S", "threads=n", cwasm]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("-S threads=n refuses"),
        "{}",
        stderr(&out)
    );
    // A single-threaded precompiled module still runs on the plain engine.
    let plain = tmp.path().join("exit.cwasm");
    let plain = plain.to_str().unwrap();
    let out = cli(&["compile", &wat("cli_exit"), "-o", plain]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = cli(&["run", "--allow-precompiled", plain, "5"]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
}
