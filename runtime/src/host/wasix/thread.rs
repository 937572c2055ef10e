//! WASIX threads: `thread_spawn_v2`, `thread_exit`, `thread_id`, `thread_parallelism` and the
//! futexes, on the machinery of wasi-threads (`crate::program`, `docs/threads.md`).
//!
//! In a threaded program the futexes are the shared memory's own wait queues
//! (`SharedMemory::atomic_wait32` / `atomic_notify`), the ones the guest's
//! `memory.atomic.wait32` / `memory.atomic.notify` use, so the two interoperate. A program that
//! is not threaded has one thread; its futexes are answered without waiting for anyone.

use std::time::{Duration, Instant};

use wasmtime::{SharedMemory, WaitResult};

use super::R;
use super::proc::sleep;
use crate::Trap;
use crate::ctx::WasiCtx;
use crate::guest::GuestPtr;
use crate::host::threads::{MAIN_TID, SpawnError};
use crate::preview1::Errno;
use crate::wasix::{OptionTimestamp, ThreadStart};

/// `thread_spawn_v2`: a new thread of the program that calls `wasi_thread_start(tid, start)`
/// with the address of the `thread_start` record (whose stack, TLS and function the guest's
/// libc reads itself). `EAGAIN` at the thread limit or while the program ends, `ENOTSUP`
/// outside a threaded program.
pub(crate) fn spawn(ctx: &mut WasiCtx, start: GuestPtr<'_, ThreadStart>) -> R<u32> {
    // The whole record must be readable now, not only when the new thread looks at it.
    start.read()?;
    ctx.spawn_thread(start.addr()).map_err(|e| {
        match e {
            SpawnError::NotThreaded => Errno::Notsup,
            SpawnError::Again => Errno::Again,
        }
        .into()
    })
}

/// `thread_id`: 1 for the main thread (and for the one thread of a program that is not
/// threaded), else the id `thread_spawn_v2` / `thread-spawn` returned for the thread.
pub(crate) fn id(ctx: &WasiCtx) -> u32 {
    ctx.threads.as_ref().map_or(MAIN_TID, |t| t.tid)
}

/// `thread_parallelism`: the host's available parallelism in a threaded program; 1 in a
/// program that cannot start threads.
pub(crate) fn parallelism(ctx: &WasiCtx) -> u32 {
    if ctx.threads.is_none() {
        return 1;
    }
    std::thread::available_parallelism().map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX))
}

/// `thread_exit`: ends the calling thread (`Trap::ExitThread`, which the program's runner
/// treats as that thread's end). On the main thread, or in a program that is not threaded,
/// it ends the program with `code` (`Trap::Exit`), as returning from `_start` would.
pub(crate) fn exit(ctx: &WasiCtx, code: u32) -> Trap {
    match &ctx.threads {
        Some(t) if t.tid != MAIN_TID => Trap::ExitThread(code),
        _ => Trap::Exit(code),
    }
}

/// The program's shared memory, when `futex` points into a shared memory of a threaded
/// program (every instance of one imports the same memory).
fn shared<'c>(ctx: &'c WasiCtx, futex: &GuestPtr<'_, u32>) -> Option<&'c SharedMemory> {
    let threads = ctx.threads.as_ref()?;
    futex.memory().is_shared().then_some(&threads.memory)
}

/// `futex_wait`: whether the caller was woken by a `futex_wake`/`futex_wake_all` or a guest
/// `memory.atomic.notify` (`true`), or returned because the word did not hold `expected` or
/// the timeout ran out (`false`). No timeout waits until woken. The generated glue has
/// checked the word's bounds (`EFAULT`) and alignment.
///
/// Without threads nobody can change the word or wake the caller: a word that differs returns
/// at once, a timed wait sleeps its timeout, and an untimed wait on an unchanged word, which
/// could never end, is `EDEADLK`.
pub(crate) fn futex_wait(
    ctx: &WasiCtx,
    futex: GuestPtr<'_, u32>,
    expected: u32,
    timeout: GuestPtr<'_, OptionTimestamp>,
) -> R<bool> {
    let timeout = match timeout.read()? {
        OptionTimestamp::None => None,
        OptionTimestamp::Some(ns) => Some(Duration::from_nanos(ns)),
    };
    if let Some(memory) = shared(ctx, &futex) {
        return wait_shared(ctx, memory, futex.addr(), expected, timeout);
    }
    if futex.read()? != expected {
        return Ok(false);
    }
    match timeout {
        Some(d) => {
            sleep(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))?;
            Ok(false)
        }
        None => Err(Errno::Deadlk.into()),
    }
}

/// The longest the host waits on a futex before it looks whether the program has ended.
const ENDING_CHECK: Duration = Duration::from_millis(100);

/// `futex_wait` on the program's shared memory, in slices of at most [`ENDING_CHECK`] so that
/// a waiting thread ends soon after the program does (wasmtime can notify only a known
/// address). A slice that runs out waits again from the word's value: a word changed between
/// two slices returns not woken, as when it differs at the start.
fn wait_shared(
    ctx: &WasiCtx,
    memory: &SharedMemory,
    addr: u32,
    expected: u32,
    timeout: Option<Duration>,
) -> R<bool> {
    let deadline = timeout.and_then(|d| Instant::now().checked_add(d));
    loop {
        let slice = match (timeout, deadline) {
            (None, _) | (Some(_), None) => ENDING_CHECK,
            (Some(_), Some(deadline)) => deadline
                .saturating_duration_since(Instant::now())
                .min(ENDING_CHECK),
        };
        // wasmtime checks bounds and alignment again (the glue checked them already).
        match memory.atomic_wait32(u64::from(addr), expected, Some(slice)) {
            Ok(WaitResult::Ok) => return Ok(true),
            Ok(WaitResult::Mismatch) => return Ok(false),
            Ok(WaitResult::TimedOut) => {}
            Err(_) => return Err(Errno::Fault.into()),
        }
        if ctx.threads.as_ref().is_some_and(|t| t.spawner.has_ended()) {
            // This thread ends quietly; the program's outcome is already decided.
            return Err(Trap::ExitThread(0).into());
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
    }
}

/// `futex_wake` (`count` 1) and `futex_wake_all` (`u32::MAX`): whether any waiter was woken,
/// among host `futex_wait`s and guest `memory.atomic.wait32`s on the word. Without threads
/// nobody waits: `false`, after checking the word is readable.
pub(crate) fn futex_wake(ctx: &WasiCtx, futex: GuestPtr<'_, u32>, count: u32) -> R<bool> {
    match shared(ctx, &futex) {
        Some(memory) => match memory.atomic_notify(u64::from(futex.addr()), count) {
            Ok(n) => Ok(n > 0),
            Err(_) => Err(Errno::Fault.into()),
        },
        None => {
            futex.read()?;
            Ok(false)
        }
    }
}
