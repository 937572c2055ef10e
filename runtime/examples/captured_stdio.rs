//! A guest's standard streams in the embedder's hands: stdin from a byte buffer, stdout kept
//! in memory, stderr copied into any `Write` (here a `Vec`) by a helper thread.
//! `cargo run --example captured_stdio` prints what the guest (`examples/now.wat`) wrote.

use wasi_host::{Stdio, WasiCtx};

fn main() -> wasmtime::Result<()> {
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::from_file(
        &engine,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/now.wat"),
    )?;
    let (stdout, captured) = Stdio::capture()?;
    let (stderr, pumped) = Stdio::pipe_to(Vec::new())?;
    let ctx = WasiCtx::builder()
        .stdin(Stdio::from_bytes("bytes from the embedder")?)
        .stdout(stdout)
        .stderr(stderr)
        .build()?;
    let mut store = wasmtime::Store::new(&engine, ctx);
    let linker = wasmtime::Linker::new(&engine);
    let instance = wasi_host::instantiate(&mut store, &linker, &module, |ctx: &mut WasiCtx| ctx)?;
    instance
        .get_typed_func::<(), ()>(&mut store, "_start")?
        .call(&mut store, ())?;
    // The store holds the stderr pipe's write end: dropping it ends the stream.
    drop(store);

    let out = captured.contents_string()?;
    let err = String::from_utf8(pumped.finish()?)?;
    for line in out.lines() {
        println!("stdout: {line}");
    }
    for line in err.lines() {
        println!("stderr: {line}");
    }
    Ok(())
}
