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
        let (clock, random) = match &threads.shared {
            Some((clock, random)) => (Arc::clone(clock), Arc::clone(random)),
            None => {
                let clock: ProgramClock = Arc::new(Mutex::new(std::mem::replace(
                    &mut self.clock,
                    Box::new(SystemClock),
                )));
                let random: ProgramRandom = Arc::new(Mutex::new(std::mem::replace(
                    &mut self.random,
                    Box::new(OsRandom),
                )));
                self.clock = Box::new(SharedClock(Arc::clone(&clock)));
                self.random = Box::new(SharedRandom(Arc::clone(&random)));
                threads.shared = Some((Arc::clone(&clock), Arc::clone(&random)));
                (clock, random)
            }
        };
        let threads = Threads {
            spawner: Arc::clone(&threads.spawner),
            memory: threads.memory.clone(),
            // Set by the spawner once it has allocated the id.
            tid: 0,
            shared: Some((Arc::clone(&clock), Arc::clone(&random))),
        };
        Some(WasiCtx {
            args: Arc::clone(&self.args),
            env: Arc::clone(&self.env),
            table: self.table.share(),
            poll_limit: self.poll_limit,
            clock: Box::new(SharedClock(clock)),
            random: Box::new(SharedRandom(random)),
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
