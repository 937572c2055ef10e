//! Calls on an open descriptor: reads, writes, seeks, metadata, flags and the table itself.
//!
//! Hot calls (`fd_read`, `fd_write`, `fd_pread`, `fd_pwrite`, `fd_seek`, `fd_tell`,
//! `fd_filestat_get`) make one system call, allocate nothing for iovec lists of up to 16
//! entries and take no lock. The semantics chosen here are described in `docs/descriptors.md`.

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::{SeekFrom, Timespec, Timestamps};
use smallvec::SmallVec;

use super::HostResult;
use crate::ctx::WasiCtx;
use crate::guest::{GuestBuf, GuestBufMut, Iovecs, IovecsMut};
use crate::preview1::*;
use crate::table::Kind;

/// The host descriptor behind a table entry, whatever its kind.
#[inline]
pub(crate) fn host_fd(kind: &Kind) -> BorrowedFd<'_> {
    match kind {
        Kind::File(f) => f.file.as_fd(),
        Kind::Dir(d) => d.dir.as_fd(),
        Kind::Socket(s) => s.as_fd(),
        Kind::Listener(l) => l.as_fd(),
    }
}

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
/// [`dir_handle`].
fn with_full_fd<R>(kind: &Kind, f: impl FnOnce(BorrowedFd<'_>) -> io::Result<R>) -> io::Result<R> {
    match kind {
        Kind::Dir(d) => f(dir_handle(&d.dir)?.as_fd()),
        other => f(host_fd(other)),
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

/// Largest byte count one read or write asks the host for (Linux's own per-call cap,
/// `MAX_RW_COUNT`). Clamping here keeps every result within a `u32` even when overlapping
/// guest iovecs add up to more than guest memory, and matches what the kernel would do.
const MAX_IO: usize = 0x7fff_f000;

/// Host iovecs for one call; up to 16 live on the stack.
type IoList = SmallVec<[libc::iovec; 16]>;

/// Raw host iovecs for a guest `iovec` list (the destination of a read).
///
/// Raw pointers rather than `IoSliceMut`: guest iovecs may overlap each other (two live
/// `&mut [u8]` over the same bytes would be undefined behaviour) and shared memory must never
/// be borrowed as a Rust slice, while the kernel may write through raw pointers in both cases.
/// The pointers stay valid for the whole call because the guest memory borrow outlives it and
/// wasm memory cannot move or shrink while the host runs.
///
/// The list is filled in place (not returned) so its inline storage is never copied.
fn read_list(iovs: &mut IovecsMut<'_>, list: &mut IoList) {
    let mut budget = MAX_IO;
    for i in 0..iovs.len() {
        if budget == 0 {
            break;
        }
        let Some(mut buf) = iovs.get_mut(i) else {
            break;
        };
        let (ptr, len) = buf.as_raw();
        let len = len.min(budget);
        if len != 0 {
            list.push(libc::iovec {
                iov_base: ptr.cast(),
                iov_len: len,
            });
            budget -= len;
        }
    }
}

/// Raw host iovecs for a guest `ciovec` list (the source of a write); see [`read_list`].
fn write_list(iovs: &Iovecs<'_>, list: &mut IoList) {
    let mut budget = MAX_IO;
    for i in 0..iovs.len() {
        if budget == 0 {
            break;
        }
        let Some(buf) = iovs.get(i) else {
            break;
        };
        let (ptr, len) = buf.as_raw();
        let len = len.min(budget);
        if len != 0 {
            list.push(libc::iovec {
                iov_base: ptr.cast_mut().cast(),
                iov_len: len,
            });
            budget -= len;
        }
    }
}

/// A count from a read or write as a guest `size`; [`MAX_IO`] keeps it in range.
#[inline]
fn size(n: usize) -> Size {
    Size::try_from(n).unwrap_or(Size::MAX)
}

/// A guest file offset as a host one: offsets past `i64::MAX` are negative on the host, which
/// the system calls reject with `EINVAL` anyway; checking here keeps that portable.
#[inline]
fn offset(offset: Filesize) -> Result<i64, Errno> {
    i64::try_from(offset).map_err(|_| Errno::Inval)
}

/// Vectored system calls on raw iovecs, retried on `EINTR` (a host signal is no business of
/// the guest's).
mod sys {
    use std::io;
    use std::os::fd::{AsRawFd, BorrowedFd};

    /// Runs a rustix call until it does not fail with `EINTR`.
    #[inline]
    pub fn retry<T>(mut f: impl FnMut() -> rustix::io::Result<T>) -> rustix::io::Result<T> {
        loop {
            match f() {
                Err(rustix::io::Errno::INTR) => continue,
                other => return other,
            }
        }
    }

    /// Runs a libc call until it does not fail with `EINTR`.
    #[inline]
    fn retry_raw(mut f: impl FnMut() -> isize) -> io::Result<usize> {
        loop {
            let n = f();
            if n >= 0 {
                return Ok(n as usize);
            }
            let err = io::Error::last_os_error();
            if err.raw_os_error() != Some(libc::EINTR) {
                return Err(err);
            }
        }
    }

    /// The iovec count as the C type; lists are at most `IOV_MAX` (1024) long.
    #[inline]
    fn count(list: &[libc::iovec]) -> libc::c_int {
        list.len() as libc::c_int
    }

    /// `readv`, or `read` for a single buffer. Nothing to transfer is 0 without a system
    /// call (some hosts reject an empty iovec list with `EINVAL`).
    pub fn readv(fd: BorrowedFd<'_>, list: &[libc::iovec]) -> io::Result<usize> {
        if list.is_empty() {
            return Ok(0);
        }
        let fd = fd.as_raw_fd();
        // SAFETY: every iovec points into guest memory borrowed for the whole call.
        retry_raw(|| unsafe {
            match list {
                [one] => libc::read(fd, one.iov_base, one.iov_len),
                _ => libc::readv(fd, list.as_ptr(), count(list)),
            }
        })
    }

    /// `writev`, or `write` for a single buffer; see [`readv`] for an empty list.
    pub fn writev(fd: BorrowedFd<'_>, list: &[libc::iovec]) -> io::Result<usize> {
        if list.is_empty() {
            return Ok(0);
        }
        let fd = fd.as_raw_fd();
        // SAFETY: every iovec points into guest memory borrowed for the whole call.
        retry_raw(|| unsafe {
            match list {
                [one] => libc::write(fd, one.iov_base, one.iov_len),
                _ => libc::writev(fd, list.as_ptr(), count(list)),
            }
        })
    }

    /// `preadv`, or `pread` for a single buffer; see [`readv`] for an empty list.
    pub fn preadv(fd: BorrowedFd<'_>, list: &[libc::iovec], offset: i64) -> io::Result<usize> {
        let fd = fd.as_raw_fd();
        match list {
            [] => Ok(0),
            // SAFETY: the iovec points into guest memory borrowed for the whole call.
            [one] => retry_raw(|| unsafe { libc::pread(fd, one.iov_base, one.iov_len, offset) }),
            _ => preadv_many(fd, list, offset),
        }
    }

    /// `pwritev`, or `pwrite` for a single buffer; see [`readv`] for an empty list.
    pub fn pwritev(fd: BorrowedFd<'_>, list: &[libc::iovec], offset: i64) -> io::Result<usize> {
        let fd = fd.as_raw_fd();
        match list {
            [] => Ok(0),
            // SAFETY: the iovec points into guest memory borrowed for the whole call.
            [one] => retry_raw(|| unsafe { libc::pwrite(fd, one.iov_base, one.iov_len, offset) }),
            _ => pwritev_many(fd, list, offset),
        }
    }

    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    fn preadv_many(fd: libc::c_int, list: &[libc::iovec], offset: i64) -> io::Result<usize> {
        // SAFETY: every iovec points into guest memory borrowed for the whole call.
        retry_raw(|| unsafe { libc::preadv(fd, list.as_ptr(), count(list), offset) })
    }

    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    fn pwritev_many(fd: libc::c_int, list: &[libc::iovec], offset: i64) -> io::Result<usize> {
        // SAFETY: every iovec points into guest memory borrowed for the whole call.
        retry_raw(|| unsafe { libc::pwritev(fd, list.as_ptr(), count(list), offset) })
    }

    /// Without `preadv`, one `pread` per buffer, stopping at the first short one (which is
    /// what a single vectored call would have returned).
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    fn preadv_many(fd: libc::c_int, list: &[libc::iovec], offset: i64) -> io::Result<usize> {
        let mut done = 0usize;
        for iov in list {
            // SAFETY: the iovec points into guest memory borrowed for the whole call.
            let r = retry_raw(|| unsafe {
                libc::pread(fd, iov.iov_base, iov.iov_len, offset + done as i64)
            });
            match r {
                Ok(n) => {
                    done += n;
                    if n < iov.iov_len {
                        break;
                    }
                }
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(done)
    }

    /// Without `pwritev`, one `pwrite` per buffer; see `preadv_many`.
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    fn pwritev_many(fd: libc::c_int, list: &[libc::iovec], offset: i64) -> io::Result<usize> {
        let mut done = 0usize;
        for iov in list {
            // SAFETY: the iovec points into guest memory borrowed for the whole call.
            let r = retry_raw(|| unsafe {
                libc::pwrite(fd, iov.iov_base, iov.iov_len, offset + done as i64)
            });
            match r {
                Ok(n) => {
                    done += n;
                    if n < iov.iov_len {
                        break;
                    }
                }
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(done)
    }
}

pub(crate) fn read(ctx: &mut WasiCtx, fd: Fd, mut iovs: IovecsMut<'_>) -> HostResult<Size> {
    let entry = ctx.table.get(fd, Rights::FD_READ)?;
    not_dir(&entry.kind)?;
    let fd = host_fd(&entry.kind);
    if let Some(bytes) = single_mut(&mut iovs)
        .as_mut()
        .and_then(|b| b.as_mut_slice())
    {
        return Ok(size(sys::retry(|| rustix::io::read(fd, &mut *bytes))?));
    }
    let mut list = IoList::new();
    read_list(&mut iovs, &mut list);
    Ok(size(sys::readv(fd, &list)?))
}

pub(crate) fn write(ctx: &mut WasiCtx, fd: Fd, iovs: Iovecs<'_>) -> HostResult<Size> {
    let entry = ctx.table.get(fd, Rights::FD_WRITE)?;
    not_dir(&entry.kind)?;
    // `APPEND` needs nothing here: the host descriptor carries `O_APPEND` (see
    // `fdstat_set_flags`), so the kernel moves to the end atomically with each write.
    let fd = host_fd(&entry.kind);
    if let Some(bytes) = single(&iovs).as_ref().and_then(|b| b.as_slice()) {
        return Ok(size(sys::retry(|| rustix::io::write(fd, bytes))?));
    }
    let mut list = IoList::new();
    write_list(&iovs, &mut list);
    Ok(size(sys::writev(fd, &list)?))
}

pub(crate) fn pread(
    ctx: &mut WasiCtx,
    fd: Fd,
    mut iovs: IovecsMut<'_>,
    at: Filesize,
) -> HostResult<Size> {
    let entry = ctx.table.get(fd, Rights::FD_READ | Rights::FD_SEEK)?;
    not_dir(&entry.kind)?;
    let at = offset(at)?;
    let fd = host_fd(&entry.kind);
    if let Some(bytes) = single_mut(&mut iovs)
        .as_mut()
        .and_then(|b| b.as_mut_slice())
    {
        return Ok(size(sys::retry(|| {
            rustix::io::pread(fd, &mut *bytes, at as u64)
        })?));
    }
    let mut list = IoList::new();
    read_list(&mut iovs, &mut list);
    Ok(size(sys::preadv(fd, &list, at)?))
}

pub(crate) fn pwrite(
    ctx: &mut WasiCtx,
    fd: Fd,
    iovs: Iovecs<'_>,
    at: Filesize,
) -> HostResult<Size> {
    let entry = ctx.table.get(fd, Rights::FD_WRITE | Rights::FD_SEEK)?;
    not_dir(&entry.kind)?;
    let at = offset(at)?;
    // On an `APPEND` descriptor Linux appends and ignores `at`; we keep that (documented in
    // docs/descriptors.md) rather than emulate POSIX with a racy flag toggle.
    let fd = host_fd(&entry.kind);
    if let Some(bytes) = single(&iovs).as_ref().and_then(|b| b.as_slice()) {
        return Ok(size(sys::retry(|| {
            rustix::io::pwrite(fd, bytes, at as u64)
        })?));
    }
    let mut list = IoList::new();
    write_list(&iovs, &mut list);
    Ok(size(sys::pwritev(fd, &list, at)?))
}

/// The one non-empty buffer of a single-entry list (the common case: Rust's std and most
/// libc calls pass one), clamped to [`MAX_IO`], for a plain `read`/`write` through rustix:
/// no host iovec list to build, and no libc wrapper (glibc's are thread-cancellation points,
/// which costs two atomic updates per call in a multi-threaded host).
#[inline]
fn single<'a>(iovs: &'a Iovecs<'_>) -> Option<GuestBuf<'a>> {
    if iovs.len() != 1 {
        return None;
    }
    iovs.get(0)
        .filter(|b| !b.is_empty())
        .map(|b| b.prefix(MAX_IO))
}

/// [`single`] for a list the host fills.
#[inline]
fn single_mut<'a>(iovs: &'a mut IovecsMut<'_>) -> Option<GuestBufMut<'a>> {
    if iovs.len() != 1 {
        return None;
    }
    iovs.get_mut(0)
        .filter(|b| !b.is_empty())
        .map(|b| b.prefix(MAX_IO))
}

pub(crate) fn seek(
    ctx: &mut WasiCtx,
    fd: Fd,
    delta: Filedelta,
    whence: Whence,
) -> HostResult<Filesize> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    // `lseek(fd, 0, SEEK_CUR)` is how wasi-libc's `ftell` asks for the position, so `fd_tell`
    // alone suffices for it; `fd_seek` implies `fd_tell`.
    let tell_only = delta == 0 && whence == Whence::Cur;
    if !(entry.rights.contains(Rights::FD_SEEK)
        || (tell_only && entry.rights.contains(Rights::FD_TELL)))
    {
        return Err(Errno::Notcapable.into());
    }
    if let Kind::Dir(_) = entry.kind {
        // A directory's host offset means nothing to the guest (listings use cookies).
        return Err(Errno::Spipe.into());
    }
    let pos = match whence {
        Whence::Set => SeekFrom::Start(u64::try_from(delta).map_err(|_| Errno::Inval)?),
        Whence::Cur => SeekFrom::Current(delta),
        Whence::End => SeekFrom::End(delta),
    };
    Ok(rustix::fs::seek(host_fd(&entry.kind), pos)?)
}

pub(crate) fn tell(ctx: &mut WasiCtx, fd: Fd) -> HostResult<Filesize> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    if !entry.rights.intersects(Rights::FD_TELL | Rights::FD_SEEK) {
        return Err(Errno::Notcapable.into());
    }
    if let Kind::Dir(_) = entry.kind {
        return Err(Errno::Spipe.into());
    }
    Ok(rustix::fs::tell(host_fd(&entry.kind))?)
}

pub(crate) fn advise(
    ctx: &mut WasiCtx,
    fd: Fd,
    at: Filesize,
    len: Filesize,
    advice: Advice,
) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::FD_ADVISE)?;
    offset(at)?;
    offset(len)?;
    if let Kind::Dir(_) = entry.kind {
        // Advice about a directory's bytes has nothing to act on.
        return Ok(());
    }
    sys_advise(host_fd(&entry.kind), at, len, advice)?;
    Ok(())
}

/// `posix_fadvise`; the advice is only a hint, so where the host has none it is accepted and
/// ignored.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
fn sys_advise(fd: BorrowedFd<'_>, at: u64, len: u64, advice: Advice) -> io::Result<()> {
    use rustix::fs::Advice as A;
    let advice = match advice {
        Advice::Normal => A::Normal,
        Advice::Sequential => A::Sequential,
        Advice::Random => A::Random,
        Advice::Willneed => A::WillNeed,
        Advice::Dontneed => A::DontNeed,
        Advice::Noreuse => A::NoReuse,
    };
    Ok(rustix::fs::fadvise(
        fd,
        at,
        std::num::NonZeroU64::new(len),
        advice,
    )?)
}

#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
fn sys_advise(fd: BorrowedFd<'_>, _at: u64, _len: u64, _advice: Advice) -> io::Result<()> {
    // Keep the errors a real `posix_fadvise` gives for things that are not files.
    match rustix::fs::fstat(fd)?.st_mode & libc::S_IFMT as u32 {
        m if m == libc::S_IFIFO as u32 || m == libc::S_IFSOCK as u32 => {
            Err(io::Error::from_raw_os_error(libc::ESPIPE))
        }
        _ => Ok(()),
    }
}

pub(crate) fn allocate(ctx: &mut WasiCtx, fd: Fd, at: Filesize, len: Filesize) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::FD_ALLOCATE)?;
    not_dir(&entry.kind)?;
    offset(at)?;
    if len == 0 {
        return Err(Errno::Inval.into());
    }
    // `posix_fallocate` reports an end past the largest file size as `EFBIG`.
    let end = at
        .checked_add(len)
        .filter(|&end| end <= i64::MAX as u64)
        .ok_or(Errno::Fbig)?;
    let fd = host_fd(&entry.kind);
    match rustix::fs::fallocate(fd, rustix::fs::FallocateFlags::empty(), at, len) {
        Ok(()) => Ok(()),
        // Filesystems without preallocation (NFSv3, some FUSE): still guarantee the size
        // `posix_fallocate` promises, as glibc's fallback does, minus the block reservation.
        Err(rustix::io::Errno::OPNOTSUPP) => {
            let stat = rustix::fs::fstat(fd)?;
            if (stat.st_size as u64) < end {
                rustix::fs::ftruncate(fd, end)?;
            }
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn close(ctx: &mut WasiCtx, fd: Fd) -> HostResult<()> {
    let entry = ctx.table.remove(fd)?;
    match entry.kind {
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

pub(crate) fn datasync(ctx: &mut WasiCtx, fd: Fd) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::FD_DATASYNC)?;
    with_full_fd(&entry.kind, |fd| {
        #[cfg(not(target_vendor = "apple"))]
        rustix::fs::fdatasync(fd)?;
        #[cfg(target_vendor = "apple")]
        rustix::fs::fsync(fd)?;
        Ok(())
    })?;
    Ok(())
}

pub(crate) fn sync(ctx: &mut WasiCtx, fd: Fd) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::FD_SYNC)?;
    with_full_fd(&entry.kind, |fd| Ok(rustix::fs::fsync(fd)?))?;
    Ok(())
}

pub(crate) fn fdstat_get(ctx: &mut WasiCtx, fd: Fd) -> HostResult<Fdstat> {
    // Everything is kept in the entry, so this makes no system call.
    let entry = ctx.table.get(fd, Rights::empty())?;
    Ok(Fdstat {
        fs_filetype: entry.filetype(),
        fs_flags: entry.flags,
        fs_rights_base: entry.rights,
        fs_rights_inheriting: entry.inheriting,
    })
}

/// The flags that select synchronous I/O, fixed when a file is opened.
const SYNC_FLAGS: Fdflags = Fdflags::DSYNC.union(Fdflags::RSYNC).union(Fdflags::SYNC);

pub(crate) fn fdstat_set_flags(ctx: &mut WasiCtx, fd: Fd, flags: Fdflags) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::FD_FDSTAT_SET_FLAGS)?;
    if flags == entry.flags {
        return Ok(());
    }
    // Linux's F_SETFL silently ignores O_DSYNC/O_SYNC, so a change could not be honoured;
    // say so rather than report flags the descriptor does not have.
    if !(flags ^ entry.flags).intersection(SYNC_FLAGS).is_empty() {
        return Err(Errno::Notsup.into());
    }
    if let Kind::Dir(_) = entry.kind {
        // Neither flag affects anything a directory descriptor can do; record them, as an
        // `fcntl` on a real directory descriptor would.
        entry.flags = flags;
        return Ok(());
    }
    let host = host_fd(&entry.kind);
    let mut oflags = rustix::fs::fcntl_getfl(host)?;
    oflags.set(rustix::fs::OFlags::APPEND, flags.contains(Fdflags::APPEND));
    oflags.set(
        rustix::fs::OFlags::NONBLOCK,
        flags.contains(Fdflags::NONBLOCK),
    );
    rustix::fs::fcntl_setfl(host, oflags)?;
    entry.flags = flags;
    Ok(())
}

