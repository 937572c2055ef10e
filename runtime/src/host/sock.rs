//! Sockets: `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown`.

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

pub(crate) fn accept(ctx: &mut WasiCtx, fd: Fd, flags: Fdflags) -> HostResult<Fd> {
    let _ = (ctx, fd, flags);
    Err(Errno::Nosys.into())
}

pub(crate) fn recv(
    ctx: &mut WasiCtx,
    fd: Fd,
    ri_data: IovecsMut<'_>,
    ri_flags: Riflags,
) -> HostResult<(Size, Roflags)> {
    let _ = (ctx, fd, ri_data, ri_flags);
    Err(Errno::Nosys.into())
}

pub(crate) fn send(
    ctx: &mut WasiCtx,
    fd: Fd,
    si_data: Iovecs<'_>,
    si_flags: Siflags,
) -> HostResult<Size> {
    let _ = (ctx, fd, si_data, si_flags);
    Err(Errno::Nosys.into())
}

pub(crate) fn shutdown(ctx: &mut WasiCtx, fd: Fd, how: Sdflags) -> HostResult<()> {
    let _ = (ctx, fd, how);
    Err(Errno::Nosys.into())
}
