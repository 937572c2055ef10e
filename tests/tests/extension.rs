//! A second spec beside preview1 (`tests/witx/ext.witx`): it shares preview1's types, links
//! under its own import module name, has two variants of one import chosen by each module's
//! imported signature, and passes a record by pointer next to a count.

mod ext {
    wasi_host::bindings!("witx/ext.witx");
}

use ext::{Ext, Query};
use wasi_host::guest::{GuestArrayMut, GuestPtr};
use wasi_host::preview1::{Errno, Fd, Fdflags, Size};
use wasi_host::{CallError, WasiCtx, WasiCtxBuilder};
use wasmtime::{Engine, Instance, Linker, Module, Store};

/// The store's data: preview1's context and the extension's host side by side.
struct Host {
    wasi: WasiCtx,
    calls: Vec<String>,
}

impl Ext for Host {
    fn dup_v1(&mut self, fd: Fd) -> Result<Fd, CallError<Errno>> {
        self.calls.push(format!("dup_v1({})", fd.0));
        Ok(Fd(fd.0 + 100))
    }

    fn dup_v2(&mut self, fd: Fd, flags: Fdflags) -> Result<Fd, CallError<Errno>> {
        self.calls
            .push(format!("dup_v2({}, {:#x})", fd.0, flags.bits()));
        if fd.0 == 0 {
            // preview1's errno type is the extension's: no conversion needed.
            return Err(Errno::Badf.into());
        }
        Ok(Fd(fd.0 + 200))
    }

    fn fill(
        &mut self,
        query: GuestPtr<'_, Query>,
        mut out: GuestArrayMut<'_, u32>,
    ) -> Result<Size, CallError<Errno>> {
        let q = query.read()?;
        for i in 0..out.len() {
            out.set(i, &(q.start + i as u32 * q.step))?;
        }
        self.calls.push(format!("fill({}, {})", q.start, q.step));
        Ok(out.len() as Size)
    }
}

fn instantiate(store: &mut Store<Host>, module: &Module) -> wasmtime::Result<Instance> {
    let linker = Linker::new(store.engine());
    wasi_host::link::instantiate(
        store,
        &linker,
        module,
        &[wasi_host::preview1::IMPORTS, ext::IMPORTS],
        |linker, spec, memory| {
            if ext::IMPORTS.contains(spec) {
                ext::define(
                    linker,
                    spec.witx_module,
                    spec.function,
                    |h: &mut Host| h,
                    memory,
                )
            } else {
                wasi_host::preview1::define(
                    linker,
                    spec.witx_module,
                    spec.function,
                    |h: &mut Host| &mut h.wasi,
                    memory,
                )
            }
        },
    )
}

fn store(engine: &Engine) -> Store<Host> {
    Store::new(
        engine,
        Host {
            wasi: WasiCtxBuilder::new().build().unwrap(),
            calls: Vec::new(),
        },
    )
}

/// A guest that imports `dup` with `dup_params` core parameters and calls it on fd 7,
/// returning the errno; the copy lands at 0x40.
fn dup_guest(engine: &Engine, dup_params: usize) -> Module {
    let (params, args) = match dup_params {
        2 => ("i32 i32", "(i32.const 7) (i32.const 64)"),
        3 => ("i32 i32 i32", "(i32.const 7) (i32.const 1) (i32.const 64)"),
        _ => ("i64", "(i64.const 7)"),
    };
    let wat = format!(
        r#"(module
        (import "wasi_ext" "dup" (func $dup (param {params}) (result i32)))
        (memory (export "memory") 1)
        (func (export "go") (result i32) (call $dup {args}))
        (func (export "copy") (result i32) (i32.load (i32.const 64))))"#
    );
    Module::new(engine, wat).unwrap()
}

fn call(store: &mut Store<Host>, instance: &Instance, name: &str) -> i32 {
    let f = instance
        .get_typed_func::<(), i32>(&mut *store, name)
        .unwrap();
    f.call(store, ()).unwrap()
}

#[test]
fn each_module_gets_the_variant_its_import_matches() {
    let engine = Engine::default();
    let mut store = store(&engine);
    let one = instantiate(&mut store, &dup_guest(&engine, 2)).unwrap();
    let two = instantiate(&mut store, &dup_guest(&engine, 3)).unwrap();
    assert_eq!(call(&mut store, &one, "go"), 0);
    assert_eq!(call(&mut store, &one, "copy"), 107);
    assert_eq!(call(&mut store, &two, "go"), 0);
    assert_eq!(call(&mut store, &two, "copy"), 207);
    assert_eq!(store.data().calls, ["dup_v1(7)", "dup_v2(7, 0x1)"]);
}