pub(crate) fn fdstat_set_rights(
    ctx: &mut WasiCtx,
    fd: Fd,
    base: Rights,
    inheriting: Rights,
) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    // Rights only ever shrink: a descriptor cannot grant itself what it was not given.
    if !entry.rights.contains(base) || !entry.inheriting.contains(inheriting) {
        return Err(Errno::Notcapable.into());
    }
    entry.rights = base;
    entry.inheriting = inheriting;
    Ok(())
}

pub(crate) fn filestat_get(ctx: &mut WasiCtx, fd: Fd) -> HostResult<Filestat> {
    let entry = ctx.table.get(fd, Rights::FD_FILESTAT_GET)?;
    let stat = rustix::fs::fstat(host_fd(&entry.kind))?;
    let mut filestat = filestat_from(&stat);
    if let Kind::Socket(_) | Kind::Listener(_) = entry.kind {
        // fstat says "socket"; the entry knows which kind.
        filestat.filetype = entry.filetype();
    }
    Ok(filestat)
}

pub(crate) fn filestat_set_size(ctx: &mut WasiCtx, fd: Fd, len: Filesize) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::FD_FILESTAT_SET_SIZE)?;
    not_dir(&entry.kind)?;
    offset(len)?;
    rustix::fs::ftruncate(host_fd(&entry.kind), len)?;
    Ok(())
}

