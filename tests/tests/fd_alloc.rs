//! The hot descriptor calls allocate nothing on the host heap: a guest making the same calls
//! 10 or 1000 times (iovec lists of 16 entries, the inline limit) costs the host the same
//! number of allocations. And no guest argument makes the host allocate in proportion to it
//! (docs/limits.md). Counted per thread, so other tests running meanwhile do not count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;

use wasi_host::{Stdio, WasiCtx};
use wasmtime::{Linker, Module, Store};

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
    /// The largest single allocation (or reallocation) on this thread.
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    let _ = LARGEST.try_with(|c| c.set(c.get().max(size)));
}

struct Counting;

// SAFETY: forwards to the system allocator; the counter is a const thread-local without a
// destructor, so touching it never allocates or re-enters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// `open()` opens "in" (fd 4) and "out" (fd 5) in the preopen (fd 3): standard streams have
/// no seek rights. `run(n)` makes each hot call `n` times and returns the OR of every errno (0
/// if all succeeded). Memory: 16 iovecs of 4 bytes at 0, results at 512.., a filestat at 576,
/// an fdstat at 640, two subscriptions (a zero clock and an fd_read on fd 4) at 768, events at
/// 896, the names at 960 and 964.
const GUEST: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pread" (func $pread (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_tell" (func $tell (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_get" (func $fstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 784) "\01")
  (data (i32.const 824) "\01")
  (data (i32.const 832) "\04")
  (data (i32.const 960) "in")
  (data (i32.const 964) "out")
  (func (export "open") (result i32)
    (i32.or
      (call $open (i32.const 3) (i32.const 0) (i32.const 960) (i32.const 2) (i32.const 0)
                  (i64.const 0x1fffffff) (i64.const 0) (i32.const 0) (i32.const 976))
      (call $open (i32.const 3) (i32.const 0) (i32.const 964) (i32.const 3) (i32.const 0)
                  (i64.const 0x1fffffff) (i64.const 0) (i32.const 0) (i32.const 980))))
  (func (export "run") (param $n i32) (result i32)
    (local $i i32) (local $err i32)
    ;; iovec i: buffer 1024 + 4 i, length 4
    (loop $fill
      (i32.store (i32.mul (local.get $i) (i32.const 8))
                 (i32.add (i32.const 1024) (i32.mul (local.get $i) (i32.const 4))))
      (i32.store (i32.add (i32.mul (local.get $i) (i32.const 8)) (i32.const 4)) (i32.const 4))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 16))))
    (local.set $i (i32.const 0))
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $err (i32.or (local.get $err) (call $write (i32.const 5) (i32.const 0) (i32.const 16) (i32.const 512))))
        (local.set $err (i32.or (local.get $err) (call $pwrite (i32.const 5) (i32.const 0) (i32.const 16) (i64.const 0) (i32.const 512))))
        (local.set $err (i32.or (local.get $err) (call $seek (i32.const 4) (i64.const 0) (i32.const 0) (i32.const 520))))
        (local.set $err (i32.or (local.get $err) (call $read (i32.const 4) (i32.const 0) (i32.const 16) (i32.const 512))))
        (local.set $err (i32.or (local.get $err) (call $pread (i32.const 4) (i32.const 0) (i32.const 16) (i64.const 0) (i32.const 512))))
        (local.set $err (i32.or (local.get $err) (call $tell (i32.const 4) (i32.const 520))))
        (local.set $err (i32.or (local.get $err) (call $fstat (i32.const 4) (i32.const 576))))
        (local.set $err (i32.or (local.get $err) (call $fdstat (i32.const 4) (i32.const 640))))
        (local.set $err (i32.or (local.get $err) (call $poll (i32.const 768) (i32.const 896) (i32.const 2) (i32.const 528))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (local.get $err)))
"#;

#[test]
fn hot_calls_do_not_allocate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::File::create(dir.path().join("in"))
        .unwrap()
        .write_all(&[7u8; 64])
        .unwrap();
    let stdout = std::fs::File::create(dir.path().join("out")).unwrap();
    let ctx = WasiCtx::builder()
        .stdin(Stdio::Null)
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .preopen_dir(dir.path(), "/d")
        .build()
        .unwrap();
    // The guest never blocks (files only), so the epoch deadline is its time limit; it runs on
    // this thread, whose allocations are the ones counted.
    let engine = wasi_host_tests::run::engine();
    let module = Module::new(engine, GUEST).unwrap();
    let mut linker: Linker<WasiCtx> = Linker::new(engine);
    wasi_host::add_to_linker(&mut linker, |ctx| ctx).unwrap();
    let mut store = Store::new(engine, ctx);
    wasi_host_tests::watchdog::arm(&mut store);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let run = instance
        .get_typed_func::<i32, i32>(&mut store, "run")
        .unwrap();
    let open = instance
        .get_typed_func::<(), i32>(&mut store, "open")
        .unwrap();
    assert_eq!(open.call(&mut store, ()).unwrap(), 0);
    // Warm up whatever is set up lazily on a first call.
    assert_eq!(run.call(&mut store, 1).unwrap(), 0);

    let before = allocations();
    assert_eq!(run.call(&mut store, 10).unwrap(), 0);
    let few = allocations() - before;
    let before = allocations();
    assert_eq!(run.call(&mut store, 1000).unwrap(), 0);
    let many = allocations() - before;
    assert_eq!(
        few, many,
        "host allocations grow with the number of calls: {few} for 10 rounds, {many} for 1000"
    );
    // The calls did their work: 1011 gathered writes of 64 bytes at the end of the file.
    assert_eq!(stdout.metadata().unwrap().len(), 1011 * 64);
}

