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
    /// The clock and random source of the program once a thread exists, where they must be
    /// shared: by every context, behind a lock (the traits ask `Send` only). Sources that
    /// need no coordination (the operating system's) are copied per thread instead.
    pub(crate) shared_clock: Option<ProgramClock>,
    pub(crate) shared_random: Option<ProgramRandom>,
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
            shared_clock: None,
            shared_random: None,
        }
    }
}

/// Blocking host calls and the end of a threaded program.
///
/// A thread of a threaded program that blocks in a host call (a read from a pipe or a
/// terminal, a receive, an accept) must not outlive the program: when the program ends, the
/// call returns `ECANCELED` and the thread, back in wasm, stops at its next epoch check (the
/// epoch moved past every store's deadline when the program ended). Such calls wait in
/// [`wait_ready`], which also watches the program's ending pipe. The pipe is found through a
/// thread-local set by [`crate::program`] while the thread runs the program's code, so the
/// waits deep in socket code need no context, and a single-threaded run never sets it.
pub(crate) mod ending {
    use std::cell::RefCell;
    use std::io;
    use std::os::fd::{BorrowedFd, OwnedFd};
    use std::sync::Arc;

    use rustix::event::{PollFd, PollFlags, Timespec};

    thread_local! {
        /// The read end of the ending pipe of the program this thread serves.
        static ENDING: RefCell<Option<Arc<OwnedFd>>> = const { RefCell::new(None) };
    }

    /// Marks the current thread as serving the program whose ending pipe is `fd`, until the
    /// guard is dropped.
    pub(crate) fn serve(fd: Arc<OwnedFd>) -> Serving {
        ENDING.with_borrow_mut(|slot| *slot = Some(fd));
        Serving(())
    }

    /// Clears the current thread's program when dropped.
    pub(crate) struct Serving(());

    impl Drop for Serving {
        fn drop(&mut self) {
            ENDING.with_borrow_mut(|slot| *slot = None);
        }
    }

    /// Whether the current thread serves a threaded program: blocking calls must then wait
    /// through [`wait_ready`] rather than in the kernel.
    pub(crate) fn serving() -> bool {
        ENDING.with_borrow(Option::is_some)
    }

    /// The error a wait gets when the program ends: `ECANCELED`, which no retry loop retries.
    pub(crate) fn ended() -> io::Error {
        io::Error::from_raw_os_error(libc::ECANCELED)
    }

    /// Waits until `fd` is ready for `flags` (or reports an error or hang-up): `Ok(true)`;
    /// `Ok(false)` when `timeout` passes first. On a thread that serves a threaded program,
    /// the program's end interrupts the wait with [`ended`].
    pub(crate) fn wait_ready(
        fd: BorrowedFd<'_>,
        flags: PollFlags,
        timeout: Option<&Timespec>,
    ) -> io::Result<bool> {
        ENDING.with_borrow(|ending| {
            let mut fds: [PollFd<'_>; 2] = [PollFd::new(&fd, flags), PollFd::new(&fd, flags)];
            let n = match ending {
                Some(end) => {
                    fds[1] = PollFd::new(end.as_ref(), PollFlags::IN);
                    2
                }
                None => 1,
            };
            loop {
                match rustix::event::poll(&mut fds[..n], timeout) {
                    Ok(_) if n == 2 && !fds[1].revents().is_empty() => return Err(ended()),
                    Ok(ready) => return Ok(ready > 0),
                    Err(rustix::io::Errno::INTR) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
        })
    }

    /// Sleeps for `duration`; on a thread that serves a threaded program, the program's end
    /// cuts the sleep short with [`ended`].
    pub(crate) fn sleep(duration: std::time::Duration) -> io::Result<()> {
        ENDING.with_borrow(|ending| {
            let Some(end) = ending else {
                std::thread::sleep(duration);
                return Ok(());
            };
            let deadline = std::time::Instant::now().checked_add(duration);
            loop {
                let left = match deadline {
                    Some(deadline) => deadline.saturating_duration_since(std::time::Instant::now()),
                    // Past the clock's range: as good as for ever, in day-long waits.
                    None => std::time::Duration::from_secs(86_400),
                };
                if left.is_zero() {
                    return Ok(());
                }
                let timeout = Timespec {
                    tv_sec: left.as_secs().min(i64::MAX as u64) as i64,
                    tv_nsec: i64::from(left.subsec_nanos()),
                };
                let mut fds = [PollFd::new(end.as_ref(), PollFlags::IN)];
                match rustix::event::poll(&mut fds, Some(&timeout)) {
                    Ok(0) | Err(rustix::io::Errno::INTR) => continue,
                    Ok(_) => return Err(ended()),
                    Err(e) => return Err(e.into()),
                }
            }
        })
    }
}
