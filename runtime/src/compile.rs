//! Compiling a module without leaving compiler threads behind.

use std::sync::{Arc, Condvar, Mutex};

use wasmtime::{Engine, Module};

/// Compiles `bytes` (binary or text wasm) like [`Module::new`], on a thread pool that is gone
/// by the time this returns.
///
/// wasmtime compiles functions in parallel on rayon's global pool, whose threads then live as
/// long as the process. A process with a single thread is cheaper for the kernel on every
/// descriptor call: Linux then skips the file reference count in `fdget` and the
/// file-position lock of `read`, `write` and `lseek` (10–45 ns a call on the machine of
/// docs/bench.md). A host that runs guests on one thread, like `wasi-host run`, compiles
/// with this; in a process that has other threads anyway it makes no difference.
pub fn compile_module(engine: &Engine, bytes: &[u8]) -> wasmtime::Result<Module> {
    let exited = Arc::new((Mutex::new(0usize), Condvar::new()));
    let on_exit = Arc::clone(&exited);
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("wasm-compile-{i}"))
        .exit_handler(move |_| {
            let (count, changed) = &*on_exit;
            *count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
            changed.notify_all();
        })
        .build();
    let Ok(pool) = pool else {
        // No threads to be had: compile on this one.
        return Module::new(engine, bytes);
    };
    let threads = pool.current_num_threads();
    let module = pool.install(|| Module::new(engine, bytes));
    // Dropping the pool tells its threads to stop; wait until each has run its exit handler,
    // after which it has nothing left to do but exit.
    drop(pool);
    let (count, changed) = &*exited;
    let mut count = count.lock().unwrap_or_else(|e| e.into_inner());
    while *count < threads {
        count = changed.wait(count).unwrap_or_else(|e| e.into_inner());
    }
    module
}
