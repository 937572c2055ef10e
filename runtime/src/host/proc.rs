//! Process exit, signals and yielding.

use super::HostResult;
use crate::Trap;
use crate::ctx::WasiCtx;
use crate::preview1::{Errno, Exitcode, Signal};

/// Unwinds the guest with its status (see [`crate::Exit`]).
pub(crate) fn exit(_ctx: &mut WasiCtx, rval: Exitcode) -> Trap {
    Trap::Exit(rval)
}

/// `ENOSYS`: a WASI guest is not an OS process. Delivering the signal to the host process would
/// act on the embedder (and on every other instance in it), and preview1 defines no handlers a
/// guest could install, so there is no meaning to give it. wasi-libc's `raise` reports the errno.
pub(crate) fn raise(_ctx: &mut WasiCtx, _sig: Signal) -> HostResult<()> {
    Err(Errno::Nosys.into())
}

/// Gives up the host thread's time slice.
pub(crate) fn sched_yield(_ctx: &mut WasiCtx) -> HostResult<()> {
    std::thread::yield_now();
    Ok(())
}
