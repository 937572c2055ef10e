//! Calls that resolve a path beneath a directory descriptor, inside the sandbox.

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

pub(crate) fn create_directory(ctx: &mut WasiCtx, fd: Fd, path: &str) -> HostResult<()> {
    let _ = (ctx, fd, path);
    Err(Errno::Nosys.into())
}

pub(crate) fn filestat_get(
    ctx: &mut WasiCtx,
    fd: Fd,
    flags: Lookupflags,
    path: &str,
) -> HostResult<Filestat> {
    let _ = (ctx, fd, flags, path);
    Err(Errno::Nosys.into())
}

pub(crate) fn filestat_set_times(
    ctx: &mut WasiCtx,
    fd: Fd,
    flags: Lookupflags,
    path: &str,
    atim: Timestamp,
    mtim: Timestamp,
    fst_flags: Fstflags,
) -> HostResult<()> {
    let _ = (ctx, fd, flags, path, atim, mtim, fst_flags);
    Err(Errno::Nosys.into())
}

pub(crate) fn link(
    ctx: &mut WasiCtx,
    old_fd: Fd,
    old_flags: Lookupflags,
    old_path: &str,
    new_fd: Fd,
    new_path: &str,
) -> HostResult<()> {
    let _ = (ctx, old_fd, old_flags, old_path, new_fd, new_path);
    Err(Errno::Nosys.into())
}

pub(crate) fn open(
    ctx: &mut WasiCtx,
    fd: Fd,
    dirflags: Lookupflags,
    path: &str,
    oflags: Oflags,
    fs_rights_base: Rights,
    fs_rights_inheriting: Rights,
    fdflags: Fdflags,
) -> HostResult<Fd> {
    let _ = (
        ctx,
        fd,
        dirflags,
        path,
        oflags,
        fs_rights_base,
        fs_rights_inheriting,
        fdflags,
    );
    Err(Errno::Nosys.into())
}

pub(crate) fn readlink(
    ctx: &mut WasiCtx,
    fd: Fd,
    path: &str,
    buf: GuestBufMut<'_>,
) -> HostResult<Size> {
    let _ = (ctx, fd, path, buf);
    Err(Errno::Nosys.into())
}

pub(crate) fn remove_directory(ctx: &mut WasiCtx, fd: Fd, path: &str) -> HostResult<()> {
    let _ = (ctx, fd, path);
    Err(Errno::Nosys.into())
}

pub(crate) fn rename(
    ctx: &mut WasiCtx,
    fd: Fd,
    old_path: &str,
    new_fd: Fd,
    new_path: &str,
) -> HostResult<()> {
    let _ = (ctx, fd, old_path, new_fd, new_path);
    Err(Errno::Nosys.into())
}

pub(crate) fn symlink(ctx: &mut WasiCtx, old_path: &str, fd: Fd, new_path: &str) -> HostResult<()> {
    let _ = (ctx, old_path, fd, new_path);
    Err(Errno::Nosys.into())
}

pub(crate) fn unlink_file(ctx: &mut WasiCtx, fd: Fd, path: &str) -> HostResult<()> {
    let _ = (ctx, fd, path);
    Err(Errno::Nosys.into())
}
