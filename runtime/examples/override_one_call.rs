//! One call changed, every other one served by the real host: `clock_time_get` answers a fixed
//! time; `cargo run --example override_one_call` prints `time: 1234567890` (then the rest of
//! `examples/now.wat`'s output, from the real host).

use wasi_host::preview1::{Clockid, Errno, Timestamp, WasiSnapshotPreview1Delegate as P1};
use wasi_host::threads::WasiThreadsDelegate;
use wasi_host::{
    CallError, Delegate, WasiCtx, wasix::Wasix32v1Delegate, wasmedge::WasmedgeSocketsDelegate,
};

struct FixedClock(WasiCtx);

impl Delegate for FixedClock {
    type Inner = WasiCtx;
    fn inner(&mut self) -> &mut WasiCtx {
        &mut self.0
    }
}

impl P1 for FixedClock {
    fn clock_time_get(&mut self, _: Clockid, _: Timestamp) -> Result<Timestamp, CallError<Errno>> {
        Ok(1_234_567_890)
    }
}

// The other specs `instantiate` links, forwarded whole.
impl WasmedgeSocketsDelegate for FixedClock {}
impl Wasix32v1Delegate for FixedClock {}
impl WasiThreadsDelegate for FixedClock {}

fn main() -> wasmtime::Result<()> {
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::from_file(
        &engine,
        concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/now.wat"),
    )?;
    let ctx = WasiCtx::builder().stdin(wasi_host::Stdio::Null).build()?;
    let mut store = wasmtime::Store::new(&engine, FixedClock(ctx));
    let linker = wasmtime::Linker::new(&engine);
    let instance = wasi_host::instantiate(&mut store, &linker, &module, |h: &mut FixedClock| h)?;
    instance
        .get_typed_func::<(), ()>(&mut store, "_start")?
        .call(&mut store, ())
}
