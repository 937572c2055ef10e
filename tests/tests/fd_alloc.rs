//! The hot descriptor calls allocate nothing on the host heap: a guest making the same calls
//! 10 or 1000 times (iovec lists of 16 entries, the inline limit) costs the host the same
//! number of allocations. Counted per thread, so other tests running meanwhile do not count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::io::Write;

use wasi_host::{Stdio, WasiCtx};
use wasmtime::{Linker, Module, Store};

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: forwards to the system allocator; the counter is a const thread-local without a
// destructor, so touching it never allocates or re-enters.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

/// `run(n)` makes each hot call `n` times and returns the OR of every errno (0 if all
/// succeeded). Memory: 16 iovecs of 4 bytes at 0, results at 512.., a filestat at 576, an
/// fdstat at 640, two subscriptions (a zero clock and an fd_read on fd 0) at 768, events at 896.
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
  (memory (export "memory") 1)
  (data (i32.const 784) "\01")
  (data (i32.const 824) "\01")
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
        (local.set $err (i32.or (local.get $err) (call $write (i32.const 1) (i32.const 0) (i32.const 16) (i32.const 512))))
        (local.set $err (i32.or (local.get $err) (call $pwrite (i32.const 1) (i32.const 0) (i32.const 16) (i64.const 0) (i32.const 512))))
        (local.set $err (i32.or (local.get $err) (call $seek (i32.const 0) (i64.const 0) (i32.const 0) (i32.const 520))))
        (local.set $err (i32.or (local.get $err) (call $read (i32.const 0) (i32.const 0) (i32.const 16) (i32.const 512))))
        (local.set $err (i32.or (local.get $err) (call $pread (i32.const 0) (i32.const 0) (i32.const 16) (i64.const 0) (i32.const 512))))
        (local.set $err (i32.or (local.get $err) (call $tell (i32.const 0) (i32.const 520))))
        (local.set $err (i32.or (local.get $err) (call $fstat (i32.const 0) (i32.const 576))))
        (local.set $err (i32.or (local.get $err) (call $fdstat (i32.const 0) (i32.const 640))))
        (local.set $err (i32.or (local.get $err) (call $poll (i32.const 768) (i32.const 896) (i32.const 2) (i32.const 528))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $again)))
    (local.get $err)))
"#;

#[test]
fn hot_calls_do_not_allocate() {
    let mut stdin = tempfile::tempfile().unwrap();
    stdin.write_all(&[7u8; 64]).unwrap();
    let stdout = tempfile::tempfile().unwrap();
    let ctx = WasiCtx::builder()
        .stdin(Stdio::File(stdin))
        .stdout(Stdio::File(stdout.try_clone().unwrap()))
        .stderr(Stdio::Null)
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
