//! Descriptor flags (`fd_fdstat_set_flags`) and what a host stream is: its filetype, its
//! flags and whether it seeks.

use std::io;
use std::os::fd::BorrowedFd;

use rustix::event::{PollFd, PollFlags, Timespec};

use super::{HostResult, host_fd};
use crate::ctx::WasiCtx;
use crate::preview1::*;
use crate::table::{FileEntry, Kind, Table};

/// The flags that select synchronous I/O, fixed when a file is opened.
pub(super) const SYNC_FLAGS: Fdflags = Fdflags::DSYNC.union(Fdflags::RSYNC).union(Fdflags::SYNC);

pub(crate) fn fdstat_set_flags(ctx: &mut WasiCtx, fd: Fd, flags: Fdflags) -> HostResult<()> {
    Ok(set_flags_in(
        &mut ctx.table,
        fd,
        flags,
        Rights::FD_FDSTAT_SET_FLAGS,
    )?)
}

/// `fd_fdstat_set_flags` on `table`, for an entry holding `need`: the guest's call, and the
/// embedder's (`Descriptors::set_flags`, which needs no right).
pub(crate) fn set_flags_in(
    table: &mut Table,
    fd: Fd,
    flags: Fdflags,
    need: Rights,
) -> Result<(), Errno> {
    let entry = table.get(fd, need)?;
    if flags == entry.flags {
        return Ok(());
    }
    // Linux's F_SETFL silently ignores O_DSYNC/O_SYNC, so a change could not be honoured;
    // say so rather than report flags the descriptor does not have.
    if !(flags ^ entry.flags).intersection(SYNC_FLAGS).is_empty() {
        return Err(Errno::Notsup);
    }
    match &*entry.kind {
        // Neither flag affects anything a directory descriptor can do; record them, as an
        // `fcntl` on a real directory descriptor would. A host-defined kind has no host
        // description to set them on: it gets them with each read and write.
        Kind::Dir(_) | Kind::Host(_) => {
            drop(entry);
            return set_flags(table, fd, flags);
        }
        // A description shared with the host (stdio): changing its status flags would change
        // them for the host and whoever else shares it (the shell's terminal). `NONBLOCK` is
        // kept here and emulated per call (`rw::route`); `APPEND` cannot be emulated without
        // racing other writers, so a change of it is refused.
        Kind::File(FileEntry {
            shared_nonblock: Some(_),
            ..
        }) => {
            if (flags ^ entry.flags).contains(Fdflags::APPEND) {
                return Err(Errno::Notsup);
            }
            drop(entry);
            return set_flags(table, fd, flags);
        }
        _ => {}
    }
    let host = host_fd(&entry.kind).ok_or(Errno::Badf)?;
    let mut oflags = rustix::fs::fcntl_getfl(host)?;
    oflags.set(rustix::fs::OFlags::APPEND, flags.contains(Fdflags::APPEND));
    oflags.set(
        rustix::fs::OFlags::NONBLOCK,
        flags.contains(Fdflags::NONBLOCK),
    );
    rustix::fs::fcntl_setfl(host, oflags)?;
    drop(entry);
    set_flags(table, fd, flags)
}

/// Records the guest's view of `fd`'s flags.
fn set_flags(table: &mut Table, fd: Fd, flags: Fdflags) -> Result<(), Errno> {
    table.update(fd, Rights::empty(), |entry| entry.flags = flags)
}

/// Readiness of `fd` for reading (or writing, with `out`), waiting at most `timeout`; a host
/// signal polls again.
fn poll_one(fd: BorrowedFd<'_>, out: bool, timeout: Option<&Timespec>) -> io::Result<bool> {
    let flags = if out { PollFlags::OUT } else { PollFlags::IN };
    let mut fds = [PollFd::new(&fd, flags)];
    loop {
        match rustix::event::poll(&mut fds, timeout) {
            // Ready, or a hang-up or error, which the call itself then reports at once.
            Ok(n) => return Ok(n > 0),
            Err(rustix::io::Errno::INTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
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
