//! Every guest run has a time limit: a guest that hangs fails its test, naming the guest and
//! what it was doing, instead of stalling the whole test run.
//!
//! Three layers, because a guest can hang in three places:
//! - spinning in wasm code: engines from [`engine_config`] count epochs, one tick per second
//!   from one process-wide thread, and [`arm`] sets a store's deadline to the limit, so the
//!   call traps with an interrupt;
//! - blocked in a host call (a read, a poll) in this process: [`run`] runs the guest on a
//!   thread of its own and stops waiting at the limit, reporting the kernel's wait channel
//!   and system call of that thread;
//! - a child process (the CLI): [`wait`] kills it at the limit, reporting the same.
//!
//! The limit is 60 s, or `WASI_HOST_TEST_TIMEOUT` seconds.

use std::io::Read;
use std::process::{Child, Output};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use wasmtime::{Config, Engine, Store};

/// How long any one guest run may take.
pub fn limit() -> Duration {
    let secs = std::env::var("WASI_HOST_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

/// A configuration whose engines can be interrupted: use it, then [`register`] the engine.
pub fn engine_config() -> Config {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config
}

/// Makes `engine`'s epoch advance once a second for the rest of the process.
pub fn register(engine: &Engine) {
    static ENGINES: OnceLock<Mutex<Vec<Engine>>> = OnceLock::new();
    let engines = ENGINES.get_or_init(|| {
        std::thread::spawn(|| {
            loop {
                std::thread::sleep(Duration::from_secs(1));
                let engines = ENGINES.get().expect("set before this thread starts");
                for engine in engines.lock().unwrap_or_else(|e| e.into_inner()).iter() {
                    engine.increment_epoch();
                }
            }
        });
        Mutex::new(Vec::new())
    });
    engines
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(engine.clone());
}

/// Gives `store` the time limit from now (an engine made from [`engine_config`] traps the
/// guest with an interrupt when it passes).
pub fn arm<T>(store: &mut Store<T>) {
    // One tick per second; a tick may be due at once, hence the extra one.
    store.set_epoch_deadline(limit().as_secs() + 1);
}

/// Whether a call's error is the epoch deadline passing.
pub fn is_timeout(e: &wasmtime::Error) -> bool {
    matches!(
        e.downcast_ref::<wasmtime::Trap>(),
        Some(wasmtime::Trap::Interrupt)
    )
}

/// What the kernel says a thread (`/proc/self/task/TID`) or process (`/proc/PID`) is doing:
/// the function it sleeps in and its current system call's number.
fn kernel_state(proc_dir: &str) -> String {
    let read = |file: &str| {
        std::fs::read_to_string(format!("{proc_dir}/{file}"))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "?".into())
    };
    let syscall = read("syscall");
    let number = syscall.split_whitespace().next().unwrap_or("?");
    format!(
        "waiting in kernel function {:?}, system call number {number}",
        read("wchan")
    )
}

/// Runs `f` (a guest run in this process) on its own thread and returns its result; panics
/// naming `what` if it takes longer than the limit. A hung thread is left behind: nothing
/// can take a thread out of a blocking system call safely, and the test fails anyway.
pub fn run<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    let (tid_tx, tid_rx) = mpsc::channel();
    let handle = std::thread::spawn(move || {
        // `/proc/thread-self` names this thread: "PID/task/TID".
        let _ = tid_tx.send(std::fs::read_link("/proc/thread-self").ok());
        let _ = tx.send(f());
    });
    let limit = limit();
    match rx.recv_timeout(limit + Duration::from_secs(2)) {
        Ok(value) => value,
        Err(mpsc::RecvTimeoutError::Disconnected) => match handle.join() {
            Err(panic) => std::panic::resume_unwind(panic),
            Ok(()) => unreachable!("the thread sends before it ends"),
        },
        Err(mpsc::RecvTimeoutError::Timeout) => {
            let state = match tid_rx.try_recv().ok().flatten() {
                Some(task) => kernel_state(&format!("/proc/{}", task.display())),
                None => "state unknown".into(),
            };
            panic!("{what} did not finish within {limit:?}: {state}")
        }
    }
}

/// Waits for `child` (its stdout and stderr piped, stdin already dealt with), collecting its
/// output; kills it and panics naming `what` if it runs longer than the limit.
pub fn wait(mut child: Child, what: &str) -> Output {
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let limit = limit();
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for the child") {
            break status;
        }
        if Instant::now() >= deadline {
            let state = kernel_state(&format!("/proc/{}", child.id()));
            let _ = child.kill();
            let _ = child.wait();
            let stderr = stderr.join().unwrap_or_default();
            panic!(
                "{what} did not finish within {limit:?} and was killed; it was {state}; stderr:\n{}",
                String::from_utf8_lossy(&stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Output {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    }
}
