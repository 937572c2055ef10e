//! Several instances in one store: every call reads and writes its own caller's memory, by
//! either way of registering the bindings; and the thread-safety of the public types.

use std::io::{Read, Seek};

use wasi_host::{Stdio, WasiCtx, WasiCtxBuilder};
use wasmtime::{Engine, Instance, Linker, Module, Store};

/// A guest with `text` (8 bytes) at 0x100: `write` sends it to stdout with `fd_write`,
/// `fill` overwrites it with `random_get`, `peek` returns its first four bytes.
fn guest(engine: &Engine, text: &str) -> Module {
    assert_eq!(text.len(), 8);
    let wat = format!(
        r#"(module
        (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
        (memory (export "memory") 1)
        (data (i32.const 16) "\00\01\00\00\08\00\00\00")
        (data (i32.const 256) "{text}")
        (func (export "write") (result i32) (call $w (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 32)))
        (func (export "fill") (result i32) (call $r (i32.const 256) (i32.const 8)))
        (func (export "peek") (result i32) (i32.load (i32.const 256))))"#
    );
    Module::new(engine, wat).unwrap()
}

#[derive(Clone, Copy, Debug)]
enum Registration {
    /// `add_to_linker`: one set of functions for every instance, memory found by name.
    Shared,
    /// `wasi_host::instantiate`: functions bound to each instance.
    Bound,
}

fn instantiate(
    how: Registration,
    store: &mut Store<WasiCtx>,
    linker: &Linker<WasiCtx>,
    module: &Module,
) -> wasmtime::Result<Instance> {
    match how {
        Registration::Shared => linker.instantiate(store, module),
        Registration::Bound => wasi_host::instantiate(store, linker, module, |c| c),
    }
}

fn linker(engine: &Engine, how: Registration) -> Linker<WasiCtx> {
    let mut linker = Linker::new(engine);
    if let Registration::Shared = how {
        wasi_host::add_to_linker(&mut linker, |c| c).unwrap();
    }
    linker
}

fn call(store: &mut Store<WasiCtx>, instance: &Instance, name: &str) -> i32 {
    let f = instance
        .get_typed_func::<(), i32>(&mut *store, name)
        .unwrap();
    f.call(store, ()).unwrap()
}

#[test]
fn each_instance_writes_its_own_bytes() {
    for how in [Registration::Shared, Registration::Bound] {
        let engine = Engine::default();
        let mut out = tempfile::tempfile().unwrap();
        let ctx = WasiCtxBuilder::new()
            .stdout(Stdio::File(out.try_clone().unwrap()))
            .build()
            .unwrap();
        let mut store = Store::new(&engine, ctx);
        let linker = linker(&engine, how);
        let a = instantiate(how, &mut store, &linker, &guest(&engine, "SECRET-A")).unwrap();
        let b = instantiate(how, &mut store, &linker, &guest(&engine, "public-B")).unwrap();
        // Order matters: a per-host cache would be filled by the first caller.
        for (instance, _) in [(&a, "a"), (&b, "b"), (&a, "a")] {
            assert_eq!(call(&mut store, instance, "write"), 0, "{how:?}");
        }
        let mut text = String::new();
        out.rewind().unwrap();
        out.read_to_string(&mut text).unwrap();
        assert_eq!(text, "SECRET-Apublic-BSECRET-A", "{how:?}");
    }
}

