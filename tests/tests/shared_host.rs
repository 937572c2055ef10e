//! The shared-host flavour of the generated traits: one host object, `&self` methods, serving
//! instances on several threads, each call with its own instance's context.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use wasi_host::preview1::{self, Errno, Size, WasiSnapshotPreview1Shared};
use wasi_host::{CallError, SharedHost};
use wasmtime::{Engine, Linker, Module, Store};

/// Counts calls across every instance; each instance's context is its number.
#[derive(Default)]
struct Counter {
    calls: AtomicU32,
}

impl WasiSnapshotPreview1Shared for Counter {
    type Context = u32;

    fn args_sizes_get(&self, cx: &mut u32) -> Result<(Size, Size), CallError<Errno>> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        Ok((*cx, 0))
    }
}

const GUEST: &str = r#"(module
    (import "wasi_snapshot_preview1" "args_sizes_get" (func $a (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "argc") (result i32)
        (drop (call $a (i32.const 0) (i32.const 4)))
        (i32.load (i32.const 0)))
    (func (export "random") (result i32) (call $r (i32.const 16) (i32.const 4))))"#;

type Data = SharedHost<Counter, u32>;

#[test]
fn one_host_serves_instances_on_several_threads() {
    fn assert_shared<T: WasiSnapshotPreview1Shared>() {}
    // `Arc<H>` is a shared host too, so hosts can be layered behind one another.
    assert_shared::<Arc<Counter>>();

    let engine = Engine::default();
    let module = Module::new(&engine, GUEST).unwrap();
    let host = Arc::new(Counter::default());
    let mut linker: Linker<Data> = Linker::new(&engine);
    preview1::add_to_linker(&mut linker, |d: &mut Data| d).unwrap();
    let threads: Vec<_> = (1..=4u32)
        .map(|n| {
            let (engine, module, linker, host) =
                (engine.clone(), module.clone(), linker.clone(), host.clone());
            std::thread::spawn(move || {
                let mut store = Store::new(&engine, SharedHost { host, context: n });
                let instance = linker.instantiate(&mut store, &module).unwrap();
                let argc = instance
                    .get_typed_func::<(), i32>(&mut store, "argc")
                    .unwrap();
                let seen: Vec<i32> = (0..100)
                    .map(|_| argc.call(&mut store, ()).unwrap())
                    .collect();
                let random = instance
                    .get_typed_func::<(), i32>(&mut store, "random")
                    .unwrap();
                (n, seen, random.call(&mut store, ()).unwrap())
            })
        })
        .collect();
    for t in threads {
        let (n, seen, random) = t.join().unwrap();
        // Every call saw its own instance's context.
        assert!(seen.iter().all(|&argc| argc == n as i32), "{n}: {seen:?}");
        // What the shared host leaves out answers ENOSYS, as in the other flavour.
        assert_eq!(random, Errno::Nosys as i32);
    }
    assert_eq!(host.calls.load(Ordering::Relaxed), 400);
}
