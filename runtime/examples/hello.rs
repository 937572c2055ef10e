//! Embedding wasi-host's generated bindings: a host that implements four preview1 calls and
//! runs `examples/hello-embed.wat`. Every other call answers `ENOSYS` through the trait's defaults.
//!
//! ```text
//! cargo run --example hello -- Ada Grace
//! ```

use std::io::Write;
use std::path::Path;

use wasi_host::guest::{GuestAddr, GuestPtr, Iovecs};
use wasi_host::preview1::{self, Errno, Fd, Size, WasiSnapshotPreview1};
use wasi_host::{CallError, Exit};
use wasmtime::{Engine, Linker, Module, Store};

/// The whole host: the guest's arguments.
struct Host {
    args: Vec<String>,
}

impl WasiSnapshotPreview1 for Host {
    fn args_sizes_get(&mut self) -> Result<(Size, Size), CallError<Errno>> {
        let bytes: usize = self.args.iter().map(|a| a.len() + 1).sum();
        Ok((self.args.len() as Size, bytes as Size))
    }

    fn args_get(
        &mut self,
        argv: GuestPtr<'_, GuestAddr>,
        argv_buf: GuestPtr<'_, u8>,
    ) -> Result<(), CallError<Errno>> {
        let mut at = argv_buf;
        for (i, arg) in self.args.iter().enumerate() {
            argv.add(i as u32)?.write(&GuestAddr(at.addr()))?;
            at.write_bytes(arg.as_bytes())?;
            at.add(arg.len() as u32)?.write(&0)?;
            at = at.add(arg.len() as u32 + 1)?;
        }
        Ok(())
    }

    fn fd_write(&mut self, fd: Fd, iovs: Iovecs<'_>) -> Result<Size, CallError<Errno>> {
        if fd != Fd(1) {
            return Err(Errno::Badf.into());
        }
        let mut out = std::io::stdout().lock();
        for buf in iovs.iter() {
            buf.with_slice(|bytes| out.write_all(bytes))?;
        }
        Ok(iovs.total_len() as Size)
    }
}

fn main() -> wasmtime::Result<()> {
    let wat = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/hello-embed.wat");
    let engine = Engine::default();
    let module = Module::from_file(&engine, &wat)?;
    let mut linker = Linker::new(&engine);
    preview1::add_to_linker(&mut linker, |host: &mut Host| host)?;

    let args = std::iter::once("hello-embed.wat".to_string())
        .chain(std::env::args().skip(1))
        .collect();
    let mut store = Store::new(&engine, Host { args });
    let instance = linker.instantiate(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    match start.call(&mut store, ()) {
        Ok(()) => Ok(()),
        Err(e) => match e.downcast_ref::<Exit>() {
            Some(Exit(code)) => {
                println!("(guest exited with status {code})");
                Ok(())
            }
            None => Err(e),
        },
    }
}
