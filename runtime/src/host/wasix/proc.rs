//! Process identity and sleeping (threads and futexes: `thread`).
//!
//! The program is process 1 with no parent (the host's process id is not revealed).

use std::time::Duration;

use super::R;
use crate::preview1::Errno;

/// This program's process id.
pub(crate) const PID: u32 = 1;

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
    // A thread of a threaded program wakes when the program ends.
    crate::ctx::threads::ending::sleep(Duration::from_nanos(ns))?;
    Ok(())
}
