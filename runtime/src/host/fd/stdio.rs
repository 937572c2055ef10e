//! Descriptor flags (`fd_fdstat_set_flags`, whose rules live in `ctx::flags`) and what a
//! host stream is: its filetype, its flags and whether it seeks.

use std::io;
use std::os::fd::BorrowedFd;

use rustix::event::{PollFlags, Timespec};

use super::HostResult;
use crate::ctx::WasiCtx;
use crate::ctx::flags::set_flags;
use crate::preview1::*;

pub(crate) fn fdstat_set_flags(ctx: &mut WasiCtx, fd: Fd, flags: Fdflags) -> HostResult<()> {
    Ok(set_flags(
        &mut ctx.table,
        fd,
        flags,
        Rights::FD_FDSTAT_SET_FLAGS,
    )?)
}

/// Readiness of `fd` for reading (or writing, with `out`), waiting at most `timeout`; a host
/// signal polls again.
fn poll_one(fd: BorrowedFd<'_>, out: bool, timeout: Option<&Timespec>) -> io::Result<bool> {
    let flags = if out { PollFlags::OUT } else { PollFlags::IN };
    // Ready, or a hang-up or error, which the call itself then reports at once; a threaded
    // program's end interrupts the wait.
    crate::ctx::threads::ending::wait_ready(fd, flags, timeout)
}

/// For a guest `NONBLOCK` on a stream that blocks on the host: `EAGAIN` unless a read (or a
/// write, with `out`) would not wait now.
pub(super) fn ready_now(fd: BorrowedFd<'_>, out: bool) -> Result<(), Errno> {
    let now = Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    match poll_one(fd, out, Some(&now)) {
        Ok(true) => Ok(()),
        Ok(false) => Err(Errno::Again),
        Err(e) => Err(Errno::from(e)),
    }
}

/// For a guest without `NONBLOCK` on a stream that the host made non-blocking: runs `call`,
/// and after each `EAGAIN` waits until `fd` is ready and runs it again.
pub(super) fn blocking(
    fd: BorrowedFd<'_>,
    out: bool,
    mut call: impl FnMut() -> io::Result<usize>,
) -> io::Result<usize> {
    loop {
        match call() {
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                poll_one(fd, out, None)?;
            }
            other => return other,
        }
    }
}
