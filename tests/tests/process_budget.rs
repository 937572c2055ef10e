//! The process-wide descriptor budget: shared by every instance of the process, so it has a
//! test binary of its own (a budget set here would starve tests running beside it).

use wasi_host::limits::{process_descriptors_open, set_process_descriptor_budget};
use wasi_host::{Stdio, WasiCtxBuilder};
use wasmtime::{Engine, Linker, Module, Store};

/// A guest that opens `.` in its preopen (fd 3) and returns the errno, leaving it open.
const OPENER: &str = r#"(module
    (import "wasi_snapshot_preview1" "path_open"
        (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) ".")
    (func (export "open") (result i32)
        (call $open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 1)
            (i32.const 2) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 64))))"#;

#[test]
fn instances_share_one_budget_and_give_it_back() {
    const EMFILE: i32 = 33;
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::default();
    let module = Module::new(&engine, OPENER).unwrap();
    let new_store = || {
        let ctx = WasiCtxBuilder::new()
            .stdin(Stdio::Null)
            .stdout(Stdio::Null)
            .stderr(Stdio::Null)
            .preopen_dir(dir.path(), "/d")
            .build()
            .unwrap();
        let mut store = Store::new(&engine, ctx);
        let instance =
            wasi_host::instantiate(&mut store, &Linker::new(&engine), &module, |c| c).unwrap();
        let open = instance
            .get_typed_func::<(), i32>(&mut store, "open")
            .unwrap();
        (store, open)
    };
    let before = process_descriptors_open();
    let (mut a, open_a) = new_store();
    let (mut b, open_b) = new_store();
    // Stdio and the preopen: four each.
    assert_eq!(process_descriptors_open(), before + 8);
    // Two more descriptors for the whole process, whichever instance asks.
    set_process_descriptor_budget(Some(before + 10));
    assert_eq!(open_a.call(&mut a, ()).unwrap(), 0);
    assert_eq!(open_b.call(&mut b, ()).unwrap(), 0);
    assert_eq!(open_a.call(&mut a, ()).unwrap(), EMFILE);
    assert_eq!(open_b.call(&mut b, ()).unwrap(), EMFILE);
    // An instance that goes away gives its descriptors back.
    drop(a);
    assert_eq!(process_descriptors_open(), before + 5);
    assert_eq!(open_b.call(&mut b, ()).unwrap(), 0);
    set_process_descriptor_budget(None);
    assert_eq!(open_b.call(&mut b, ()).unwrap(), 0);
    drop(b);
    assert_eq!(process_descriptors_open(), before);
}
