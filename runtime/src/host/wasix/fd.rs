//! Descriptors WASIX adds: duplicates (`fd_dup`, `fd_dup2`), pipes (`fd_pipe`) and event
//! counters (`fd_event`). Pipes and event counters are OS descriptors held as ordinary file
//! entries, so preview1's reads, writes, `poll_oneoff` and `fd_close` serve them unchanged.

use std::fs::File;
use std::os::fd::OwnedFd;

use super::R;
use crate::ctx::WasiCtx;
use crate::preview1::{Errno, Fd, Fdflags, Rights};
use crate::table::{FdEntry, FileEntry, Kind, STDIO_RIGHTS};

/// A second entry for what `entry` refers to: the same open file description (`dup`: the
/// same OS handle, shared, closed when the last of them is), with the same rights and flags,
/// never a preopen.
fn duplicate(entry: &FdEntry) -> FdEntry {
    FdEntry {
        preopen: None,
        ..entry.clone()
    }
}

/// `fd_dup2` (and `fd_dup`, with `min` 0): the duplicate at the lowest free number `>= min`.
/// `cloexec` has no effect: this host never executes another program, and every descriptor
/// it holds is close-on-exec on the host.
pub(crate) fn dup(ctx: &mut WasiCtx, fd: Fd, min: u32) -> R<Fd> {
    let entry = duplicate(&*ctx.table.get(fd, Rights::empty())?);
    Ok(ctx.table.insert_at_least(entry, min)?)
}

/// A stream end or counter as a file entry with stream rights, less `drop`.
fn stream_entry(fd: OwnedFd, drop: Rights) -> FdEntry {
    let file = File::from(fd);
    let filetype = crate::host::fd::filetype_of(&file);
    FdEntry {
        kind: Kind::File(FileEntry::owned(file, filetype)).into(),
        rights: STDIO_RIGHTS - drop,
        inheriting: Rights::empty(),
        flags: Fdflags::empty(),
        preopen: None,
    }
}

/// Inserts two entries, or neither.
pub(crate) fn insert_pair(ctx: &mut WasiCtx, a: FdEntry, b: FdEntry) -> R<(Fd, Fd)> {
    let first = ctx.table.insert(a)?;
    match ctx.table.insert(b) {
        Ok(second) => Ok((first, second)),
        Err(e) => {
            let _ = ctx.table.remove(first);
            Err(e.into())
        }
    }
}

/// `fd_pipe`: a host pipe; the first descriptor reads, the second writes. Writing after the
/// reader is closed is `EPIPE` (preview1's writes never raise `SIGPIPE`).
pub(crate) fn pipe(ctx: &mut WasiCtx) -> R<(Fd, Fd)> {
    let (r, w) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
    insert_pair(
        ctx,
        stream_entry(r, Rights::FD_WRITE),
        stream_entry(w, Rights::FD_READ),
    )
}

/// `fd_event`: an event counter. Reads take 8 bytes (the count, or 1 in semaphore mode) and
/// wait while it is zero; writes add an 8-byte value.
pub(crate) fn event(ctx: &mut WasiCtx, initial: u64, semaphore: bool) -> R<Fd> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        let initial = u32::try_from(initial).map_err(|_| Errno::Inval)?;
        let mut flags = rustix::event::EventfdFlags::CLOEXEC;
        if semaphore {
            flags |= rustix::event::EventfdFlags::SEMAPHORE;
        }
        let fd = rustix::event::eventfd(initial, flags)?;
        Ok(ctx.table.insert(stream_entry(fd, Rights::empty()))?)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    {
        let _ = (ctx, initial, semaphore);
        Err(Errno::Nosys.into())
    }
}
