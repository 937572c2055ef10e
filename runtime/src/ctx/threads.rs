//! The thread state a context holds: its link to its program's threads (`thread-spawn` and
//! the sharing of state are `host::threads`'s).

use std::sync::{Arc, Mutex};

use wasmtime::SharedMemory;

use super::{Clock, RandomSource, WasiCtx};

/// Starts threads of one program; implemented by [`crate::program`].
pub(crate) trait Spawn: Send + Sync {
    /// Whether a thread may be started now (below the limit, the program not ending).
    fn may_spawn(&self) -> bool;
    /// Whether the program's outcome is decided (its threads are to stop).
    fn has_ended(&self) -> bool;
    /// A descriptor that becomes readable when the program ends, for host calls that wait
    /// (`poll_oneoff`) to wait on too.
    fn ending_fd(&self) -> std::os::fd::BorrowedFd<'_>;
    /// Starts a thread served by `ctx` that calls `wasi_thread_start(tid, start_arg)`; its
    /// positive id, or a negative value.
    fn spawn(self: Arc<Self>, ctx: WasiCtx, start_arg: u32) -> i32;
}

/// The clock of a threaded program.
pub(crate) type ProgramClock = Arc<Mutex<Box<dyn Clock>>>;
/// The random source of a threaded program.
pub(crate) type ProgramRandom = Arc<Mutex<Box<dyn RandomSource>>>;

/// A context's link to its program's threads.
pub(crate) struct Threads {
    pub spawner: Arc<dyn Spawn>,
    /// The program's one shared memory, for host calls that wait and wake on it (WASIX's
    /// futexes, interoperating with the guest's `memory.atomic.wait32`/`notify`).
    pub memory: SharedMemory,
    /// The thread this context serves: [`MAIN_TID`] for the main thread, else the id its
    /// spawn returned (the one `wasi_thread_start` receives).
    pub tid: u32,
    /// The clock and random source of the program, once a thread exists: shared by every
    /// context, behind a lock (the traits ask `Send` only).
    pub(crate) shared: Option<(ProgramClock, ProgramRandom)>,
}

/// The main thread's id; spawned threads get 2, 3, … (`crate::program`).
pub(crate) const MAIN_TID: u32 = 1;

impl Threads {
    /// The link of a program's main thread.
    pub fn new(spawner: Arc<dyn Spawn>, memory: SharedMemory) -> Self {
        Threads {
            spawner,
            memory,
            tid: MAIN_TID,
            shared: None,
        }
    }
}
