//! `fd_readdir`: directory listings with stable cookies.

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

pub(crate) fn readdir(
    ctx: &mut WasiCtx,
    fd: Fd,
    buf: GuestBufMut<'_>,
    cookie: Dircookie,
) -> HostResult<Size> {
    let _ = (ctx, fd, buf, cookie);
    Err(Errno::Nosys.into())
}

/// A directory listing read once and served by cookie.
pub(crate) struct Listing;
