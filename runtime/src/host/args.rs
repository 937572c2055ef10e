//! Arguments and environment variables: `*_sizes_get` reports exactly what `*_get` writes.

use super::HostResult;
use crate::ctx::WasiCtx;
use crate::guest::{GuestAddr, GuestPtr};
use crate::preview1::{Errno, Size};

/// Writes one pointer per string into `ptrs` and the NUL-terminated strings into `buf`.
fn write_strings(
    strings: &[String],
    ptrs: GuestPtr<'_, GuestAddr>,
    buf: GuestPtr<'_, u8>,
) -> HostResult<()> {
    let mut at = buf;
    for (i, s) in strings.iter().enumerate() {
        let i = u32::try_from(i).map_err(|_| Errno::Overflow)?;
        ptrs.add(i)?.write(&GuestAddr(at.addr()))?;
        let len = u32::try_from(s.len()).map_err(|_| Errno::Overflow)?;
        at.write_bytes(s.as_bytes())?;
        at.add(len)?.write(&0)?;
        at = at.add(len + 1)?;
    }
    Ok(())
}

pub(crate) fn get(
    ctx: &mut WasiCtx,
    argv: GuestPtr<'_, GuestAddr>,
    argv_buf: GuestPtr<'_, u8>,
) -> HostResult<()> {
    write_strings(&ctx.args.strings, argv, argv_buf)
}

pub(crate) fn sizes_get(ctx: &mut WasiCtx) -> HostResult<(Size, Size)> {
    Ok(ctx.args.sizes?)
}

pub(crate) fn environ_get(
    ctx: &mut WasiCtx,
    environ: GuestPtr<'_, GuestAddr>,
    environ_buf: GuestPtr<'_, u8>,
) -> HostResult<()> {
    write_strings(&ctx.env.strings, environ, environ_buf)
}

pub(crate) fn environ_sizes_get(ctx: &mut WasiCtx) -> HostResult<(Size, Size)> {
    Ok(ctx.env.sizes?)
}
