//! Registration: every preview1 function links with its exact core signature.

use wasi_host::preview1::{self, WasiSnapshotPreview1};
use wasi_host_tests::{TestHost, engine, guest_dir, watchdog};
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
    watchdog::arm(&mut store);
    linker(&engine)
        .instantiate(&mut store, &module)
        .expect("every import resolves");
}

/// The linker holds exactly the spec's functions, by module and name: a missing function, a
/// misspelt one, an extra one or a duplicate would each change the sorted lists.
#[test]
fn registration_defines_exactly_the_spec_functions() {
    let engine = engine();
    let linker = linker(&engine);
    let mut store = Store::new(&engine, TestHost::default());
    watchdog::arm(&mut store);
    let mut registered: Vec<(String, String)> = linker
        .iter(&mut store)
        .map(|(module, name, _)| (module.to_string(), name.to_string()))
        .collect();
    registered.sort();
    let witx = guest_dir().join("../../witx/preview1/wasi_snapshot_preview1.witx");
    let doc = witx::load(&[&witx]).unwrap_or_else(|e| panic!("{}", e.report()));
    let mut spec: Vec<(String, String)> = doc
        .modules()
        .flat_map(|m| {
            m.funcs()
                .map(|f| (m.name.as_str().to_string(), f.name.as_str().to_string()))
                .collect::<Vec<_>>()
        })
        .collect();
    spec.sort();
    assert_eq!(spec.len(), 46, "the preview1 spec has 46 functions");
    assert_eq!(registered, spec);
}

#[test]
fn wrong_signature_does_not_link() {
    let engine = engine();
    let wat = r#"(module
        (import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32) (result i32)))
        (memory (export "memory") 1))"#;
    let module = Module::new(&engine, wat).unwrap();
    let mut store = Store::new(&engine, TestHost::default());
    watchdog::arm(&mut store);
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
    watchdog::arm(&mut store);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let go = instance
        .get_typed_func::<(), i32>(&mut store, "go")
        .unwrap();
    assert_eq!(
        go.call(&mut store, ()).unwrap(),
        preview1::Errno::Nosys as i32
    );
}
