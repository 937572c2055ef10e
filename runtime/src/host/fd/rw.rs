//! `fd_read`, `fd_write`, `fd_pread`, `fd_pwrite`, `fd_seek`, `fd_tell`: one system call
//! each, straight between the kernel and guest memory (sockets go through `sock_recv` and
//! `sock_send`; standard streams whose guest `NONBLOCK` differs from the host's add a `poll`).

use std::io;
use std::os::fd::{AsFd, BorrowedFd};

use rustix::fs::SeekFrom;
use smallvec::SmallVec;

use super::{HostResult, custom, host_fd, not_dir, stdio};
use crate::ctx::WasiCtx;
use crate::guest::{GuestBuf, GuestBufMut, Iovecs, IovecsMut};
use crate::preview1::*;
use crate::table::{FdEntry, Kind};

/// Largest byte count one read or write asks the host for (Linux's own per-call cap,
/// `MAX_RW_COUNT`). Clamping here keeps every result within a `u32` even when overlapping
/// guest iovecs add up to more than guest memory, and matches what the kernel would do.
pub(super) const MAX_IO: usize = crate::limits::MAX_IO;

/// Host iovecs for one call; up to 16 live on the stack.
pub(super) type IoList = SmallVec<[libc::iovec; 16]>;

/// Raw host iovecs for a guest `iovec` list (the destination of a read).
///
/// Raw pointers rather than `IoSliceMut`: guest iovecs may overlap each other (two live
/// `&mut [u8]` over the same bytes would be undefined behaviour) and shared memory must never
/// be borrowed as a Rust slice, while the kernel may write through raw pointers in both cases.
/// The pointers stay valid for the whole call because the guest memory borrow outlives it and
/// wasm memory cannot move or shrink while the host runs.
///
/// The list is filled in place (not returned) so its inline storage is never copied.
pub(super) fn read_list(iovs: &mut IovecsMut<'_>, list: &mut IoList) {
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

/// Raw host iovecs for a guest `ciovec` list (the source of a write), for at most `budget`
/// bytes; see [`read_list`].
pub(super) fn write_list(iovs: &Iovecs<'_>, list: &mut IoList, mut budget: usize) {
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
pub(super) fn size(n: usize) -> Size {
    Size::try_from(n).unwrap_or(Size::MAX)
}

/// A guest file offset as a host one: offsets past `i64::MAX` are negative on the host, which
/// the system calls reject with `EINVAL` anyway; checking here keeps that portable.
#[inline]
pub(super) fn offset(offset: Filesize) -> Result<i64, Errno> {
    i64::try_from(offset).map_err(|_| Errno::Inval)
}

/// Vectored system calls on raw iovecs, retried on `EINTR` (a host signal is no business of
/// the guest's).
pub(super) mod sys {
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

/// What byte I/O on a descriptor takes besides the plain system call, with the host
/// descriptor it is made on: found in one match on the entry's kind.
#[derive(Clone, Copy)]
enum Route<'a> {
    /// One `read`/`write` on the host descriptor.
    Plain(BorrowedFd<'a>),
    /// A socket: `recvmsg`/`sendmsg` (`sock_recv`/`sock_send`), which take the guest's
    /// `NONBLOCK` per call and never raise `SIGPIPE`.
    Socket,
    /// A stream shared with the host, blocking there, that the guest made non-blocking: a
    /// readiness check without waiting comes first ([`stdio::ready_now`]).
    NonblockNow(BorrowedFd<'a>),
    /// A stream shared with the host, non-blocking there, that the guest wants blocking:
    /// `EAGAIN` waits and tries again ([`stdio::blocking`]).
    BlockOnAgain(BorrowedFd<'a>),
    /// A host-defined descriptor: its trait's `read` or `write` (`custom`).
    Host,
}

/// The route for byte I/O needing `need` on `entry`: `EISDIR` for a directory (whatever its
/// rights: POSIX's answer to reading one), then `ENOTCAPABLE` without `need`.
#[inline]
fn route(entry: &FdEntry, need: Rights) -> Result<Route<'_>, Errno> {
    let route = match &*entry.kind {
        Kind::Dir(_) => return Err(Errno::Isdir),
        Kind::Socket(_) | Kind::Net(_) => Route::Socket,
        Kind::File(f) => match f.shared_nonblock {
            _ if matches!(f.filetype, Filetype::SocketStream | Filetype::SocketDgram) => {
                Route::Socket
            }
            // Regular files never block: nothing to emulate.
            Some(host) if host != entry.flags.contains(Fdflags::NONBLOCK) => {
                match (host, f.filetype) {
                    (_, Filetype::RegularFile) => Route::Plain(f.file.as_fd()),
                    (false, _) => Route::NonblockNow(f.file.as_fd()),
                    (true, _) => Route::BlockOnAgain(f.file.as_fd()),
                }
            }
            _ => Route::Plain(f.file.as_fd()),
        },
        Kind::Listener(l) => Route::Plain(l.as_fd()),
        Kind::Host(_) => Route::Host,
    };
    if entry.rights.contains(need) {
        Ok(route)
    } else {
        Err(Errno::Notcapable)
    }
}

/// One read into `iovs`: a plain `read` for a single direct buffer, else `readv`.
#[inline]
fn read_once(fd: BorrowedFd<'_>, iovs: &mut IovecsMut<'_>) -> io::Result<usize> {
    if let Some(bytes) = single_mut(iovs).as_mut().and_then(|b| b.as_mut_slice()) {
        return Ok(sys::retry(|| rustix::io::read(fd, &mut *bytes))?);
    }
    let mut list = IoList::new();
    read_list(iovs, &mut list);
    sys::readv(fd, &list)
}

/// One write of at most `budget` bytes from `iovs`: a plain `write` for a single direct
/// buffer, else `writev`.
#[inline]
fn write_once(fd: BorrowedFd<'_>, iovs: &Iovecs<'_>, budget: usize) -> io::Result<usize> {
    if let Some(bytes) = single(iovs, budget).as_ref().and_then(|b| b.as_slice()) {
        return Ok(sys::retry(|| rustix::io::write(fd, bytes))?);
    }
    let mut list = IoList::new();
    write_list(iovs, &mut list, budget);
    sys::writev(fd, &list)
}

pub(crate) fn read(ctx: &mut WasiCtx, fd: Fd, mut iovs: IovecsMut<'_>) -> HostResult<Size> {
    let mut held = None;
    let entry = ctx.table.get_in(fd, Rights::empty(), &mut held)?;
    let n = match route(entry, Rights::FD_READ)? {
        Route::Plain(host) => {
            if ctx.threads.is_some() {
                wait_in_program(entry, host, false)?;
            }
            read_once(host, &mut iovs)?
        }
        Route::NonblockNow(host) => {
            stdio::ready_now(host, false)?;
            read_once(host, &mut iovs)?
        }
        Route::BlockOnAgain(host) => stdio::blocking(host, false, || read_once(host, &mut iovs))?,
        Route::Socket => return Ok(super::super::sock::recv(ctx, fd, iovs, Riflags::empty())?.0),
        Route::Host => return Ok(custom::read(entry, iovs)?),
    };
    Ok(size(n))
}

pub(crate) fn write(ctx: &mut WasiCtx, fd: Fd, iovs: Iovecs<'_>) -> HostResult<Size> {
    let mut held = None;
    let entry = ctx.table.get_in(fd, Rights::empty(), &mut held)?;
    // `APPEND` needs nothing here: the host descriptor carries `O_APPEND` (see
    // `ctx::flags`), so the kernel moves to the end atomically with each write.
    let n = match route(entry, Rights::FD_WRITE)? {
        Route::Plain(host) => {
            if ctx.threads.is_some() {
                wait_in_program(entry, host, true)?;
            }
            write_once(host, &iovs, MAX_IO)?
        }
        Route::NonblockNow(host) => {
            stdio::ready_now(host, true)?;
            // A writable pipe takes this much without blocking; more could wait.
            write_once(host, &iovs, crate::limits::EMULATED_NONBLOCK_WRITE)?
        }
        Route::BlockOnAgain(host) => {
            stdio::blocking(host, true, || write_once(host, &iovs, MAX_IO))?
        }
        Route::Socket => return super::super::sock::send(ctx, fd, iovs, 0),
        Route::Host => return Ok(custom::write(entry, &iovs)?),
    };
    Ok(size(n))
}

/// In a threaded program, a blocking read (or write, `out`) of a stream that may wait (a
/// pipe, a terminal, another character device on reads) first waits for readiness in `poll`,
/// which the program's end interrupts (`ctx::threads::ending`), rather than in the kernel's
/// read. Another thread may still take the data between the two and leave this one blocked;
/// `docs/threads.md` lists that. Writes to character devices (a terminal, `/dev/null`) are
/// taken as never blocking and pay no extra system call.
fn wait_in_program(entry: &FdEntry, host: BorrowedFd<'_>, out: bool) -> io::Result<()> {
    let Kind::File(f) = &*entry.kind else {
        return Ok(());
    };
    let may_wait = match f.filetype {
        Filetype::RegularFile | Filetype::Directory | Filetype::BlockDevice => false,
        Filetype::CharacterDevice => !out,
        _ => true,
    };
    if may_wait && !entry.flags.contains(Fdflags::NONBLOCK) {
        let flags = if out {
            rustix::event::PollFlags::OUT
        } else {
            rustix::event::PollFlags::IN
        };
        crate::ctx::threads::ending::wait_ready(host, flags, None)?;
    }
    Ok(())
}

/// The entry behind a positioned read or write: `EISDIR` for a directory, `ENOTCAPABLE`
/// without `need`.
#[inline]
fn positioned<'a>(
    ctx: &'a WasiCtx,
    fd: Fd,
    need: Rights,
    held: &'a mut Option<FdEntry>,
) -> Result<&'a FdEntry, Errno> {
    let entry = ctx.table.get_in(fd, Rights::empty(), held)?;
    not_dir(&entry.kind)?;
    if !entry.rights.contains(need) {
        return Err(Errno::Notcapable);
    }
    Ok(entry)
}

pub(crate) fn pread(
    ctx: &mut WasiCtx,
    fd: Fd,
    mut iovs: IovecsMut<'_>,
    at: Filesize,
) -> HostResult<Size> {
    let mut held = None;
    let entry = positioned(ctx, fd, Rights::FD_READ | Rights::FD_SEEK, &mut held)?;
    let at = offset(at)?;
    let Some(fd) = host_fd(&entry.kind) else {
        return Ok(custom::pread(entry, iovs, at as u64)?);
    };
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
    let mut held = None;
    let entry = positioned(ctx, fd, Rights::FD_WRITE | Rights::FD_SEEK, &mut held)?;
    let at = offset(at)?;
    let Some(fd) = host_fd(&entry.kind) else {
        return Ok(custom::pwrite(entry, &iovs, at as u64)?);
    };
    // On an `APPEND` descriptor Linux appends and ignores `at`; we keep that (documented in
    // docs/descriptors.md) rather than emulate POSIX with a racy flag toggle.
    if let Some(bytes) = single(&iovs, MAX_IO).as_ref().and_then(|b| b.as_slice()) {
        return Ok(size(sys::retry(|| {
            rustix::io::pwrite(fd, bytes, at as u64)
        })?));
    }
    let mut list = IoList::new();
    write_list(&iovs, &mut list, MAX_IO);
    Ok(size(sys::pwritev(fd, &list, at)?))
}

/// The one non-empty buffer of a single-entry list (the common case: Rust's std and most
/// libc calls pass one), clamped to [`MAX_IO`], for a plain `read`/`write` through rustix:
/// no host iovec list to build, and no libc wrapper (glibc's are thread-cancellation points,
/// which costs two atomic updates per call in a multi-threaded host).
#[inline]
pub(super) fn single<'a>(iovs: &'a Iovecs<'_>, budget: usize) -> Option<GuestBuf<'a>> {
    if iovs.len() != 1 {
        return None;
    }
    iovs.get(0)
        .filter(|b| !b.is_empty())
        .map(|b| b.prefix(budget))
}

/// [`single`] for a list the host fills.
#[inline]
pub(super) fn single_mut<'a>(iovs: &'a mut IovecsMut<'_>) -> Option<GuestBufMut<'a>> {
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
    let mut held = None;
    let entry = ctx.table.get_in(fd, Rights::empty(), &mut held)?;
    // `lseek(fd, 0, SEEK_CUR)` is how wasi-libc's `ftell` asks for the position, so `fd_tell`
    // alone suffices for it; `fd_seek` implies `fd_tell`.
    let tell_only = delta == 0 && whence == Whence::Cur;
    if !(entry.rights.contains(Rights::FD_SEEK)
        || (tell_only && entry.rights.contains(Rights::FD_TELL)))
    {
        return Err(Errno::Notcapable.into());
    }
    if let Kind::Dir(_) = *entry.kind {
        // A directory's host offset means nothing to the guest (listings use cookies).
        return Err(Errno::Spipe.into());
    }
    let Some(host) = host_fd(&entry.kind) else {
        return Ok(custom::seek(entry, delta, whence)?);
    };
    let pos = match whence {
        Whence::Set => SeekFrom::Start(u64::try_from(delta).map_err(|_| Errno::Inval)?),
        Whence::Cur => SeekFrom::Current(delta),
        Whence::End => SeekFrom::End(delta),
    };
    Ok(rustix::fs::seek(host, pos)?)
}

pub(crate) fn tell(ctx: &mut WasiCtx, fd: Fd) -> HostResult<Filesize> {
    let mut held = None;
    let entry = ctx.table.get_in(fd, Rights::empty(), &mut held)?;
    if !entry.rights.intersects(Rights::FD_TELL | Rights::FD_SEEK) {
        return Err(Errno::Notcapable.into());
    }
    if let Kind::Dir(_) = *entry.kind {
        return Err(Errno::Spipe.into());
    }
    let Some(host) = host_fd(&entry.kind) else {
        return Ok(custom::seek(entry, 0, Whence::Cur)?);
    };
    Ok(rustix::fs::tell(host)?)
}
