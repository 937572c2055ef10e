//! Registration: every preview1 function links with its exact core signature.

use wasi_host::preview1::{self, WasiSnapshotPreview1};
use wasi_host_tests::{TestHost, engine, guest_dir};
use wasmtime::{Linker, Module, Store};

fn linker(engine: &wasmtime::Engine) -> Linker<TestHost> {
    let mut linker = Linker::new(engine);
    preview1::add_to_linker(&mut linker, |h: &mut TestHost| h).expect("register");
    linker
}

#[test]
fn all_46_functions_link() {
    let engine = engine();
    let module = Module::from_file(&engine, guest_dir().join("wat/all_imports.wat")).unwrap();
    assert_eq!(module.imports().count(), 46);
    let mut store = Store::new(&engine, TestHost::default());
    linker(&engine)
        .instantiate(&mut store, &module)
        .expect("every import resolves");
}

#[test]
fn registration_defines_exactly_the_spec_functions() {
    let engine = engine();
    let linker = linker(&engine);
    let mut store = Store::new(&engine, TestHost::default());
    let names: Vec<String> = linker
        .iter(&mut store)
        .map(|(module, name, _)| {
            assert_eq!(module, "wasi_snapshot_preview1");
            name.to_string()
        })
        .collect();
    assert_eq!(names.len(), 46, "{names:?}");
}

#[test]
fn wrong_signature_does_not_link() {
    let engine = engine();
    let wat = r#"(module
        (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32) (result i32)))
        (memory (export "memory") 1))"#;
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, TestHost::default());
    let err = linker(&engine)
        .instantiate(&mut store, &module)
        .unwrap_err();
    assert!(format!("{err:?}").contains("fd_write"), "{err:?}");
}

#[test]
fn a_host_implementing_nothing_is_valid() {
    // Every method has a default body: an empty impl compiles and answers ENOSYS.
    struct Nothing;
    impl WasiSnapshotPreview1 for Nothing {}
    let engine = engine();
    let mut linker = Linker::new(&engine);
    preview1::add_to_linker(&mut linker, |h: &mut Nothing| h).unwrap();
    let wat = r#"(module
        (import "wasi_snapshot_preview1" "random_get" (func $r (param i32 i32) (result i32)))
        (memory (export "memory") 1)
        (func (export "go") (result i32) (call $r (i32.const 0) (i32.const 16))))"#;
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, Nothing);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let go = instance
        .get_typed_func::<(), i32>(&mut store, "go")
        .unwrap();
    assert_eq!(
        go.call(&mut store, ()).unwrap(),
        preview1::Errno::Nosys as i32
    );
}
