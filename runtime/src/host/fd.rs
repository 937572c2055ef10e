//! Calls on an open descriptor: reads, writes, seeks, metadata, flags and the table itself.

use super::HostResult;
#[allow(unused_imports)]
use crate::Trap;
use crate::ctx::WasiCtx;
#[allow(unused_imports)]
use crate::guest::{
    GuestAddr, GuestArray, GuestArrayMut, GuestBuf, GuestBufMut, GuestPtr, Iovecs, IovecsMut,
};
#[allow(unused_imports)]
use crate::preview1::*;

pub(crate) fn advise(
    ctx: &mut WasiCtx,
    fd: Fd,
    offset: Filesize,
    len: Filesize,
    advice: Advice,
) -> HostResult<()> {
    let _ = (ctx, fd, offset, len, advice);
    Err(Errno::Nosys.into())
}

pub(crate) fn allocate(
    ctx: &mut WasiCtx,
    fd: Fd,
    offset: Filesize,
    len: Filesize,
) -> HostResult<()> {
    let _ = (ctx, fd, offset, len);
    Err(Errno::Nosys.into())
}

pub(crate) fn close(ctx: &mut WasiCtx, fd: Fd) -> HostResult<()> {
    let _ = (ctx, fd);
    Err(Errno::Nosys.into())
}

pub(crate) fn datasync(ctx: &mut WasiCtx, fd: Fd) -> HostResult<()> {
    let _ = (ctx, fd);
    Err(Errno::Nosys.into())
}

pub(crate) fn fdstat_get(ctx: &mut WasiCtx, fd: Fd) -> HostResult<Fdstat> {
    let _ = (ctx, fd);
    Err(Errno::Nosys.into())
}

pub(crate) fn fdstat_set_flags(ctx: &mut WasiCtx, fd: Fd, flags: Fdflags) -> HostResult<()> {
    let _ = (ctx, fd, flags);
    Err(Errno::Nosys.into())
}

pub(crate) fn fdstat_set_rights(
    ctx: &mut WasiCtx,
    fd: Fd,
    fs_rights_base: Rights,
    fs_rights_inheriting: Rights,
) -> HostResult<()> {
    let _ = (ctx, fd, fs_rights_base, fs_rights_inheriting);
    Err(Errno::Nosys.into())
}

pub(crate) fn filestat_get(ctx: &mut WasiCtx, fd: Fd) -> HostResult<Filestat> {
    let _ = (ctx, fd);
    Err(Errno::Nosys.into())
}

pub(crate) fn filestat_set_size(ctx: &mut WasiCtx, fd: Fd, size: Filesize) -> HostResult<()> {
    let _ = (ctx, fd, size);
    Err(Errno::Nosys.into())
}

pub(crate) fn filestat_set_times(
    ctx: &mut WasiCtx,
    fd: Fd,
    atim: Timestamp,
    mtim: Timestamp,
    fst_flags: Fstflags,
) -> HostResult<()> {
    let _ = (ctx, fd, atim, mtim, fst_flags);
    Err(Errno::Nosys.into())
}

pub(crate) fn pread(
    ctx: &mut WasiCtx,
    fd: Fd,
    iovs: IovecsMut<'_>,
    offset: Filesize,
) -> HostResult<Size> {
    let _ = (ctx, fd, iovs, offset);
    Err(Errno::Nosys.into())
}

pub(crate) fn prestat_get(ctx: &mut WasiCtx, fd: Fd) -> HostResult<Prestat> {
    let _ = (ctx, fd);
    Err(Errno::Nosys.into())
}

pub(crate) fn prestat_dir_name(ctx: &mut WasiCtx, fd: Fd, path: GuestBufMut<'_>) -> HostResult<()> {
    let _ = (ctx, fd, path);
    Err(Errno::Nosys.into())
}

pub(crate) fn pwrite(
    ctx: &mut WasiCtx,
    fd: Fd,
    iovs: Iovecs<'_>,
    offset: Filesize,
) -> HostResult<Size> {
    let _ = (ctx, fd, iovs, offset);
    Err(Errno::Nosys.into())
}

pub(crate) fn read(ctx: &mut WasiCtx, fd: Fd, iovs: IovecsMut<'_>) -> HostResult<Size> {
    let _ = (ctx, fd, iovs);
    Err(Errno::Nosys.into())
}

pub(crate) fn renumber(ctx: &mut WasiCtx, fd: Fd, to: Fd) -> HostResult<()> {
    let _ = (ctx, fd, to);
    Err(Errno::Nosys.into())
}

pub(crate) fn seek(
    ctx: &mut WasiCtx,
    fd: Fd,
    offset: Filedelta,
    whence: Whence,
) -> HostResult<Filesize> {
    let _ = (ctx, fd, offset, whence);
    Err(Errno::Nosys.into())
}

pub(crate) fn sync(ctx: &mut WasiCtx, fd: Fd) -> HostResult<()> {
    let _ = (ctx, fd);
    Err(Errno::Nosys.into())
}

pub(crate) fn tell(ctx: &mut WasiCtx, fd: Fd) -> HostResult<Filesize> {
    let _ = (ctx, fd);
    Err(Errno::Nosys.into())
}

pub(crate) fn write(ctx: &mut WasiCtx, fd: Fd, iovs: Iovecs<'_>) -> HostResult<Size> {
    let _ = (ctx, fd, iovs);
    Err(Errno::Nosys.into())
}

/// The filetype of an open file, as preview1 names it.
pub(crate) fn filetype_of(file: &std::fs::File) -> Filetype {
    let _ = file;
    Filetype::Unknown
}

/// The fdflags an open file has on the host.
pub(crate) fn fdflags_of(file: &std::fs::File) -> Fdflags {
    let _ = file;
    Fdflags::empty()
}
