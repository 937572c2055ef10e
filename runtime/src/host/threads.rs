//! `thread-spawn` (wasi-threads) on [`WasiCtx`], and how a new thread's context comes to share
//! its program's WASI state (`docs/threads.md`).

use std::sync::{Arc, Mutex, PoisonError};

use crate::ctx::threads::{ProgramClock, ProgramRandom};
pub(crate) use crate::ctx::threads::{Spawn, Threads};
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
            // A copy: WASIX threads, which would share the working directory, are not run yet
            // (`docs/wasix.md`).
            wasix: self.wasix.clone(),
            threads: Some(threads),
        })
    }
}

impl WasiThreads for WasiCtx {
    fn thread_spawn(&mut self, start_arg: u32) -> Result<i32, Trap> {
        let Some(threads) = &self.threads else {
            // Instantiated outside a threaded program (`crate::instantiate` alone).
            return Ok(SPAWN_FAILED);
        };
        let spawner = Arc::clone(&threads.spawner);
        if !spawner.may_spawn() {
            return Ok(SPAWN_FAILED);
        }
        match self.for_thread() {
            Some(ctx) => Ok(spawner.spawn(ctx, start_arg)),
            None => Ok(SPAWN_FAILED),
        }
    }
}
