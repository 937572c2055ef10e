//! Many sandboxes in one process: 1,000 instances alive at once on several threads, each with
//! its own context and its own preopened directory. Each writes and reads back a file of its
//! own; no instance sees another's file or data, no descriptor outlives its instance, and the
//! memory an idle instance costs is printed.

use std::path::Path;
use std::sync::{Arc, Barrier};

use wasi_host::layers::Traced;
use wasi_host::preview1::WasiSnapshotPreview1Delegate;
use wasi_host::{Stdio, WasiCtx};
use wasmtime::{Engine, Linker, Module, Store, TypedFunc};

const INSTANCES: usize = 1000;
const THREADS: usize = 8;

/// `go(n)`: writes `n` (4 bytes) to `own.txt` in the preopen (fd 3), seeks back, reads it,
/// closes it and returns what it read; a failing call returns its errno, negated.
const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "\64\00\00\00\04\00\00\00")
  (data (i32.const 24) "\68\00\00\00\04\00\00\00")
  (data (i32.const 200) "own.txt")
  (func (export "go") (param $n i32) (result i32)
    (local $e i32) (local $fd i32)
    (i32.store (i32.const 100) (local.get $n))
    ;; oflags creat|trunc; rights fd_read|fd_seek|fd_write
    (local.set $e (call $open (i32.const 3) (i32.const 0) (i32.const 200) (i32.const 7) (i32.const 9)
      (i64.const 70) (i64.const 0) (i32.const 0) (i32.const 300)))
    (if (local.get $e) (then (return (i32.sub (i32.const 0) (local.get $e)))))
    (local.set $fd (i32.load (i32.const 300)))
    (local.set $e (call $write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 40)))
    (if (local.get $e) (then (return (i32.sub (i32.const 0) (local.get $e)))))
    (local.set $e (call $seek (local.get $fd) (i64.const 0) (i32.const 0) (i32.const 48)))
    (if (local.get $e) (then (return (i32.sub (i32.const 0) (local.get $e)))))
    (local.set $e (call $read (local.get $fd) (i32.const 24) (i32.const 1) (i32.const 40)))
    (if (local.get $e) (then (return (i32.sub (i32.const 0) (local.get $e)))))
    (local.set $e (call $close (local.get $fd)))
    (if (local.get $e) (then (return (i32.sub (i32.const 0) (local.get $e)))))
    (i32.load (i32.const 104))))"#;

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

/// Resident memory of this process, in bytes (`/proc/self/statm`, second field, in pages).
fn rss() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// The only entry of `dir` is `own.txt`, holding `n`.
#[track_caller]
fn assert_own_file(dir: &Path, n: u32) {
    let names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["own.txt"], "{}", dir.display());
    assert_eq!(
        std::fs::read(dir.join("own.txt")).unwrap(),
        n.to_le_bytes(),
        "{}",
        dir.display()
    );
}

struct Sandbox {
    n: u32,
    dir: tempfile::TempDir,
    store: Store<WasiCtx>,
    go: TypedFunc<u32, i32>,
}

fn sandbox(engine: &Engine, module: &Module, n: u32) -> Sandbox {
    let dir = tempfile::tempdir().unwrap();
    let ctx = WasiCtx::builder()
        .stdin(Stdio::Null)
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .preopen_dir(dir.path(), "/sandbox")
        .build()
        .unwrap();
    let mut store = Store::new(engine, ctx);
    let linker = Linker::new(engine);
    let instance =
        wasi_host::instantiate(&mut store, &linker, module, |c: &mut WasiCtx| c).unwrap();
    let go = instance.get_typed_func(&mut store, "go").unwrap();
    Sandbox { n, dir, store, go }
}

#[test]
fn hosts_are_send() {
    fn send<T: Send + 'static>() {}
    struct Wrapped(WasiCtx);
    impl wasi_host::Delegate for Wrapped {
        type Inner = WasiCtx;
        fn inner(&mut self) -> &mut WasiCtx {
            &mut self.0
        }
    }
    impl WasiSnapshotPreview1Delegate for Wrapped {}
    send::<WasiCtx>();
    send::<Traced<WasiCtx>>();
    send::<Wrapped>();
    send::<Store<Traced<WasiCtx>>>();
}

#[test]
fn a_thousand_sandboxes_on_several_threads() {
    let engine = Engine::default();
    let module = Module::new(&engine, GUEST).unwrap();
    // Warm up whatever the engine and the runtime set up once per process, so that the
    // counts below see only what instances hold.
    drop(sandbox(&engine, &module, u32::MAX));
    let fds_before = open_fds();

    // All alive, then measured, then run, then checked, then dropped.
    let created = Arc::new(Barrier::new(THREADS + 1));
    let measured = Arc::new(Barrier::new(THREADS + 1));
    let ran = Arc::new(Barrier::new(THREADS));
    let rss_before = rss();
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (engine, module) = (engine.clone(), module.clone());
            let (created, measured, ran) = (created.clone(), measured.clone(), ran.clone());
            std::thread::spawn(move || {
                let mut mine: Vec<Sandbox> = (t..INSTANCES)
                    .step_by(THREADS)
                    .map(|n| sandbox(&engine, &module, 1_000_000 + n as u32))
                    .collect();
                created.wait();
                measured.wait();
                for s in &mut mine {
                    let got = s.go.call(&mut s.store, s.n).unwrap();
                    assert_eq!(got, s.n as i32, "sandbox {}", s.n);
                }
                // Every thread has run every one of its sandboxes: nothing wrote elsewhere.
                ran.wait();
                for s in &mine {
                    assert_own_file(s.dir.path(), s.n);
                }
                mine.len()
            })
        })
        .collect();
    created.wait();
    let per_instance = rss().saturating_sub(rss_before) / INSTANCES as u64;
    println!(
        "{INSTANCES} idle instances alive: about {} KiB resident each (context, store, \
         instance; of linear memory only the pages the guest touched)",
        per_instance / 1024
    );
    measured.wait();
    let total: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(total, INSTANCES);
    assert_eq!(open_fds(), fds_before, "descriptors leaked");
}
