//! Process and thread identity, sleeping, and futexes while a program has one thread.
//!
//! The program is process 1 with no parent (the host's process id is not revealed), and its
//! only thread is thread 1 until wasi-threads support lands.

use std::time::Duration;

use super::R;
use crate::guest::GuestPtr;
use crate::preview1::Errno;
use crate::wasix::OptionTimestamp;

/// This program's process id.
pub(crate) const PID: u32 = 1;
/// The main thread's id.
pub(crate) const MAIN_TID: u32 = 1;

/// `proc_parent`: 0 (none) for this program, `ESRCH` for any other id.
pub(crate) fn parent(pid: u32) -> R<u32> {
    if pid == PID {
        Ok(0)
    } else {
        Err(Errno::Srch.into())
    }
}

/// `thread_sleep`: the calling thread sleeps in the kernel (a host signal does not cut the
/// sleep short).
pub(crate) fn sleep(ns: u64) -> R<()> {
    std::thread::sleep(Duration::from_nanos(ns));
    Ok(())
}

/// `futex_wait` with one thread: nobody can change the word or wake the caller, so a word
/// that differs returns at once (not woken), a timed wait sleeps its timeout (not woken),
/// and an untimed wait on an unchanged word could never end: `EDEADLK` instead of hanging.
pub(crate) fn futex_wait(
    futex: GuestPtr<'_, u32>,
    expected: u32,
    timeout: GuestPtr<'_, OptionTimestamp>,
) -> R<bool> {
    let timeout = timeout.read()?;
    if futex.read()? != expected {
        return Ok(false);
    }
    match timeout {
        OptionTimestamp::Some(ns) => {
            sleep(ns)?;
            Ok(false)
        }
        OptionTimestamp::None => Err(Errno::Deadlk.into()),
    }
}
