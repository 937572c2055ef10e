//! Arguments and environment variables.

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

pub(crate) fn get(
    ctx: &mut WasiCtx,
    argv: GuestPtr<'_, GuestAddr>,
    argv_buf: GuestPtr<'_, u8>,
) -> HostResult<()> {
    let _ = (ctx, argv, argv_buf);
    Err(Errno::Nosys.into())
}

pub(crate) fn sizes_get(ctx: &mut WasiCtx) -> HostResult<(Size, Size)> {
    let _ = (ctx,);
    Err(Errno::Nosys.into())
}

pub(crate) fn environ_get(
    ctx: &mut WasiCtx,
    environ: GuestPtr<'_, GuestAddr>,
    environ_buf: GuestPtr<'_, u8>,
) -> HostResult<()> {
    let _ = (ctx, environ, environ_buf);
    Err(Errno::Nosys.into())
}

pub(crate) fn environ_sizes_get(ctx: &mut WasiCtx) -> HostResult<(Size, Size)> {
    let _ = (ctx,);
    Err(Errno::Nosys.into())
}
