//! `thread-spawn` (wasi-threads) on [`WasiCtx`], and how a new thread's context comes to share
//! its program's WASI state (`docs/threads.md`).

use std::sync::{Arc, Mutex, PoisonError};

pub(crate) use crate::ctx::threads::{MAIN_TID, Spawn, Threads};
use crate::ctx::threads::{ProgramClock, ProgramRandom};
use crate::ctx::{Clock, RandomSource, SystemClock, WasiCtx};
use crate::preview1::{Clockid, Errno, Timestamp};
use crate::threads::WasiThreads;
use crate::{OsRandom, Trap};

/// What `thread-spawn` returns when no thread could be started: `-EAGAIN`, as wasi-libc's
/// `pthread_create` reports it.
pub(crate) const SPAWN_FAILED: i32 = -(Errno::Again as i32);

/// The program's clock, as each thread's context holds it.
struct SharedClock(Arc<Mutex<Box<dyn Clock>>>);

impl Clock for SharedClock {
    fn resolution(&self, id: Clockid) -> Result<Timestamp, Errno> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .resolution(id)
    }

    fn now(&self, id: Clockid, precision: Timestamp) -> Result<Timestamp, Errno> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .now(id, precision)
    }
}

/// The program's random source, as each thread's context holds it.
struct SharedRandom(Arc<Mutex<Box<dyn RandomSource>>>);

impl RandomSource for SharedRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .fill(buf)
    }
}

impl WasiCtx {
    /// A context for a new thread of this context's program: the same descriptors (the table
    /// becomes shared the first time), arguments, environment, clock, random source and
    /// network policy. `None` when this context does not belong to a threaded program.
    pub(crate) fn for_thread(&mut self) -> Option<WasiCtx> {
        let threads = self.threads.as_mut()?;
        // The OS clock and random source are copied, with no lock on any thread; any other is
        // moved behind a lock the first time and shared from then on.
        let (clock, shared_clock): (Box<dyn Clock>, _) = match self.clock.for_another_thread() {
            Some(own) => (own, None),
            None => {
                let shared = threads.shared_clock.get_or_insert_with(|| {
                    let clock = std::mem::replace(&mut self.clock, Box::new(SystemClock));
                    let shared: ProgramClock = Arc::new(Mutex::new(clock));
                    self.clock = Box::new(SharedClock(Arc::clone(&shared)));
                    shared
                });
                (
                    Box::new(SharedClock(Arc::clone(shared))),
                    Some(Arc::clone(shared)),
                )
            }
        };
        let (random, shared_random): (Box<dyn RandomSource>, _) =
            match self.random.for_another_thread() {
                Some(own) => (own, None),
                None => {
                    let shared = threads.shared_random.get_or_insert_with(|| {
                        let random = std::mem::replace(&mut self.random, Box::new(OsRandom));
                        let shared: ProgramRandom = Arc::new(Mutex::new(random));
                        self.random = Box::new(SharedRandom(Arc::clone(&shared)));
                        shared
                    });
                    (
                        Box::new(SharedRandom(Arc::clone(shared))),
                        Some(Arc::clone(shared)),
                    )
                }
            };
        let threads = Threads {
            spawner: Arc::clone(&threads.spawner),
            memory: threads.memory.clone(),
            // Set by the spawner once it has allocated the id.
            tid: 0,
            shared_clock,
            shared_random,
        };
        Some(WasiCtx {
            args: Arc::clone(&self.args),
            env: Arc::clone(&self.env),
            table: self.table.share(),
            poll_limit: self.poll_limit,
            clock,
            random,
            net: self.net.clone(),
            // Shared (a clone of the handle): a `chdir` on one thread is seen by all.
            wasix: self.wasix.clone(),
            threads: Some(threads),
        })
    }
}

/// Why a thread was not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpawnError {
    /// The context does not belong to a threaded program.
    NotThreaded,
    /// The thread limit, the program ending, or the thread could not be made.
    Again,
}

impl WasiCtx {
    /// Starts a thread of this context's program that calls `wasi_thread_start(tid,
    /// start_arg)`: its id. Shared by wasi-threads' `thread-spawn` and WASIX's
    /// `thread_spawn_v2`.
    pub(crate) fn spawn_thread(&mut self, start_arg: u32) -> Result<u32, SpawnError> {
        let Some(threads) = &self.threads else {
            // Instantiated outside a threaded program (`crate::instantiate` alone).
            return Err(SpawnError::NotThreaded);
        };
        let spawner = Arc::clone(&threads.spawner);
        if !spawner.may_spawn() {
            return Err(SpawnError::Again);
        }
        let ctx = self.for_thread().ok_or(SpawnError::NotThreaded)?;
        match u32::try_from(spawner.spawn(ctx, start_arg)) {
            Ok(tid) if tid > 0 => Ok(tid),
            _ => Err(SpawnError::Again),
        }
    }
}

