//! Random bytes.

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

pub(crate) fn get(ctx: &mut WasiCtx, buf: GuestBufMut<'_>) -> HostResult<()> {
    let _ = (ctx, buf);
    Err(Errno::Nosys.into())
}

impl crate::ctx::RandomSource for crate::ctx::OsRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        let _ = buf;
        Err(Errno::Nosys)
    }
}
