//! Running guests with standard streams of a chosen kind (pipes, `/dev/null`, terminals),
//! which the shared runner does not offer; used by the `fd_*` and `poll*` tests.
#![allow(dead_code)]

use std::fs::File;
use std::path::{Path, PathBuf};

use wasi_host::{Exit, Stdio, WasiCtx};
use wasi_host_tests::run::{engine, module};
use wasi_host_tests::watchdog;
use wasmtime::{Linker, Store};

/// Compiles the guest now, so that a test's timing-sensitive part does not include it.
pub fn precompile(wasm: &Path) {
    module(wasm);
}

/// Runs `wasm` with the given streams and preopens, on a thread of its own within the time
/// limit of `wasi_host_tests::watchdog`; returns its exit status (134 for a trap, whose
/// message goes to this process's stderr).
pub fn run(wasm: &Path, args: &[&str], stdio: [Stdio; 3], dirs: &[(&Path, &str)]) -> i32 {
    let wasm = wasm.to_path_buf();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let dirs: Vec<(PathBuf, String)> = dirs
        .iter()
        .map(|(host, guest)| (host.to_path_buf(), guest.to_string()))
        .collect();
    let what = format!("guest {}", wasm.display());
    watchdog::run(&what, move || run_here(&wasm, &args, stdio, &dirs))
}

fn run_here(wasm: &Path, args: &[String], stdio: [Stdio; 3], dirs: &[(PathBuf, String)]) -> i32 {
    let [stdin, stdout, stderr] = stdio;
    let mut builder = WasiCtx::builder();
    builder
        .arg(wasm.file_name().unwrap().to_string_lossy())
        .args(args.iter().cloned())
        .stdin(stdin)
        .stdout(stdout)
        .stderr(stderr);
    for (host, guest) in dirs {
        builder.preopen_dir(host, guest.clone());
    }
    let ctx = builder.build().expect("build WasiCtx");
    let mut linker: Linker<WasiCtx> = Linker::new(engine());
    wasi_host::add_to_linker(&mut linker, |ctx| ctx).unwrap();
    let mut store = Store::new(engine(), ctx);
    watchdog::arm(&mut store);
    let outcome = linker
        .instantiate(&mut store, &module(wasm))
        .and_then(|i| i.get_typed_func::<(), ()>(&mut store, "_start"))
        .and_then(|start| start.call(&mut store, ()));
    match outcome {
        Ok(()) => 0,
        Err(e) if watchdog::is_timeout(&e) => panic!(
            "guest {} was still running wasm code after {:?}",
            wasm.display(),
            watchdog::limit()
        ),
        Err(e) => match e.downcast_ref::<Exit>() {
            Some(Exit(code)) => *code as i32,
            None => {
                eprintln!("guest trapped: {e:?}");
                134
            }
        },
    }
}

/// A pipe as (read end, write end).
pub fn pipe() -> (File, File) {
    let (r, w) = std::io::pipe().unwrap();
    (
        File::from(std::os::fd::OwnedFd::from(r)),
        File::from(std::os::fd::OwnedFd::from(w)),
    )
}

/// A read-write `/dev/null`.
pub fn null() -> File {
    File::options()
        .read(true)
        .write(true)
        .open("/dev/null")
        .unwrap()
}

// Not every test that includes this module opens a terminal.
#[allow(unused_imports)]
pub use wasi_host_tests::pty::pty;
