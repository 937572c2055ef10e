//! Byte I/O and positions on a host-defined descriptor ([`HostDescriptor`]): the branch the
//! hot calls in [`rw`](super::rw) take when the entry has no host descriptor.
//!
//! One trait call per guest call, on the guest's first non-empty buffer: a short read or
//! write is what POSIX allows any stream, and a second call could wait where the first did
//! not. Direct guest memory is handed over as a slice; shared memory goes through a bounce
//! buffer of at most `BUFFER_CHUNK` bytes (`GuestBufMut::with_slice_mut`).

use std::io::SeekFrom;

use super::rw::{MAX_IO, size};
use crate::guest::{GuestBuf, GuestBufMut, Iovecs, IovecsMut};
use crate::preview1::*;
use crate::table::{FdEntry, HostDescriptor, Kind};

/// The implementation behind `entry`, which `host_fd` had no descriptor for: only a
/// host-defined kind has none; anything else would be a kind this module has not heard of,
/// answered `EBADF` rather than trusted.
fn of(entry: &FdEntry) -> Result<&dyn HostDescriptor, Errno> {
    match &*entry.kind {
        Kind::Host(h) => Ok(&**h),
        _ => Err(Errno::Badf),
    }
}

/// The first non-empty buffer of a read, clamped to [`MAX_IO`].
fn first_mut<'a>(iovs: &'a mut IovecsMut<'_>) -> Option<GuestBufMut<'a>> {
    let i = (0..iovs.len()).find(|&i| iovs.get_mut(i).is_some_and(|b| !b.is_empty()))?;
    iovs.get_mut(i).map(|b| b.prefix(MAX_IO))
}

/// The first non-empty buffer of a write, clamped to [`MAX_IO`].
fn first<'a>(iovs: &'a Iovecs<'_>) -> Option<GuestBuf<'a>> {
    iovs.iter()
        .find(|b| !b.is_empty())
        .map(|b| b.prefix(MAX_IO))
}

/// Runs `call` on the guest buffer, storing what it reports filled.
fn fill(
    buf: &mut GuestBufMut<'_>,
    call: impl FnOnce(&mut [u8]) -> Result<usize, Errno>,
) -> Result<Size, Errno> {
    let mut failed = None;
    let n = buf.with_slice_mut(|bytes| {
        call(bytes).unwrap_or_else(|e| {
            failed = Some(e);
            0
        })
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(size(n)),
    }
}

// Out of line, each of them: the hot calls on ordinary files pay only for the test of
// `host_fd` that leads here.

#[inline(never)]
pub(super) fn read(entry: &FdEntry, mut iovs: IovecsMut<'_>) -> Result<Size, Errno> {
    let h = of(entry)?;
    match first_mut(&mut iovs) {
        Some(mut buf) => fill(&mut buf, |bytes| h.read(bytes, entry.flags)),
        None => Ok(0),
    }
}

#[inline(never)]
pub(super) fn write(entry: &FdEntry, iovs: &Iovecs<'_>) -> Result<Size, Errno> {
    let h = of(entry)?;
    match first(iovs) {
        // An implementation reporting more than it was given is clamped: the guest's count
        // never exceeds its buffer.
        Some(buf) => buf.with_slice(|bytes| {
            h.write(bytes, entry.flags)
                .map(|n| size(n.min(bytes.len())))
        }),
        None => Ok(0),
    }
}

#[inline(never)]
pub(super) fn pread(entry: &FdEntry, mut iovs: IovecsMut<'_>, at: u64) -> Result<Size, Errno> {
    let h = of(entry)?;
    match first_mut(&mut iovs) {
        Some(mut buf) => fill(&mut buf, |bytes| h.pread(bytes, at)),
        None => Ok(0),
    }
}

#[inline(never)]
pub(super) fn pwrite(entry: &FdEntry, iovs: &Iovecs<'_>, at: u64) -> Result<Size, Errno> {
    let h = of(entry)?;
    match first(iovs) {
        Some(buf) => buf.with_slice(|bytes| h.pwrite(bytes, at).map(|n| size(n.min(bytes.len())))),
        None => Ok(0),
    }
}

/// `fd_seek`, the arguments checked as for a host file (a negative absolute position is
/// `EINVAL` before the implementation sees it); `fd_tell` is `seek(0, Cur)`.
#[inline(never)]
pub(super) fn seek(entry: &FdEntry, delta: Filedelta, whence: Whence) -> Result<Filesize, Errno> {
    let h = of(entry)?;
    let pos = match whence {
        Whence::Set => SeekFrom::Start(u64::try_from(delta).map_err(|_| Errno::Inval)?),
        Whence::Cur => SeekFrom::Current(delta),
        Whence::End => SeekFrom::End(delta),
    };
    h.seek(pos)
}

/// `fd_filestat_get`.
#[inline(never)]
pub(super) fn filestat(entry: &FdEntry) -> Result<Filestat, Errno> {
    of(entry)?.filestat()
}

/// `fd_sync`, or `fd_datasync` with `data_only`.
pub(super) fn sync(entry: &FdEntry, data_only: bool) -> Result<(), Errno> {
    let h = of(entry)?;
    if data_only { h.datasync() } else { h.sync() }
}