pub(crate) fn filestat_set_times(
    ctx: &mut WasiCtx,
    fd: Fd,
    atim: Timestamp,
    mtim: Timestamp,
    fst_flags: Fstflags,
) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::FD_FILESTAT_SET_TIMES)?;
    let times = timestamps(atim, mtim, fst_flags)?;
    with_full_fd(&entry.kind, |fd| Ok(rustix::fs::futimens(fd, &times)?))?;
    Ok(())
}

/// The `futimens`/`utimensat` argument for a set-times call; `EINVAL` when a time is both
/// given and asked to be "now". Shared with `path_filestat_set_times`.
pub(crate) fn timestamps(
    atim: Timestamp,
    mtim: Timestamp,
    fst_flags: Fstflags,
) -> Result<Timestamps, Errno> {
    fn one(value: Timestamp, set: bool, now: bool) -> Result<Timespec, Errno> {
        Ok(match (set, now) {
            (true, true) => return Err(Errno::Inval),
            (true, false) => Timespec {
                // At most ~1.8e10 seconds: always fits.
                tv_sec: (value / 1_000_000_000) as i64,
                tv_nsec: (value % 1_000_000_000) as _,
            },
            (false, true) => Timespec {
                tv_sec: 0,
                tv_nsec: rustix::fs::UTIME_NOW,
            },
            (false, false) => Timespec {
                tv_sec: 0,
                tv_nsec: rustix::fs::UTIME_OMIT,
            },
        })
    }
    Ok(Timestamps {
        last_access: one(
            atim,
            fst_flags.contains(Fstflags::ATIM),
            fst_flags.contains(Fstflags::ATIM_NOW),
        )?,
        last_modification: one(
            mtim,
            fst_flags.contains(Fstflags::MTIM),
            fst_flags.contains(Fstflags::MTIM_NOW),
        )?,
    })
}

/// A host `stat` as a preview1 `filestat`. Shared with `path_filestat_get`.
pub(crate) fn filestat_from(stat: &rustix::fs::Stat) -> Filestat {
    /// Nanoseconds since the epoch; times before 1970 (or past 2554) are clamped, since the
    /// guest's timestamp is unsigned.
    fn nanos(sec: i64, nsec: i64) -> Timestamp {
        if sec < 0 {
            return 0;
        }
        (sec as u64)
            .saturating_mul(1_000_000_000)
            .saturating_add(nsec.clamp(0, 999_999_999) as u64)
    }
    #[allow(clippy::unnecessary_cast)] // field widths differ between targets
    Filestat {
        dev: stat.st_dev as u64,
        ino: stat.st_ino as u64,
        filetype: filetype_of_mode(stat.st_mode),
        nlink: stat.st_nlink as u64,
        size: stat.st_size.max(0) as u64,
        atim: nanos(stat.st_atime as i64, stat.st_atime_nsec as i64),
        mtim: nanos(stat.st_mtime as i64, stat.st_mtime_nsec as i64),
        ctim: nanos(stat.st_ctime as i64, stat.st_ctime_nsec as i64),
    }
}