/// A guest with 8 MiB of memory: `path(call)` passes a 1 MiB path (all `a`, valid UTF-8, no
/// `/`) to one path call and returns its errno; `poll(n)` passes `n` zeroed subscriptions
/// (relative realtime clocks of 0 ns) and returns its errno.
const HOSTILE: &str = r#"
(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink" (func $readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 128)
  (data (i32.const 0x7ffff0) "x")
  (func (export "path") (param $call i32) (result i32)
    (memory.fill (i32.const 0x100000) (i32.const 0x61) (i32.const 0x100000))
    (if (result i32) (i32.eq (local.get $call) (i32.const 0))
      (then (call $open (i32.const 3) (i32.const 1) (i32.const 0x100000) (i32.const 0x100000)
                        (i32.const 1) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 0x7ffff8)))
      (else (if (result i32) (i32.eq (local.get $call) (i32.const 1))
        (then (call $stat (i32.const 3) (i32.const 1) (i32.const 0x100000) (i32.const 0x100000) (i32.const 0x7fff00)))
        (else (if (result i32) (i32.eq (local.get $call) (i32.const 2))
          (then (call $readlink (i32.const 3) (i32.const 0x100000) (i32.const 0x100000)
                                (i32.const 0x7fff00) (i32.const 64) (i32.const 0x7ffff8)))
          (else (if (result i32) (i32.eq (local.get $call) (i32.const 3))
            (then (call $symlink (i32.const 0x100000) (i32.const 0x100000) (i32.const 3)
                                 (i32.const 0x7ffff0) (i32.const 1)))
            (else (call $mkdir (i32.const 3) (i32.const 0x100000) (i32.const 0x100000)))))))))))
  (func (export "poll") (param $n i32) (result i32)
    (memory.fill (i32.const 0) (i32.const 0) (i32.const 0x7ff000))
    (call $poll (i32.const 0) (i32.mul (local.get $n) (i32.const 48)) (local.get $n) (i32.const 0x7ffff8))))
"#;

#[test]
fn no_guest_argument_sizes_a_host_allocation() {
    hostile_paths_and_polls(HOSTILE);
}

/// The same with shared memory, where the bindings copy string arguments before the host sees
/// them (`GuestMemory::string`), so the host's `PATH_MAX` check would come too late: the
/// bindings refuse a copy past `guest::STRING_COPY_MAX` first.
#[test]
fn no_guest_argument_sizes_a_host_allocation_with_shared_memory() {
    let shared = HOSTILE.replace(
        r#"(memory (export "memory") 128)"#,
        r#"(memory (export "memory") 128 128 shared)"#,
    );
    assert_ne!(shared, HOSTILE);
    hostile_paths_and_polls(&shared);
}

fn hostile_paths_and_polls(wat: &str) {
    const ENAMETOOLONG: i32 = 37;
    const EINVAL: i32 = 28;
    let dir = tempfile::tempdir().unwrap();
    let ctx = WasiCtx::builder()
        .stdin(Stdio::Null)
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .preopen_dir(dir.path(), "/d")
        .build()
        .unwrap();
    let mut config = wasmtime::Config::new();
    config.wasm_threads(true).shared_memory(true);
    let engine = wasmtime::Engine::new(&config).unwrap();
    let module = Module::new(&engine, wat).unwrap();
    let mut linker: Linker<WasiCtx> = Linker::new(&engine);
    wasi_host::add_to_linker(&mut linker, |ctx| ctx).unwrap();
    let mut store = Store::new(&engine, ctx);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let path = instance
        .get_typed_func::<i32, i32>(&mut store, "path")
        .unwrap();
    let poll = instance
        .get_typed_func::<i32, i32>(&mut store, "poll")
        .unwrap();
    // Whatever wasmtime sets up lazily on first calls.
    path.call(&mut store, 4).unwrap();
    poll.call(&mut store, 1).unwrap();
    // A bound well under the guest's arguments (1 MiB paths, ~4.8 MB of subscriptions).
    const BOUND: usize = 256 << 10;
    for call in 0..5 {
        LARGEST.with(|c| c.set(0));
        assert_eq!(
            path.call(&mut store, call).unwrap(),
            ENAMETOOLONG,
            "call {call}"
        );
        let largest = LARGEST.with(Cell::get);
        assert!(
            largest < BOUND,
            "path call {call}: host allocated {largest} bytes"
        );
    }
    LARGEST.with(|c| c.set(0));
    assert_eq!(poll.call(&mut store, 100_000).unwrap(), EINVAL);
    let largest = LARGEST.with(Cell::get);
    assert!(
        largest < BOUND,
        "poll_oneoff: host allocated {largest} bytes"
    );
    assert!(std::fs::read_dir(dir.path()).unwrap().next().is_none());
}