impl WasiThreads for WasiCtx {
    fn thread_spawn(&mut self, start_arg: u32) -> Result<i32, Trap> {
        match self.spawn_thread(start_arg) {
            // At most 2^29 - 1 (`crate::program`): positive as an i32.
            Ok(tid) => Ok(tid as i32),
            Err(_) => Ok(SPAWN_FAILED),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    /// A program that never starts threads: only `for_thread` is under test.
    struct NoSpawn(OwnedFd);

    impl Spawn for NoSpawn {
        fn may_spawn(&self) -> bool {
            false
        }
        fn has_ended(&self) -> bool {
            false
        }
        fn ending_fd(&self) -> BorrowedFd<'_> {
            self.0.as_fd()
        }
        fn spawn(self: Arc<Self>, _: WasiCtx, _: u32) -> i32 {
            SPAWN_FAILED
        }
    }

    /// A clock with state: each read is one nanosecond later, in one sequence.
    struct Ticking(Arc<AtomicU64>);

    impl Clock for Ticking {
        fn resolution(&self, _: Clockid) -> Result<Timestamp, Errno> {
            Ok(1)
        }
        fn now(&self, _: Clockid, _: Timestamp) -> Result<Timestamp, Errno> {
            Ok(self.0.fetch_add(1, Ordering::SeqCst))
        }
    }

    /// A random source with state: counts the bytes it has given.
    struct Counting(u8);

    impl RandomSource for Counting {
        fn fill(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
            for b in buf {
                *b = self.0;
                self.0 = self.0.wrapping_add(1);
            }
            Ok(())
        }
    }

    fn threaded(mut ctx: WasiCtx) -> WasiCtx {
        let mut config = wasmtime::Config::new();
        crate::program::configure(&mut config);
        let engine = wasmtime::Engine::new(&config).unwrap();
        let memory =
            wasmtime::SharedMemory::new(&engine, wasmtime::MemoryType::shared(1, 1)).unwrap();
        let (read, _write) = rustix::pipe::pipe().unwrap();
        ctx.threads = Some(Threads::new(Arc::new(NoSpawn(read)), memory));
        ctx
    }

    #[test]
    fn os_sources_are_copied_per_thread_and_stateful_ones_shared() {
        // The OS clock and random source: each thread gets its own, nothing is put behind a
        // lock.
        let mut parent = threaded(WasiCtx::builder().build().unwrap());
        let mut child = parent.for_thread().unwrap();
        let parent_threads = parent.threads.as_ref().unwrap();
        assert!(parent_threads.shared_clock.is_none() && parent_threads.shared_random.is_none());
        let child_threads = child.threads.as_ref().unwrap();
        assert!(child_threads.shared_clock.is_none() && child_threads.shared_random.is_none());
        assert!(child.clock.now(Clockid::Monotonic, 0).unwrap() > 0);
        let mut buf = [0u8; 16];
        child.random.fill(&mut buf).unwrap();

        // Sources with state stay one sequence across threads.
        let ticks = Arc::new(AtomicU64::new(100));
        let mut parent = threaded(
            WasiCtx::builder()
                .clock(Ticking(Arc::clone(&ticks)))
                .random(Counting(0))
                .build()
                .unwrap(),
        );
        let mut first = parent.for_thread().unwrap();
        let mut second = parent.for_thread().unwrap();
        let read = |ctx: &WasiCtx| ctx.clock.now(Clockid::Realtime, 0).unwrap();
        assert_eq!(
            [read(&parent), read(&first), read(&second), read(&parent)],
            [100, 101, 102, 103]
        );
        let byte = |ctx: &mut WasiCtx| {
            let mut b = [0u8; 1];
            ctx.random.fill(&mut b).unwrap();
            b[0]
        };
        assert_eq!(
            [byte(&mut second), byte(&mut parent), byte(&mut first)],
            [0, 1, 2]
        );
        assert!(parent.threads.as_ref().unwrap().shared_clock.is_some());
    }
}
