//! Calls on an open descriptor, one file per concern: [`rw`] (reads, writes, seeks),
//! [`stat`] (metadata, times, sizes, sync, advice), [`stdio`] (flags, and what a host stream
//! is), and here the table itself (close, renumber, fdstat, rights, prestat).
//!
//! Hot calls (`fd_read`, `fd_write`, `fd_pread`, `fd_pwrite`, `fd_seek`, `fd_tell`,
//! `fd_filestat_get`) make one system call, allocate nothing for iovec lists of up to 16
//! entries and take no lock. The semantics chosen here are described in `docs/descriptors.md`.

mod custom;
mod rw;
mod stat;
mod stdio;

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use super::HostResult;
use crate::ctx::WasiCtx;
use crate::guest::GuestBufMut;
use crate::preview1::*;
use crate::table::Kind;

pub(crate) use crate::ctx::os::{filetype_of, is_seekable};
pub(crate) use rw::{pread, pwrite, read, seek, tell, write};
pub(crate) use stat::{
    advise, allocate, datasync, filestat_from, filestat_get, filestat_set_size, filestat_set_times,
    sync, timestamps,
};
pub(crate) use stdio::fdstat_set_flags;

pub(crate) use crate::table::host_fd;

/// A descriptor for a directory entry that supports the calls an `O_PATH` descriptor does not
/// (`fsync`, `futimens`, `fcntl(F_SETFL)`): cap-std opens directories with `O_PATH` on Linux,
/// so those calls reopen the directory itself, read-only.
fn dir_handle(dir: &cap_std::fs::Dir) -> io::Result<std::os::fd::OwnedFd> {
    use rustix::fs::{Mode, OFlags};
    Ok(rustix::fs::openat(
        dir,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// Runs `f` on a descriptor of `kind` that supports every data and metadata call; see
/// [`dir_handle`]. A host-defined kind has none: `ENOTSUP` (its callers route it first).
fn with_full_fd<R>(kind: &Kind, f: impl FnOnce(BorrowedFd<'_>) -> io::Result<R>) -> io::Result<R> {
    match kind {
        Kind::Dir(d) => f(dir_handle(&d.dir)?.as_fd()),
        other => match host_fd(other) {
            Some(fd) => f(fd),
            None => Err(io::Error::from_raw_os_error(libc::ENOTSUP)),
        },
    }
}

/// `EISDIR` for a directory: byte I/O on one is what POSIX refuses with it (the host
/// descriptor, being `O_PATH`, would say `EBADF`).
#[inline]
fn not_dir(kind: &Kind) -> Result<(), Errno> {
    match kind {
        Kind::Dir(_) => Err(Errno::Isdir),
        _ => Ok(()),
    }
}

pub(crate) fn close(ctx: &mut WasiCtx, fd: Fd) -> HostResult<()> {
    let entry = ctx.table.remove(fd)?;
    // Another thread's call still using the descriptor keeps it open; it closes when that
    // call ends.
    let Ok(kind) = std::sync::Arc::try_unwrap(entry.kind) else {
        return Ok(());
    };
    match kind {
        // Report what `close` itself says (NFS reports deferred write errors here); dropping
        // a `File` would swallow it. The descriptor is released either way, as on Linux.
        Kind::File(f) => {
            use std::os::fd::IntoRawFd;
            let raw = f.file.into_raw_fd();
            // SAFETY: `raw` was just taken out of the `File`, which no longer owns it.
            if unsafe { libc::close(raw) } == -1 {
                let err = io::Error::last_os_error();
                if err.raw_os_error() != Some(libc::EINTR) {
                    return Err(err.into());
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

pub(crate) fn fdstat_get(ctx: &mut WasiCtx, fd: Fd) -> HostResult<Fdstat> {
    // Everything is kept in the entry, so this makes no system call.
    let mut held = None;
    let entry = ctx.table.get_in(fd, Rights::empty(), &mut held)?;
    Ok(Fdstat {
        fs_filetype: entry.filetype(),
        fs_flags: entry.flags,
        fs_rights_base: entry.rights,
        fs_rights_inheriting: entry.inheriting,
    })
}

pub(crate) fn fdstat_set_rights(
    ctx: &mut WasiCtx,
    fd: Fd,
    base: Rights,
    inheriting: Rights,
) -> HostResult<()> {
    ctx.table.update(fd, Rights::empty(), |entry| {
        // Rights only ever shrink: a descriptor cannot grant itself what it was not given.
        if !entry.rights.contains(base) || !entry.inheriting.contains(inheriting) {
            return Err(Errno::Notcapable.into());
        }
        entry.rights = base;
        entry.inheriting = inheriting;
        Ok(())
    })?
}

pub(crate) fn prestat_get(ctx: &mut WasiCtx, fd: Fd) -> HostResult<Prestat> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    match &entry.preopen {
        Some(name) => Ok(Prestat::Dir(PrestatDir {
            pr_name_len: Size::try_from(name.len()).map_err(|_| Errno::Nametoolong)?,
        })),
        // wasi-libc walks fds from 3 up and stops at the first EBADF; any other
        // descriptor is simply not a preopen.
        None => Err(Errno::Badf.into()),
    }
}

pub(crate) fn prestat_dir_name(
    ctx: &mut WasiCtx,
    fd: Fd,
    mut buf: GuestBufMut<'_>,
) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    let Some(name) = &entry.preopen else {
        return Err(Errno::Badf.into());
    };
    // A truncated name would silently name another directory; refuse instead. Bytes past
    // the name are left alone (no terminator is written, as the spec defines none).
    if buf.len() < name.len() {
        return Err(Errno::Nametoolong.into());
    }
    buf.write_at(0, name.as_bytes());
    Ok(())
}

pub(crate) fn renumber(ctx: &mut WasiCtx, fd: Fd, to: Fd) -> HostResult<()> {
    Ok(ctx.table.renumber(fd, to)?)
}

/// Guest memory and contexts for this area's unit tests (also used by `poll`'s).
#[cfg(test)]
pub(crate) mod testing;

#[cfg(test)]
mod custom_tests;
#[cfg(test)]
mod stdio_tests;
#[cfg(test)]
mod tests;
