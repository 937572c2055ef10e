//! The `poll_oneoff` subscription bound as a builder setting.

use wasi_host::{Stdio, WasiCtxBuilder};
use wasmtime::{Engine, Linker, Module, Store};

/// Three clock subscriptions (relative, due at once) at 0x100, events at 0x400.
const POLLER: &str = r#"(module
    (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "poll") (param $n i32) (result i32)
        (call $poll (i32.const 256) (i32.const 1024) (local.get $n) (i32.const 64))))"#;

fn poll(limit: Option<usize>, n: i32) -> i32 {
    let engine = Engine::default();
    let module = Module::new(&engine, POLLER).unwrap();
    let mut builder = WasiCtxBuilder::new();
    builder
        .stdin(Stdio::Null)
        .stdout(Stdio::Null)
        .stderr(Stdio::Null);
    if let Some(limit) = limit {
        builder.max_poll_subscriptions(limit);
    }
    let mut store = Store::new(&engine, builder.build().unwrap());
    let instance =
        wasi_host::instantiate(&mut store, &Linker::new(&engine), &module, |c| c).unwrap();
    // Subscriptions are 48 bytes: userdata, tag 0 (clock) at 8, clock id 1 (monotonic) at 16,
    // timeout 0 at 24; zeroed memory is otherwise a valid clock subscription.
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    for i in 0..8usize {
        memory.data_mut(&mut store)[256 + i * 48 + 16] = 1;
    }
    let f = instance
        .get_typed_func::<i32, i32>(&mut store, "poll")
        .unwrap();
    f.call(&mut store, n).unwrap()
}

#[test]
fn the_subscription_bound_is_a_setting() {
    const EINVAL: i32 = 28;
    assert_eq!(poll(None, 3), 0);
    assert_eq!(poll(Some(3), 3), 0);
    assert_eq!(poll(Some(2), 3), EINVAL);
    assert_eq!(poll(Some(2), 2), 0);
}