#[test]
fn one_instances_results_never_land_in_another() {
    for how in [Registration::Shared, Registration::Bound] {
        let engine = Engine::default();
        let mut store = Store::new(&engine, WasiCtxBuilder::new().build().unwrap());
        let linker = linker(&engine, how);
        let a = instantiate(how, &mut store, &linker, &guest(&engine, "SECRET-A")).unwrap();
        let b = instantiate(how, &mut store, &linker, &guest(&engine, "public-B")).unwrap();
        // A calls first, so a per-host memory cache would hold A's memory. (Random bytes
        // equal to the original ones by chance: one in 2^32 per check.)
        assert_eq!(call(&mut store, &a, "fill"), 0);
        let a_filled = call(&mut store, &a, "peek");
        assert_ne!(
            a_filled,
            i32::from_le_bytes(*b"SECR"),
            "{how:?}: A's fill reaches A"
        );
        assert_eq!(call(&mut store, &b, "fill"), 0);
        assert_eq!(
            call(&mut store, &a, "peek"),
            a_filled,
            "{how:?}: B's fill left A alone"
        );
        assert_ne!(
            call(&mut store, &b, "peek"),
            i32::from_le_bytes(*b"publ"),
            "{how:?}: B's fill reaches B"
        );
    }
}

#[test]
fn a_caller_without_memory_traps_even_after_another_instance_called() {
    let no_memory = r#"(module
        (import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
        (func (export "fill") (result i32) (call $r (i32.const 0) (i32.const 8))))"#;
    for how in [Registration::Shared, Registration::Bound] {
        let engine = Engine::default();
        let mut store = Store::new(&engine, WasiCtxBuilder::new().build().unwrap());
        let linker = linker(&engine, how);
        let a = instantiate(how, &mut store, &linker, &guest(&engine, "SECRET-A")).unwrap();
        assert_eq!(call(&mut store, &a, "fill"), 0);
        let module = Module::new(&engine, no_memory).unwrap();
        let lone = instantiate(how, &mut store, &linker, &module).unwrap();
        let fill = lone.get_typed_func::<(), i32>(&mut store, "fill").unwrap();
        let err = fill.call(&mut store, ()).unwrap_err();
        assert!(
            format!("{err:?}").contains("memory"),
            "{how:?}: expected a trap naming the missing memory, got {err:?}"
        );
    }
}

/// Compile-time checks of auto traits: `assert_not_sync::<X, _>()` compiles only when `X` is
/// not `Sync` (for a `Sync` type both marker impls apply and the call is ambiguous);
/// likewise `assert_not_send`.
mod auto_traits {
    pub struct Yes;
    pub struct No;
    pub trait IsSync<M> {}
    impl<T: ?Sized> IsSync<No> for T {}
    impl<T: ?Sized + Sync> IsSync<Yes> for T {}
    pub trait IsSend<M> {}
    impl<T: ?Sized> IsSend<No> for T {}
    impl<T: ?Sized + Send> IsSend<Yes> for T {}
    pub fn assert_not_sync<T: ?Sized + IsSync<M>, M>() {}
    pub fn assert_not_send<T: ?Sized + IsSend<M>, M>() {}
    pub fn assert_send<T: ?Sized + Send>() {}
    pub fn assert_send_sync<T: ?Sized + Send + Sync>() {}
}

#[test]
fn guest_views_cannot_cross_threads_and_hosts_can() {
    use auto_traits::*;
    use wasi_host::guest::{GuestBuf, GuestBufMut, GuestMemory, Iovecs, IovecsMut};
    // Copies of one unshared view write with plain copies: sharing or sending one would let
    // two threads race on the same bytes. These lines stop compiling if a view becomes
    // `Sync` or `Send`.
    assert_not_sync::<GuestMemory<'static>, _>();
    assert_not_send::<GuestMemory<'static>, _>();
    assert_not_sync::<GuestBuf<'static>, _>();
    assert_not_send::<GuestBufMut<'static>, _>();
    assert_not_sync::<Iovecs<'static>, _>();
    assert_not_send::<IovecsMut<'static>, _>();
    // One context per store, and stores move between threads.
    assert_send::<WasiCtx>();
    assert_send::<Store<WasiCtx>>();
    assert_send_sync::<wasi_host::guest::MemoryBinding>();
    assert_send_sync::<Linker<WasiCtx>>();
    // The table hands a host-defined descriptor to every thread of a program.
    assert_send_sync::<dyn wasi_host::HostDescriptor>();
    assert_send_sync::<std::sync::Arc<dyn wasi_host::HostDescriptor>>();
}
