//! Clocks.

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

pub(crate) fn res_get(ctx: &mut WasiCtx, id: Clockid) -> HostResult<Timestamp> {
    let _ = (ctx, id);
    Err(Errno::Nosys.into())
}

pub(crate) fn time_get(
    ctx: &mut WasiCtx,
    id: Clockid,
    precision: Timestamp,
) -> HostResult<Timestamp> {
    let _ = (ctx, id, precision);
    Err(Errno::Nosys.into())
}

impl crate::ctx::Clock for crate::ctx::SystemClock {
    fn resolution(&self, id: Clockid) -> Result<Timestamp, Errno> {
        let _ = id;
        Err(Errno::Nosys)
    }

    fn now(&self, id: Clockid, precision: Timestamp) -> Result<Timestamp, Errno> {
        let _ = (id, precision);
        Err(Errno::Nosys)
    }
}