/// The filetype of a `st_mode` (FIFOs have no preview1 type and are `unknown`; a socket's
/// mode cannot tell stream from datagram, so callers holding the descriptor ask it).
fn filetype_of_mode(mode: rustix::fs::RawMode) -> Filetype {
    super::path::filetype_from(rustix::fs::FileType::from_raw_mode(mode))
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

/// The filetype of an open file, as preview1 names it (one `fstat`, plus `getsockopt` for a
/// socket).
pub(crate) fn filetype_of(file: &File) -> Filetype {
    let Ok(stat) = rustix::fs::fstat(file) else {
        return Filetype::Unknown;
    };
    match filetype_of_mode(stat.st_mode) {
        Filetype::SocketStream => match rustix::net::sockopt::socket_type(file) {
            Ok(rustix::net::SocketType::STREAM) => Filetype::SocketStream,
            Ok(rustix::net::SocketType::DGRAM) => Filetype::SocketDgram,
            _ => Filetype::Unknown,
        },
        other => other,
    }
}

/// The fdflags an open file has on the host.
pub(crate) fn fdflags_of(file: &File) -> Fdflags {
    let Ok(oflags) = rustix::fs::fcntl_getfl(file) else {
        return Fdflags::empty();
    };
    // libc's values: rustix folds O_DSYNC into O_SYNC on Linux.
    let bits = oflags.bits() as libc::c_int;
    let mut flags = Fdflags::empty();
    flags.set(Fdflags::APPEND, bits & libc::O_APPEND != 0);
    flags.set(Fdflags::NONBLOCK, bits & libc::O_NONBLOCK != 0);
    if bits & libc::O_SYNC == libc::O_SYNC {
        flags |= Fdflags::SYNC;
    } else if bits & libc::O_DSYNC != 0 {
        flags |= Fdflags::DSYNC;
    }
    flags
}

/// Whether the file has a position the guest may seek and tell: regular files and devices
/// like `/dev/null` do, ttys, pipes and sockets do not. wasi-libc's `isatty` relies on a tty
/// lacking these rights.
pub(crate) fn is_seekable(file: &File) -> bool {
    rustix::fs::seek(file, SeekFrom::Current(0)).is_ok()
}

/// Guest memory and contexts for this area's unit tests (also used by `poll`'s).
#[cfg(test)]
pub(crate) mod testing {
    use std::fs::File;

    use crate::ctx::{Stdio, WasiCtx};
    use crate::guest::{GuestArray, GuestArrayMut, GuestBufMut, GuestMemory, Iovecs, IovecsMut};
    use crate::preview1::{Event, Subscription};

    /// Where tests put iovec records; data goes from [`DATA`] on.
    pub const IOV: u32 = 0x100;
    /// Start of the data area.
    pub const DATA: u32 = 0x1000;

    /// A 64 KiB unshared guest memory.
    pub struct Mem(pub Vec<u8>);

    impl Mem {
        pub fn new() -> Self {
            Mem(vec![0; 1 << 16])
        }

        pub fn mem(&mut self) -> GuestMemory<'_> {
            GuestMemory::unshared(&mut self.0)
        }

        pub fn put(&mut self, at: u32, bytes: &[u8]) {
            self.0[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
        }

        pub fn get(&self, at: u32, len: usize) -> &[u8] {
            &self.0[at as usize..at as usize + len]
        }

        /// Stores iovec records for `bufs` at [`IOV`].
        pub fn set_iovecs(&mut self, bufs: &[(u32, u32)]) {
            for (i, &(ptr, len)) in bufs.iter().enumerate() {
                let at = IOV as usize + i * 8;
                self.0[at..at + 4].copy_from_slice(&ptr.to_le_bytes());
                self.0[at + 4..at + 8].copy_from_slice(&len.to_le_bytes());
            }
        }

        /// A `ciovec` list over `bufs`.
        pub fn iovecs(&mut self, bufs: &[(u32, u32)]) -> Iovecs<'_> {
            self.set_iovecs(bufs);
            // SAFETY: no other view of this memory is live.
            unsafe { Iovecs::decode(self.mem(), IOV, bufs.len() as u32, true) }.unwrap()
        }

        /// An `iovec` list over `bufs`.
        pub fn iovecs_mut(&mut self, bufs: &[(u32, u32)]) -> IovecsMut<'_> {
            self.set_iovecs(bufs);
            // SAFETY: no other view of this memory is live.
            unsafe { IovecsMut::decode(self.mem(), IOV, bufs.len() as u32, true) }.unwrap()
        }

        /// `len` writable bytes at `at`.
        pub fn buf_mut(&mut self, at: u32, len: u32) -> GuestBufMut<'_> {
            // SAFETY: no other view of this memory is live.
            unsafe { GuestBufMut::new(self.mem(), at, len, true) }.unwrap()
        }

        /// Stores `subs` at [`IOV`] and returns the subscription and event arrays (events
        /// at [`DATA`]).
        pub fn poll_arrays(
            &mut self,
            subs: &[Subscription],
        ) -> (GuestArray<'_, Subscription>, GuestArrayMut<'_, Event>) {
            let mem = self.mem();
            for (i, s) in subs.iter().enumerate() {
                mem.write(IOV + 48 * i as u32, s).unwrap();
            }
            let n = subs.len() as u32;
            (
                GuestArray::new(mem, IOV, n).unwrap(),
                GuestArrayMut::new(mem, DATA, n).unwrap(),
            )
        }

        pub fn event(&mut self, i: u32) -> Event {
            self.mem().read(DATA + 32 * i).unwrap()
        }
    }

    /// A pipe as (read end, write end).
    pub fn pipe() -> (File, File) {
        let (r, w) = rustix::pipe::pipe().unwrap();
        (File::from(r), File::from(w))
    }

    /// A context whose stdio are the given files.
    pub fn ctx(stdin: Stdio, stdout: Stdio) -> WasiCtx {
        WasiCtx::builder()
            .stdin(stdin)
            .stdout(stdout)
            .stderr(Stdio::Null)
            .build()
            .unwrap()
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Seek, Write};
    use std::os::unix::fs::OpenOptionsExt;

    use super::testing::{DATA, Mem, ctx, pipe};
    use super::*;
    use crate::call::CallError;
    use crate::ctx::Stdio;

    fn errno<T: std::fmt::Debug>(r: HostResult<T>) -> Errno {
        match r {
            Err(CallError::Errno(e)) => e,
            other => panic!("expected an errno, got {other:?}"),
        }
    }

    /// A context whose stdin and stdout are one read-write temp file holding `contents`.
    fn file_ctx(contents: &[u8]) -> (WasiCtx, File) {
        let mut file = tempfile::tempfile().unwrap();
        file.write_all(contents).unwrap();
        file.rewind().unwrap();
        let ours = file.try_clone().unwrap();
        let ctx = ctx(Stdio::File(file.try_clone().unwrap()), Stdio::File(file));
        (ctx, ours)
    }

    #[test]
    fn vectored_write_and_read_through_pipes() {
        let (stdin_r, mut stdin_w) = pipe();
        let (mut stdout_r, stdout_w) = pipe();
        let mut ctx = ctx(Stdio::File(stdin_r), Stdio::File(stdout_w));
        let mut m = Mem::new();
        m.put(DATA, b"hello, world");
        // Three buffers, one empty: gathered in order.
        let iovs = m.iovecs(&[(DATA, 5), (DATA + 100, 0), (DATA + 5, 7)]);
        assert_eq!(write(&mut ctx, Fd(1), iovs).unwrap(), 12);
        let mut got = [0u8; 12];
        stdout_r.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"hello, world");

        stdin_w.write_all(b"abcdefgh").unwrap();
        let iovs = m.iovecs_mut(&[(DATA + 200, 3), (DATA + 300, 10)]);
        assert_eq!(read(&mut ctx, Fd(0), iovs).unwrap(), 8);
        assert_eq!(m.get(DATA + 200, 3), b"abc");
        assert_eq!(m.get(DATA + 300, 5), b"defgh");

        // Zero-length read and write.
        let iovs = m.iovecs_mut(&[]);
        assert_eq!(read(&mut ctx, Fd(0), iovs).unwrap(), 0);
        let iovs = m.iovecs(&[(DATA, 0)]);
        assert_eq!(write(&mut ctx, Fd(1), iovs).unwrap(), 0);

        // End of file once the writer is gone.
        drop(stdin_w);
        let iovs = m.iovecs_mut(&[(DATA, 16)]);
        assert_eq!(read(&mut ctx, Fd(0), iovs).unwrap(), 0);
    }

    #[test]
    fn more_iovecs_than_the_inline_capacity() {
        let (mut ctx, mut file) = file_ctx(b"");
        let mut m = Mem::new();
        let data: Vec<u8> = (0..40u8).collect();
        m.put(DATA, &data);
        let bufs: Vec<(u32, u32)> = (0..40).map(|i| (DATA + i, 1)).collect();
        let iovs = m.iovecs(&bufs);
        assert_eq!(write(&mut ctx, Fd(1), iovs).unwrap(), 40);
        let mut got = Vec::new();
        file.rewind().unwrap();
        file.read_to_end(&mut got).unwrap();
        assert_eq!(got, data);

        let bufs: Vec<(u32, u32)> = (0..40).map(|i| (DATA + 1000 + 2 * i, 1)).collect();
        let iovs = m.iovecs_mut(&bufs);
        assert_eq!(pread(&mut ctx, Fd(0), iovs, 0).unwrap(), 40);
        for i in 0..40u32 {
            assert_eq!(m.get(DATA + 1000 + 2 * i, 1)[0], i as u8);
        }
    }

    #[test]
    fn overlapping_iovecs_are_read_into_in_order() {
        let (mut ctx, _file) = file_ctx(b"0123456789");
        let mut m = Mem::new();
        // The second buffer overwrites the tail of the first, as readv would.
        let iovs = m.iovecs_mut(&[(DATA, 6), (DATA + 3, 4)]);
        assert_eq!(read(&mut ctx, Fd(0), iovs).unwrap(), 10);
        assert_eq!(m.get(DATA, 7), b"0126789");
    }

    #[test]
    fn shared_memory_is_read_into_and_written_from() {
        let (mut ctx, _file) = file_ctx(b"shared!");
        let cells: Vec<std::cell::UnsafeCell<u8>> =
            (0..0x2000).map(|_| std::cell::UnsafeCell::new(0)).collect();
        let mem = crate::guest::GuestMemory::shared(&cells);
        mem.store(super::testing::IOV, &DATA.to_le_bytes()).unwrap();
        mem.store(super::testing::IOV + 4, &7u32.to_le_bytes())
            .unwrap();
        // SAFETY: shared memory views always copy or go through the kernel.
        let iovs = unsafe { IovecsMut::decode(mem, super::testing::IOV, 1, true) }.unwrap();
        assert_eq!(read(&mut ctx, Fd(0), iovs).unwrap(), 7);
        let mut got = [0u8; 7];
        for (i, b) in got.iter_mut().enumerate() {
            *b = mem.load::<1>(DATA + i as u32).unwrap()[0];
        }
        assert_eq!(&got, b"shared!");
        let iovs = unsafe { Iovecs::decode(mem, super::testing::IOV, 1, true) }.unwrap();
        assert_eq!(pwrite(&mut ctx, Fd(1), iovs, 20).unwrap(), 7);
        assert_eq!(filestat_get(&mut ctx, Fd(1)).unwrap().size, 27);
    }

    #[test]
    fn positioned_io_leaves_the_offset_alone() {
        let (mut ctx, _file) = file_ctx(b"0123456789");
        let mut m = Mem::new();
        assert_eq!(seek(&mut ctx, Fd(0), 2, Whence::Set).unwrap(), 2);
        let iovs = m.iovecs_mut(&[(DATA, 3)]);
        assert_eq!(pread(&mut ctx, Fd(0), iovs, 5).unwrap(), 3);
        assert_eq!(m.get(DATA, 3), b"567");
        assert_eq!(tell(&mut ctx, Fd(0)).unwrap(), 2);
        // Past the end: nothing, not an error.
        let iovs = m.iovecs_mut(&[(DATA, 3)]);
        assert_eq!(pread(&mut ctx, Fd(0), iovs, 100).unwrap(), 0);
        m.put(DATA, b"AB");
        let iovs = m.iovecs(&[(DATA, 2)]);
        assert_eq!(pwrite(&mut ctx, Fd(1), iovs, 8).unwrap(), 2);
        assert_eq!(tell(&mut ctx, Fd(1)).unwrap(), 2);
        let iovs = m.iovecs_mut(&[(DATA, 10)]);
        assert_eq!(pread(&mut ctx, Fd(0), iovs, 0).unwrap(), 10);
        assert_eq!(m.get(DATA, 10), b"01234567AB");
        // Offsets a host `off_t` cannot hold.
        let iovs = m.iovecs_mut(&[(DATA, 1)]);
        assert_eq!(errno(pread(&mut ctx, Fd(0), iovs, 1 << 63)), Errno::Inval);
        let iovs = m.iovecs(&[(DATA, 1)]);
        assert_eq!(errno(pwrite(&mut ctx, Fd(1), iovs, u64::MAX)), Errno::Inval);
    }

    #[test]
    fn seek_and_tell_edge_cases() {
        let (mut ctx, _file) = file_ctx(b"0123456789");
        assert_eq!(seek(&mut ctx, Fd(0), 0, Whence::End).unwrap(), 10);
        assert_eq!(seek(&mut ctx, Fd(0), -4, Whence::Cur).unwrap(), 6);
        assert_eq!(tell(&mut ctx, Fd(0)).unwrap(), 6);
        // Past the end is fine; before the start is not.
        assert_eq!(seek(&mut ctx, Fd(0), 5, Whence::End).unwrap(), 15);
        assert_eq!(errno(seek(&mut ctx, Fd(0), -1, Whence::Set)), Errno::Inval);
        assert_eq!(errno(seek(&mut ctx, Fd(0), -16, Whence::Cur)), Errno::Inval);
        assert_eq!(errno(seek(&mut ctx, Fd(0), -11, Whence::End)), Errno::Inval);
        assert_eq!(tell(&mut ctx, Fd(0)).unwrap(), 15);
        assert_eq!(
            errno(seek(&mut ctx, Fd(0), i64::MAX, Whence::Cur)),
            Errno::Inval
        );
        // stdin and stdout share one open file here, so one offset.
        assert_eq!(tell(&mut ctx, Fd(1)).unwrap(), 15);
        assert_eq!(errno(seek(&mut ctx, Fd(9), 0, Whence::Set)), Errno::Badf);
    }

    #[test]
    fn pipes_and_directories_cannot_seek() {
        let (r, _w) = pipe();
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = WasiCtx::builder()
            .stdin(Stdio::File(r))
            .preopen_dir(dir.path(), "/d")
            .build()
            .unwrap();
        for fd in [Fd(0), Fd(3)] {
            assert_eq!(errno(seek(&mut ctx, fd, 0, Whence::Set)), Errno::Notcapable);
            assert_eq!(errno(seek(&mut ctx, fd, 0, Whence::Cur)), Errno::Notcapable);
            assert_eq!(errno(tell(&mut ctx, fd)), Errno::Notcapable);
        }
        let mut m = Mem::new();
        let iovs = m.iovecs_mut(&[(DATA, 1)]);
        assert_eq!(errno(pread(&mut ctx, Fd(0), iovs, 0)), Errno::Notcapable);
        // With the rights (as a FIFO opened by path could have), the host says ESPIPE.
        ctx.table.get(Fd(0), Rights::empty()).unwrap().rights |= Rights::FD_SEEK;
        assert_eq!(errno(seek(&mut ctx, Fd(0), 0, Whence::Set)), Errno::Spipe);
        let iovs = m.iovecs_mut(&[(DATA, 1)]);
        assert_eq!(errno(pread(&mut ctx, Fd(0), iovs, 0)), Errno::Spipe);
        // A directory holding the right still has no offset for the guest.
        ctx.table.get(Fd(3), Rights::empty()).unwrap().rights |= Rights::FD_SEEK;
        assert_eq!(errno(seek(&mut ctx, Fd(3), 0, Whence::Set)), Errno::Spipe);
        assert_eq!(errno(tell(&mut ctx, Fd(3))), Errno::Spipe);
    }

    #[test]
    fn tell_right_suffices_for_asking_the_position() {
        let (mut ctx, _file) = file_ctx(b"abc");
        seek(&mut ctx, Fd(0), 2, Whence::Set).unwrap();
        let all = ctx.table.get(Fd(0), Rights::empty()).unwrap().rights;
        fdstat_set_rights(&mut ctx, Fd(0), all - Rights::FD_SEEK, Rights::empty()).unwrap();
        assert_eq!(tell(&mut ctx, Fd(0)).unwrap(), 2);
        assert_eq!(seek(&mut ctx, Fd(0), 0, Whence::Cur).unwrap(), 2);
        assert_eq!(
            errno(seek(&mut ctx, Fd(0), 1, Whence::Cur)),
            Errno::Notcapable
        );
        assert_eq!(
            errno(seek(&mut ctx, Fd(0), 0, Whence::Set)),
            Errno::Notcapable
        );
        fdstat_set_rights(
            &mut ctx,
            Fd(0),
            all - Rights::FD_SEEK - Rights::FD_TELL,
            Rights::empty(),
        )
        .unwrap();
        assert_eq!(errno(tell(&mut ctx, Fd(0))), Errno::Notcapable);
    }

    #[test]
    fn append_flag_is_set_on_the_host_descriptor() {
        let (mut ctx, mut file) = file_ctx(b"0123");
        assert!(
            !fdstat_get(&mut ctx, Fd(1))
                .unwrap()
                .fs_flags
                .contains(Fdflags::APPEND)
        );
        fdstat_set_flags(&mut ctx, Fd(1), Fdflags::APPEND).unwrap();
        assert_eq!(
            fdstat_get(&mut ctx, Fd(1)).unwrap().fs_flags,
            Fdflags::APPEND
        );
        let host = rustix::fs::fcntl_getfl(&file).unwrap();
        assert!(host.contains(rustix::fs::OFlags::APPEND));
        let mut m = Mem::new();
        m.put(DATA, b"xy");
        seek(&mut ctx, Fd(1), 0, Whence::Set).unwrap();
        let iovs = m.iovecs(&[(DATA, 2)]);
        assert_eq!(write(&mut ctx, Fd(1), iovs).unwrap(), 2);
        assert_eq!(tell(&mut ctx, Fd(1)).unwrap(), 6);
        // pwrite on an APPEND descriptor appends too (Linux), and leaves the offset.
        seek(&mut ctx, Fd(1), 1, Whence::Set).unwrap();
        let iovs = m.iovecs(&[(DATA, 1)]);
        assert_eq!(pwrite(&mut ctx, Fd(1), iovs, 0).unwrap(), 1);
        assert_eq!(tell(&mut ctx, Fd(1)).unwrap(), 1);
        let mut got = Vec::new();
        file.rewind().unwrap();
        file.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"0123xyx");
        // Clearing it restores positioned writes.
        fdstat_set_flags(&mut ctx, Fd(1), Fdflags::empty()).unwrap();
        assert!(
            !rustix::fs::fcntl_getfl(&file)
                .unwrap()
                .contains(rustix::fs::OFlags::APPEND)
        );
        seek(&mut ctx, Fd(1), 0, Whence::Set).unwrap();
        let iovs = m.iovecs(&[(DATA, 2)]);
        write(&mut ctx, Fd(1), iovs).unwrap();
        let mut got = Vec::new();
        file.rewind().unwrap();
        file.read_to_end(&mut got).unwrap();
        assert_eq!(got, b"xy23xyx");
    }

    #[test]
    fn nonblock_flag_makes_an_empty_pipe_say_eagain() {
        let (r, mut w) = pipe();
        let mut ctx = ctx(Stdio::File(r), Stdio::Null);
        fdstat_set_flags(&mut ctx, Fd(0), Fdflags::NONBLOCK).unwrap();
        let mut m = Mem::new();
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(errno(read(&mut ctx, Fd(0), iovs)), Errno::Again);
        w.write_all(b"ok").unwrap();
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(read(&mut ctx, Fd(0), iovs).unwrap(), 2);
        fdstat_set_flags(&mut ctx, Fd(0), Fdflags::empty()).unwrap();
        let host = rustix::fs::fcntl_getfl(host_fd(
            &ctx.table.get(Fd(0), Rights::empty()).unwrap().kind,
        ))
        .unwrap();
        assert!(!host.contains(rustix::fs::OFlags::NONBLOCK));
    }

    #[test]
    fn sync_flags_cannot_change() {
        let (mut ctx, _file) = file_ctx(b"");
        for f in [
            Fdflags::DSYNC,
            Fdflags::RSYNC,
            Fdflags::SYNC,
            Fdflags::SYNC | Fdflags::APPEND,
        ] {
            assert_eq!(errno(fdstat_set_flags(&mut ctx, Fd(1), f)), Errno::Notsup);
        }
        assert_eq!(
            fdstat_get(&mut ctx, Fd(1)).unwrap().fs_flags,
            Fdflags::empty()
        );
        // Repeating flags the descriptor has is fine.
        ctx.table.get(Fd(1), Rights::empty()).unwrap().flags = Fdflags::DSYNC;
        fdstat_set_flags(&mut ctx, Fd(1), Fdflags::DSYNC | Fdflags::NONBLOCK).unwrap();
        assert_eq!(
            fdstat_get(&mut ctx, Fd(1)).unwrap().fs_flags,
            Fdflags::DSYNC | Fdflags::NONBLOCK
        );
        let without =
            ctx.table.get(Fd(1), Rights::empty()).unwrap().rights - Rights::FD_FDSTAT_SET_FLAGS;
        fdstat_set_rights(&mut ctx, Fd(1), without, Rights::empty()).unwrap();
        assert_eq!(
            errno(fdstat_set_flags(&mut ctx, Fd(1), Fdflags::empty())),
            Errno::Notcapable
        );
    }

    #[test]
    fn rights_only_shrink_and_are_enforced() {
        let (mut ctx, _file) = file_ctx(b"data");
        let stat = fdstat_get(&mut ctx, Fd(0)).unwrap();
        assert!(
            stat.fs_rights_base
                .contains(Rights::FD_READ | Rights::FD_SEEK)
        );
        let fewer = stat.fs_rights_base - Rights::FD_READ;
        fdstat_set_rights(&mut ctx, Fd(0), fewer, Rights::empty()).unwrap();
        assert_eq!(fdstat_get(&mut ctx, Fd(0)).unwrap().fs_rights_base, fewer);
        let mut m = Mem::new();
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(errno(read(&mut ctx, Fd(0), iovs)), Errno::Notcapable);
        // Taking the right back, or any inheriting right, is refused.
        assert_eq!(
            errno(fdstat_set_rights(
                &mut ctx,
                Fd(0),
                stat.fs_rights_base,
                Rights::empty()
            )),
            Errno::Notcapable
        );
        assert_eq!(
            errno(fdstat_set_rights(&mut ctx, Fd(0), fewer, Rights::FD_READ)),
            Errno::Notcapable
        );
        assert_eq!(fdstat_get(&mut ctx, Fd(0)).unwrap().fs_rights_base, fewer);
        // Dropping everything leaves a descriptor that can still be closed.
        fdstat_set_rights(&mut ctx, Fd(0), Rights::empty(), Rights::empty()).unwrap();
        assert_eq!(errno(filestat_get(&mut ctx, Fd(0))), Errno::Notcapable);
        assert_eq!(errno(sync(&mut ctx, Fd(0))), Errno::Notcapable);
        close(&mut ctx, Fd(0)).unwrap();
    }

    #[test]
    fn renumber_cases() {
        let (mut ctx, mut file) = file_ctx(b"");
        let (_r, w) = pipe();
        let dir = tempfile::tempdir().unwrap();
        let mut ctx2 = WasiCtx::builder()
            .stdout(Stdio::File(w))
            .preopen_dir(dir.path(), "/p")
            .build()
            .unwrap();
        // Onto itself: nothing happens.
        renumber(&mut ctx, Fd(1), Fd(1)).unwrap();
        assert!(ctx.table.contains(Fd(1)));
        // Closed source or target.
        assert_eq!(errno(renumber(&mut ctx, Fd(7), Fd(1))), Errno::Badf);
        assert_eq!(errno(renumber(&mut ctx, Fd(1), Fd(7))), Errno::Badf);
        assert_eq!(errno(renumber(&mut ctx, Fd(7), Fd(7))), Errno::Badf);
        // Onto an open fd: it is closed and replaced; the source is gone.
        renumber(&mut ctx, Fd(1), Fd(2)).unwrap();
        assert!(!ctx.table.contains(Fd(1)));
        let mut m = Mem::new();
        m.put(DATA, b"via 2");
        let iovs = m.iovecs(&[(DATA, 5)]);
        assert_eq!(write(&mut ctx, Fd(2), iovs).unwrap(), 5);
        let mut got = String::new();
        file.rewind().unwrap();
        file.read_to_string(&mut got).unwrap();
        assert_eq!(got, "via 2");
        let iovs = m.iovecs(&[(DATA, 5)]);
        assert_eq!(errno(write(&mut ctx, Fd(1), iovs)), Errno::Badf);
        // The freed number is reused by the next descriptor.
        assert_eq!(
            fdstat_get(&mut ctx, Fd(2)).unwrap().fs_filetype,
            Filetype::RegularFile
        );
        // Onto a preopen: the preopen is closed, the target now holds the moved fd.
        renumber(&mut ctx2, Fd(1), Fd(3)).unwrap();
        assert_eq!(errno(prestat_get(&mut ctx2, Fd(3))), Errno::Badf);
        assert_eq!(
            fdstat_get(&mut ctx2, Fd(3)).unwrap().fs_filetype,
            Filetype::Unknown
        );
        // A preopen moved elsewhere stays a preopen.
        let dir2 = tempfile::tempdir().unwrap();
        let mut ctx3 = WasiCtx::builder()
            .preopen_dir(dir2.path(), "/q")
            .build()
            .unwrap();
        renumber(&mut ctx3, Fd(3), Fd(0)).unwrap();
        assert_eq!(
            prestat_get(&mut ctx3, Fd(0)).unwrap(),
            Prestat::Dir(PrestatDir { pr_name_len: 2 })
        );
    }

    #[test]
    fn close_and_preopens() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = WasiCtx::builder()
            .preopen_dir(dir.path(), "/sandbox")
            .preopen_dir_read_only(dir.path(), "ro")
            .build()
            .unwrap();
        assert_eq!(
            prestat_get(&mut ctx, Fd(3)).unwrap(),
            Prestat::Dir(PrestatDir { pr_name_len: 8 })
        );
        assert_eq!(
            prestat_get(&mut ctx, Fd(4)).unwrap(),
            Prestat::Dir(PrestatDir { pr_name_len: 2 })
        );
        assert_eq!(errno(prestat_get(&mut ctx, Fd(0))), Errno::Badf);
        assert_eq!(errno(prestat_get(&mut ctx, Fd(5))), Errno::Badf);
        let mut m = Mem::new();
        m.put(DATA, &[0xee; 16]);
        let buf = m.buf_mut(DATA, 4);
        assert_eq!(
            errno(prestat_dir_name(&mut ctx, Fd(3), buf)),
            Errno::Nametoolong
        );
        assert_eq!(m.get(DATA, 4), &[0xee; 4]);
        let buf = m.buf_mut(DATA, 8);
        prestat_dir_name(&mut ctx, Fd(3), buf).unwrap();
        assert_eq!(m.get(DATA, 8), b"/sandbox");
        m.put(DATA, &[0xee; 16]);
        let buf = m.buf_mut(DATA, 16);
        prestat_dir_name(&mut ctx, Fd(4), buf).unwrap();
        assert_eq!(m.get(DATA, 4), b"ro\xee\xee");
        let buf = m.buf_mut(DATA, 16);
        assert_eq!(errno(prestat_dir_name(&mut ctx, Fd(1), buf)), Errno::Badf);
        // Closing a preopen is allowed; it is then gone.
        close(&mut ctx, Fd(3)).unwrap();
        assert_eq!(errno(prestat_get(&mut ctx, Fd(3))), Errno::Badf);
        assert_eq!(errno(close(&mut ctx, Fd(3))), Errno::Badf);
        assert_eq!(errno(fdstat_get(&mut ctx, Fd(3))), Errno::Badf);
        // So is closing stdio.
        close(&mut ctx, Fd(0)).unwrap();
        assert_eq!(errno(fdstat_get(&mut ctx, Fd(0))), Errno::Badf);
        // Directory rights: no read, write or seek.
        let st = fdstat_get(&mut ctx, Fd(4)).unwrap();
        assert_eq!(st.fs_filetype, Filetype::Directory);
        assert!(
            !st.fs_rights_base
                .intersects(Rights::FD_READ | Rights::FD_WRITE | Rights::FD_SEEK)
        );
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(errno(read(&mut ctx, Fd(4), iovs)), Errno::Notcapable);
        assert_eq!(
            filestat_get(&mut ctx, Fd(4)).unwrap().filetype,
            Filetype::Directory
        );
    }

    #[test]
    fn directories_sync_take_times_and_refuse_byte_io() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = WasiCtx::builder()
            .preopen_dir(dir.path(), "/d")
            .build()
            .unwrap();
        let d = Fd(3);
        sync(&mut ctx, d).unwrap();
        datasync(&mut ctx, d).unwrap();
        advise(&mut ctx, d, 0, 0, Advice::Willneed).unwrap();
        let (atim, mtim) = (111_000_000_222, 333_000_000_444);
        filestat_set_times(&mut ctx, d, atim, mtim, Fstflags::ATIM | Fstflags::MTIM).unwrap();
        let st = filestat_get(&mut ctx, d).unwrap();
        assert_eq!(
            (st.filetype, st.atim, st.mtim),
            (Filetype::Directory, atim, mtim)
        );
        use std::os::unix::fs::MetadataExt;
        let host = std::fs::metadata(dir.path()).unwrap();
        assert_eq!(host.mtime(), 333);
        assert_eq!(host.mtime_nsec(), 444);
        fdstat_set_flags(&mut ctx, d, Fdflags::NONBLOCK).unwrap();
        assert_eq!(fdstat_get(&mut ctx, d).unwrap().fs_flags, Fdflags::NONBLOCK);
        // Even holding every file right, a directory has no bytes to read or write.
        ctx.table.get(d, Rights::empty()).unwrap().rights |= crate::table::FILE_RIGHTS;
        let mut m = Mem::new();
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(errno(read(&mut ctx, d, iovs)), Errno::Isdir);
        let iovs = m.iovecs(&[(DATA, 4)]);
        assert_eq!(errno(write(&mut ctx, d, iovs)), Errno::Isdir);
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(errno(pread(&mut ctx, d, iovs, 0)), Errno::Isdir);
        let iovs = m.iovecs(&[(DATA, 4)]);
        assert_eq!(errno(pwrite(&mut ctx, d, iovs, 0)), Errno::Isdir);
        assert_eq!(errno(filestat_set_size(&mut ctx, d, 0)), Errno::Isdir);
        assert_eq!(errno(allocate(&mut ctx, d, 0, 1)), Errno::Isdir);
    }

    #[test]
    fn stdio_kinds_report_their_filetype_and_rights() {
        let (r, _w) = pipe();
        let file = tempfile::tempfile().unwrap();
        let mut ctx = WasiCtx::builder()
            .stdin(Stdio::File(r))
            .stdout(Stdio::File(file))
            .stderr(Stdio::Null)
            .build()
            .unwrap();
        let pipe = fdstat_get(&mut ctx, Fd(0)).unwrap();
        assert_eq!(pipe.fs_filetype, Filetype::Unknown);
        assert!(
            !pipe
                .fs_rights_base
                .intersects(Rights::FD_SEEK | Rights::FD_TELL)
        );
        assert!(
            pipe.fs_rights_base
                .contains(Rights::FD_READ | Rights::FD_WRITE)
        );
        let reg = fdstat_get(&mut ctx, Fd(1)).unwrap();
        assert_eq!(reg.fs_filetype, Filetype::RegularFile);
        assert!(
            reg.fs_rights_base
                .contains(Rights::FD_SEEK | Rights::FD_TELL)
        );
        // /dev/null is a character device that seeks: not a tty for wasi-libc's isatty.
        let null = fdstat_get(&mut ctx, Fd(2)).unwrap();
        assert_eq!(null.fs_filetype, Filetype::CharacterDevice);
        assert!(
            null.fs_rights_base
                .contains(Rights::FD_SEEK | Rights::FD_TELL)
        );
        assert_eq!(
            filestat_get(&mut ctx, Fd(2)).unwrap().filetype,
            Filetype::CharacterDevice
        );
        assert_eq!(
            filestat_get(&mut ctx, Fd(0)).unwrap().filetype,
            Filetype::Unknown
        );
        let mut m = Mem::new();
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(read(&mut ctx, Fd(2), iovs).unwrap(), 0);
        m.put(DATA, b"gone");
        let iovs = m.iovecs(&[(DATA, 4)]);
        assert_eq!(write(&mut ctx, Fd(2), iovs).unwrap(), 4);
    }

    #[test]
    fn a_pty_is_a_character_device_without_seek_rights() {
        // A pseudo-terminal is what a tty is; skip quietly where none can be opened.
        let Some((master, slave)) = open_pty() else {
            return;
        };
        let mut ctx = ctx(Stdio::File(slave.try_clone().unwrap()), Stdio::File(slave));
        let st = fdstat_get(&mut ctx, Fd(0)).unwrap();
        assert_eq!(st.fs_filetype, Filetype::CharacterDevice);
        assert!(
            !st.fs_rights_base
                .intersects(Rights::FD_SEEK | Rights::FD_TELL)
        );
        let mut m = Mem::new();
        m.put(DATA, b"hi");
        let iovs = m.iovecs(&[(DATA, 2)]);
        assert_eq!(write(&mut ctx, Fd(1), iovs).unwrap(), 2);
        let mut master = master;
        let mut got = [0u8; 2];
        master.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"hi");
    }

    #[test]
    fn filestat_size_and_times() {
        let (mut ctx, file) = file_ctx(b"12345");
        let st = filestat_get(&mut ctx, Fd(0)).unwrap();
        let host = file.metadata().unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(st.filetype, Filetype::RegularFile);
        assert_eq!(st.size, 5);
        assert_eq!(st.ino, host.ino());
        assert_eq!(st.dev, host.dev());
        assert_eq!(st.nlink, host.nlink());
        assert_eq!(
            st.mtim,
            host.mtime() as u64 * 1_000_000_000 + host.mtime_nsec() as u64
        );

        filestat_set_size(&mut ctx, Fd(1), 2).unwrap();
        assert_eq!(filestat_get(&mut ctx, Fd(1)).unwrap().size, 2);
        filestat_set_size(&mut ctx, Fd(1), 1 << 20).unwrap();
        assert_eq!(file.metadata().unwrap().len(), 1 << 20);
        assert_eq!(
            errno(filestat_set_size(&mut ctx, Fd(1), u64::MAX)),
            Errno::Inval
        );

        let atim = 1_234_567_890_123_456_789;
        let mtim = 987_654_321_000_000_001;
        let both = Fstflags::ATIM | Fstflags::MTIM;
        filestat_set_times(&mut ctx, Fd(1), atim, mtim, both).unwrap();
        let st = filestat_get(&mut ctx, Fd(1)).unwrap();
        assert_eq!((st.atim, st.mtim), (atim, mtim));
        // Only mtime, to "now": atime is left alone.
        filestat_set_times(&mut ctx, Fd(1), 0, 0, Fstflags::MTIM_NOW).unwrap();
        let st = filestat_get(&mut ctx, Fd(1)).unwrap();
        assert_eq!(st.atim, atim);
        assert!(st.mtim > mtim);
        // A time both given and "now" is contradictory.
        for bad in [
            Fstflags::ATIM | Fstflags::ATIM_NOW,
            Fstflags::MTIM | Fstflags::MTIM_NOW,
        ] {
            assert_eq!(
                errno(filestat_set_times(&mut ctx, Fd(1), 1, 1, bad)),
                Errno::Inval
            );
        }
        assert_eq!(filestat_get(&mut ctx, Fd(1)).unwrap().atim, atim);
        // Nothing selected changes nothing.
        filestat_set_times(&mut ctx, Fd(1), 5, 5, Fstflags::empty()).unwrap();
        assert_eq!(filestat_get(&mut ctx, Fd(1)).unwrap().atim, atim);
    }

    #[test]
    fn allocate_advise_and_sync() {
        let (mut ctx, file) = file_ctx(b"abc");
        assert_eq!(errno(allocate(&mut ctx, Fd(1), 0, 0)), Errno::Inval);
        assert_eq!(errno(allocate(&mut ctx, Fd(1), 1 << 63, 1)), Errno::Inval);
        assert_eq!(
            errno(allocate(&mut ctx, Fd(1), i64::MAX as u64, 1)),
            Errno::Fbig
        );
        allocate(&mut ctx, Fd(1), 0, 2).unwrap();
        assert_eq!(file.metadata().unwrap().len(), 3);
        allocate(&mut ctx, Fd(1), 100, 28).unwrap();
        assert_eq!(file.metadata().unwrap().len(), 128);
        for advice in Advice::ALL {
            advise(&mut ctx, Fd(0), 0, 0, advice).unwrap();
            advise(&mut ctx, Fd(0), 10, 1000, advice).unwrap();
        }
        assert_eq!(
            errno(advise(&mut ctx, Fd(0), 1 << 63, 0, Advice::Normal)),
            Errno::Inval
        );
        sync(&mut ctx, Fd(1)).unwrap();
        datasync(&mut ctx, Fd(1)).unwrap();

        // On a pipe: what the host says.
        let (r, w) = pipe();
        let mut ctx = super::testing::ctx(Stdio::File(r), Stdio::File(w));
        assert_eq!(
            errno(advise(&mut ctx, Fd(0), 0, 0, Advice::Normal)),
            Errno::Spipe
        );
        assert_eq!(errno(allocate(&mut ctx, Fd(1), 0, 1)), Errno::Spipe);
        // The read end is not open for writing, so Linux refuses before looking further.
        assert_eq!(errno(allocate(&mut ctx, Fd(0), 0, 1)), Errno::Badf);
        assert_eq!(errno(sync(&mut ctx, Fd(0))), Errno::Inval);
    }

    /// A pseudo-terminal as (master, slave), if the host has them.
    pub(crate) fn open_pty() -> Option<(File, File)> {
        use std::os::fd::FromRawFd;
        // SAFETY: plain libc calls on a descriptor this function owns.
        unsafe {
            let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
            if master < 0 {
                return None;
            }
            let master = File::from_raw_fd(master);
            let raw = std::os::fd::AsRawFd::as_raw_fd(&master);
            if libc::grantpt(raw) != 0 || libc::unlockpt(raw) != 0 {
                return None;
            }
            let mut name = [0 as libc::c_char; 128];
            if libc::ptsname_r(raw, name.as_mut_ptr(), name.len()) != 0 {
                return None;
            }
            let name = std::ffi::CStr::from_ptr(name.as_ptr())
                .to_str()
                .ok()?
                .to_owned();
            let slave = File::options()
                .read(true)
                .write(true)
                .custom_flags(libc::O_NOCTTY)
                .open(name)
                .ok()?;
            Some((master, slave))
        }
    }

    #[test]
    fn sockets_read_and_write() {
        use std::net::{TcpListener, TcpStream};
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut peer = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (ours, _) = listener.accept().unwrap();
        let mut ctx = ctx(Stdio::Null, Stdio::Null);
        let fd = ctx
            .table
            .insert(crate::table::FdEntry {
                kind: Kind::Socket(ours),
                rights: crate::table::SOCKET_RIGHTS,
                inheriting: Rights::empty(),
                flags: Fdflags::empty(),
                preopen: None,
            })
            .unwrap();
        let mut m = Mem::new();
        m.put(DATA, b"ping");
        let iovs = m.iovecs(&[(DATA, 2), (DATA + 2, 2)]);
        assert_eq!(write(&mut ctx, fd, iovs).unwrap(), 4);
        let mut got = [0u8; 4];
        peer.read_exact(&mut got).unwrap();
        assert_eq!(&got, b"ping");
        peer.write_all(b"pong").unwrap();
        let iovs = m.iovecs_mut(&[(DATA + 100, 4)]);
        assert_eq!(read(&mut ctx, fd, iovs).unwrap(), 4);
        assert_eq!(m.get(DATA + 100, 4), b"pong");
        let st = fdstat_get(&mut ctx, fd).unwrap();
        assert_eq!(st.fs_filetype, Filetype::SocketStream);
        assert_eq!(
            filestat_get(&mut ctx, fd).unwrap().filetype,
            Filetype::SocketStream
        );
        // No positioned I/O or seeking on a socket.
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(errno(pread(&mut ctx, fd, iovs, 0)), Errno::Notcapable);
        assert_eq!(errno(seek(&mut ctx, fd, 0, Whence::Cur)), Errno::Notcapable);
        // NONBLOCK for real: an empty socket says EAGAIN.
        fdstat_set_flags(&mut ctx, fd, Fdflags::NONBLOCK).unwrap();
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(errno(read(&mut ctx, fd, iovs)), Errno::Again);
        // The peer's close is end of file.
        drop(peer);
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(read(&mut ctx, fd, iovs).unwrap(), 0);
        close(&mut ctx, fd).unwrap();
    }

    #[test]
    fn bad_descriptors() {
        let mut ctx = ctx(Stdio::Null, Stdio::Null);
        let mut m = Mem::new();
        let fd = Fd(42);
        assert_eq!(errno(read(&mut ctx, fd, m.iovecs_mut(&[]))), Errno::Badf);
        assert_eq!(errno(write(&mut ctx, fd, m.iovecs(&[]))), Errno::Badf);
        assert_eq!(
            errno(pread(&mut ctx, fd, m.iovecs_mut(&[]), 0)),
            Errno::Badf
        );
        assert_eq!(errno(pwrite(&mut ctx, fd, m.iovecs(&[]), 0)), Errno::Badf);
        assert_eq!(errno(tell(&mut ctx, fd)), Errno::Badf);
        assert_eq!(errno(fdstat_get(&mut ctx, fd)), Errno::Badf);
        assert_eq!(
            errno(fdstat_set_flags(&mut ctx, fd, Fdflags::empty())),
            Errno::Badf
        );
        assert_eq!(
            errno(fdstat_set_rights(
                &mut ctx,
                fd,
                Rights::empty(),
                Rights::empty()
            )),
            Errno::Badf
        );
        assert_eq!(errno(filestat_get(&mut ctx, fd)), Errno::Badf);
        assert_eq!(errno(filestat_set_size(&mut ctx, fd, 0)), Errno::Badf);
        assert_eq!(
            errno(filestat_set_times(&mut ctx, fd, 0, 0, Fstflags::empty())),
            Errno::Badf
        );
        assert_eq!(
            errno(advise(&mut ctx, fd, 0, 0, Advice::Normal)),
            Errno::Badf
        );
        assert_eq!(errno(allocate(&mut ctx, fd, 0, 1)), Errno::Badf);
        assert_eq!(errno(sync(&mut ctx, fd)), Errno::Badf);
        assert_eq!(errno(datasync(&mut ctx, fd)), Errno::Badf);
        assert_eq!(errno(close(&mut ctx, fd)), Errno::Badf);
        assert_eq!(errno(renumber(&mut ctx, fd, Fd(0))), Errno::Badf);
        assert_eq!(errno(prestat_get(&mut ctx, fd)), Errno::Badf);
        assert_eq!(
            errno(prestat_dir_name(&mut ctx, fd, m.buf_mut(DATA, 4))),
            Errno::Badf
        );
        // u32::MAX is just another closed number.
        assert_eq!(errno(fdstat_get(&mut ctx, Fd(u32::MAX))), Errno::Badf);
    }
}
