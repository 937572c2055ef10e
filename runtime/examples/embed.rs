//! Embedding the wasi-host host: configure a `WasiCtx`, add it to a `Linker`, run `_start`.
//!
//! ```text
//! cargo run --example embed -- Ada Grace
//! ```
//!
//! Runs `examples/hello.wat` with `examples/data` preopened as `/data`, and exits with the
//! guest's status.

use std::path::Path;
use std::process::ExitCode;

use wasi_host::{Exit, WasiCtx};
use wasmtime::{Engine, Linker, Module, Store};

fn main() -> wasmtime::Result<ExitCode> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let engine = Engine::default();
    let module = Module::from_file(&engine, root.join("examples/hello.wat"))?;

    // Imports of your own go here; the WASI ones are added per instance below.
    let linker = Linker::new(&engine);

    let ctx = WasiCtx::builder()
        .arg("hello.wat")
        .args(std::env::args().skip(1))
        .preopen_dir(root.join("examples/data"), "/data")
        .build()?;
    let mut store = Store::new(&engine, ctx);

    let instance = wasi_host::instantiate(&mut store, &linker, &module, |ctx: &mut WasiCtx| ctx)?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        // `proc_exit` unwinds with `Exit`; anything else is a trap.
        Err(e) => match e.downcast_ref::<Exit>() {
            Some(&Exit(code)) => Ok(ExitCode::from(code.min(255) as u8)),
            None => Err(e),
        },
    }
}
