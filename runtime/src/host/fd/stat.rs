//! Metadata and storage calls: `fd_filestat_*`, `fd_allocate`, `fd_advise`, `fd_sync`,
//! `fd_datasync`.

use std::io;
use std::os::fd::BorrowedFd;

use rustix::fs::{Timespec, Timestamps};

use super::rw::offset;
use super::{HostResult, custom, host_fd, not_dir, with_full_fd};
use crate::ctx::WasiCtx;
use crate::preview1::*;
use crate::table::Kind;

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
    if let Kind::Dir(_) = *entry.kind {
        // Advice about a directory's bytes has nothing to act on.
        return Ok(());
    }
    // A host-defined kind has no bytes the host could prefetch or drop: the hint is
    // accepted and ignored (its rights never include `FD_ADVISE`, so only the host's own
    // code could get here).
    let Some(fd) = host_fd(&entry.kind) else {
        return Ok(());
    };
    sys_advise(fd, at, len, advice)?;
    Ok(())
}

/// `posix_fadvise`; the advice is only a hint, so where the host has none it is accepted and
/// ignored.
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
pub(super) fn sys_advise(fd: BorrowedFd<'_>, at: u64, len: u64, advice: Advice) -> io::Result<()> {
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
pub(super) fn sys_advise(
    fd: BorrowedFd<'_>,
    _at: u64,
    _len: u64,
    _advice: Advice,
) -> io::Result<()> {
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
    // Nothing to reserve storage in: what `posix_fallocate` says of a pipe.
    let fd = host_fd(&entry.kind).ok_or(Errno::Spipe)?;
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

pub(crate) fn datasync(ctx: &mut WasiCtx, fd: Fd) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::FD_DATASYNC)?;
    if let Kind::Host(_) = *entry.kind {
        return Ok(custom::sync(&entry, true)?);
    }
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
    if let Kind::Host(_) = *entry.kind {
        return Ok(custom::sync(&entry, false)?);
    }
    with_full_fd(&entry.kind, |fd| Ok(rustix::fs::fsync(fd)?))?;
    Ok(())
}

pub(crate) fn filestat_get(ctx: &mut WasiCtx, fd: Fd) -> HostResult<Filestat> {
    let mut held = None;
    let entry = ctx.table.get_in(fd, Rights::FD_FILESTAT_GET, &mut held)?;
    let Some(host) = host_fd(&entry.kind) else {
        return Ok(custom::filestat(entry)?);
    };
    let stat = rustix::fs::fstat(host)?;
    let mut filestat = filestat_from(&stat);
    if let Kind::Socket(_) | Kind::Listener(_) | Kind::Net(_) = *entry.kind {
        // fstat says "socket"; the entry knows which kind.
        filestat.filetype = entry.filetype();
    }
    Ok(filestat)
}

pub(crate) fn filestat_set_size(ctx: &mut WasiCtx, fd: Fd, len: Filesize) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::FD_FILESTAT_SET_SIZE)?;
    not_dir(&entry.kind)?;
    offset(len)?;
    // `ftruncate(2)` on something that is not a regular file.
    rustix::fs::ftruncate(host_fd(&entry.kind).ok_or(Errno::Inval)?, len)?;
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
pub(super) fn filetype_of_mode(mode: rustix::fs::RawMode) -> Filetype {
    crate::host::path::filetype_from(rustix::fs::FileType::from_raw_mode(mode))
}
