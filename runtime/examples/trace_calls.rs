//! Every WASI call of a guest traced, strace-like: `cargo run --example trace_calls` runs
//! `examples/now.wat` with its stdin from a buffer and prints one line per call to stdout,
//! e.g. `clock_time_get(id=Realtime, precision=1) = 1735689600000001000 <1.0µs>`.
//!
//! The same calls are `tracing` events (target `wasi_host::call`) for a subscriber to collect
//! (`Tracer::events()`, or `with_events(true)`).

use wasi_host::layers::{Traced, Tracer};
use wasi_host::{Stdio, WasiCtx};

fn main() -> wasmtime::Result<()> {
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::from_file(
        &engine,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/now.wat"),
    )?;
    let mut builder = WasiCtx::builder();
    // A repeatable run (virtual clock, seeded random), and the guest's own output kept aside.
    wasi_host::layers::deterministic::apply(&mut builder, 1);
    let (stdout, _captured) = Stdio::capture()?;
    let ctx = builder
        .stdin(Stdio::from_bytes("traced input")?)
        .stdout(stdout)
        .stderr(Stdio::Null)
        .build()?;

    let host = Traced::new(ctx, Tracer::to_writer(std::io::stdout()));
    let mut store = wasmtime::Store::new(&engine, host);
    let linker = wasmtime::Linker::new(&engine);
    let instance =
        wasi_host::instantiate(&mut store, &linker, &module, |h: &mut Traced<WasiCtx>| h)?;
    instance
        .get_typed_func::<(), ()>(&mut store, "_start")?
        .call(&mut store, ())
}
