//! `poll_oneoff`: waiting for clocks and descriptors.

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

pub(crate) fn oneoff(
    ctx: &mut WasiCtx,
    in_: GuestArray<'_, Subscription>,
    out: GuestArrayMut<'_, Event>,
) -> HostResult<Size> {
    let _ = (ctx, in_, out);
    Err(Errno::Nosys.into())
}
