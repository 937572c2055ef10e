//! Process exit, signals and yielding.

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

pub(crate) fn exit(ctx: &mut WasiCtx, rval: Exitcode) -> Trap {
    Trap::Exit(rval)
}

pub(crate) fn raise(ctx: &mut WasiCtx, sig: Signal) -> HostResult<()> {
    let _ = (ctx, sig);
    Err(Errno::Nosys.into())
}

pub(crate) fn sched_yield(ctx: &mut WasiCtx) -> HostResult<()> {
    let _ = (ctx,);
    Err(Errno::Nosys.into())
}
