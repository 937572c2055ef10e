//! Random bytes from the context's [`RandomSource`](crate::RandomSource), by default the OS's
//! `getrandom`.

use super::HostResult;
use crate::ctx::{OsRandom, RandomSource, WasiCtx};
use crate::guest::GuestBufMut;
use crate::preview1::Errno;

pub(crate) fn get(ctx: &mut WasiCtx, mut buf: GuestBufMut<'_>) -> HostResult<()> {
    if let Some(bytes) = buf.as_mut_slice() {
        return Ok(ctx.random.fill(bytes)?);
    }
    // Copying mode (shared memory): fill through a small stack buffer, any size.
    let mut chunk = [0u8; 4096];
    let mut at = 0;
    while at < buf.len() {
        let n = chunk.len().min(buf.len() - at);
        ctx.random.fill(&mut chunk[..n])?;
        at += buf.write_at(at, &chunk[..n]);
    }
    Ok(())
}

impl RandomSource for OsRandom {
    fn fill(&mut self, mut buf: &mut [u8]) -> Result<(), Errno> {
        while !buf.is_empty() {
            match rustix::rand::getrandom(&mut *buf, rustix::rand::GetRandomFlags::empty()) {
                Ok(n) => buf = &mut buf[n..],
                Err(rustix::io::Errno::INTR) => {}
                Err(e) => return Err(Errno::from(e)),
            }
        }
        Ok(())
    }

    fn for_another_thread(&self) -> Option<Box<dyn RandomSource>> {
        Some(Box::new(OsRandom))
    }
}
