//! An in-memory filesystem mounted at `/data`: `cargo run --example memfs` runs
//! `examples/hello.wat` (which prints `/data/greeting.txt` and lists `/data`) against a tree
//! built here; nothing is read from or written to disk.

use wasi_host::layers::{MemFs, MemTree, MountPoint};
use wasi_host::{Exit, WasiCtx};

fn main() -> wasmtime::Result<()> {
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::from_file(
        &engine,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/hello.wat"),
    )?;
    let mut builder = WasiCtx::builder();
    builder.arg("hello.wat").arg("memory");
    let mount = MountPoint::add(&mut builder, "/data")?;
    let mut tree = MemTree::new();
    tree.file("greeting.txt", "Greetings from memory.\n")
        .file("notes/a.txt", "a");
    let host = MemFs::new(builder.build()?, mount, tree)?;

    let mut store = wasmtime::Store::new(&engine, host);
    let linker = wasmtime::Linker::new(&engine);
    let instance =
        wasi_host::instantiate(&mut store, &linker, &module, |h: &mut MemFs<WasiCtx>| h)?;
    match instance
        .get_typed_func::<(), ()>(&mut store, "_start")?
        .call(&mut store, ())
    {
        Ok(()) => Ok(()),
        Err(e) if e.downcast_ref::<Exit>() == Some(&Exit(0)) => Ok(()),
        Err(e) => Err(e),
    }
}