#[test]
fn an_import_no_variant_matches_is_one_clear_error() {
    let engine = Engine::default();
    let mut store = store(&engine);
    let err = instantiate(&mut store, &dup_guest(&engine, 1)).unwrap_err();
    let text = format!("{err}");
    assert!(text.contains("wasi_ext.dup"), "{text}");
    assert!(
        text.contains("(param i64)") || text.contains("i64"),
        "{text}"
    );
    assert!(
        text.contains("`dup_v1` (i32, i32) -> (i32)")
            && text.contains("`dup_v2` (i32, i32, i32) -> (i32)"),
        "{text}"
    );
}

#[test]
fn a_record_pointer_next_to_a_count_is_one_record() {
    let engine = Engine::default();
    let mut store = store(&engine);
    // The query {start 5, step 3} at 0x10, room for 4 values at 0x20; with a count of 4,
    // reading the query as an array of 4 records would also accept a query 8 bytes from the
    // end of memory, which `fill_at_end` puts exactly one record from the end.
    let wat = r#"(module
        (import "wasi_ext" "fill" (func $fill (param i32 i32 i32 i32) (result i32)))
        (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (data (i32.const 16) "\05\00\00\00\03\00\00\00")
        (data (i32.const 65528) "\01\00\00\00\01\00\00\00")
        (func (export "go") (result i32) (call $fill (i32.const 16) (i32.const 32) (i32.const 4) (i32.const 48)))
        (func (export "fill_at_end") (result i32) (call $fill (i32.const 65528) (i32.const 32) (i32.const 4) (i32.const 48)))
        (func (export "count") (result i32) (i32.load (i32.const 48)))
        (func (export "v3") (result i32) (i32.load (i32.const 44))))"#;
    let instance = instantiate(&mut store, &Module::new(&engine, wat).unwrap()).unwrap();
    assert_eq!(call(&mut store, &instance, "go"), 0);
    assert_eq!(call(&mut store, &instance, "count"), 4);
    assert_eq!(call(&mut store, &instance, "v3"), 5 + 3 * 3);
    assert_eq!(call(&mut store, &instance, "fill_at_end"), 0);
    assert_eq!(call(&mut store, &instance, "v3"), 1 + 3);
}

#[test]
fn the_extension_reuses_preview1_types() {
    // The same types, not look-alikes: these assignments compile only if they are.
    let fd: wasi_host::preview1::Fd = ext::Fd(3);
    let errno: wasi_host::preview1::Errno = ext::Errno::Badf;
    assert_eq!((fd.0, errno), (3, Errno::Badf));
    // Only the extension's own type is new.
    assert_eq!(ext::LAYOUTS.len(), 1);
    assert_eq!(ext::LAYOUTS[0].name, "query");
    // And it is registered under its import module name, not its WITX name.
    assert!(ext::IMPORTS.iter().all(|s| s.module == "wasi_ext"));
    assert_eq!(
        ext::IMPORTS
            .iter()
            .filter(|s| s.name == "dup")
            .map(|s| s.function)
            .collect::<Vec<_>>(),
        ["dup_v1", "dup_v2"]
    );
}

#[test]
fn a_thread_ending_call_ends_the_thread_not_the_program() {
    let engine = Engine::default();
    let mut store = store(&engine);
    let wat = r#"(module
        (import "wasi_ext" "end_thread" (func $end (param i32)))
        (memory (export "memory") 1)
        (func (export "go") (call $end (i32.const 7))))"#;
    let instance = instantiate(&mut store, &Module::new(&engine, wat).unwrap()).unwrap();
    let go = instance.get_typed_func::<(), ()>(&mut store, "go").unwrap();
    let err = go.call(&mut store, ()).unwrap_err();
    assert_eq!(
        err.downcast_ref::<wasi_host::ThreadExit>(),
        Some(&wasi_host::ThreadExit(7))
    );
    assert!(err.downcast_ref::<wasi_host::Exit>().is_none(), "{err:?}");
}

#[test]
fn an_errno_from_the_extension_reaches_the_guest() {
    let engine = Engine::default();
    let mut store = store(&engine);
    let wat = r#"(module
        (import "wasi_ext" "dup" (func $dup (param i32 i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "go") (result i32) (call $dup (i32.const 0) (i32.const 0) (i32.const 64))))"#;
    let instance = instantiate(&mut store, &Module::new(&engine, wat).unwrap()).unwrap();
    assert_eq!(call(&mut store, &instance, "go"), Errno::Badf as i32);
}
