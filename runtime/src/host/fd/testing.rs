use std::fs::File;

use crate::ctx::{Stdio, WasiCtx};
use crate::guest::{GuestArray, GuestArrayMut, GuestBufMut, GuestMemory, Iovecs, IovecsMut};
use crate::preview1::{Event, Subscription};

/// Where tests put iovec records; data goes from [`DATA`] on.
pub const IOV: u32 = 0x100;
/// Start of the data area.
pub const DATA: u32 = 0x1000;

/// A 64 KiB unshared guest memory.
pub struct Mem(pub Vec<u8>);

impl Mem {
    pub fn new() -> Self {
        Mem(vec![0; 1 << 16])
    }

    pub fn mem(&mut self) -> GuestMemory<'_> {
        GuestMemory::unshared(&mut self.0)
    }

    pub fn put(&mut self, at: u32, bytes: &[u8]) {
        self.0[at as usize..at as usize + bytes.len()].copy_from_slice(bytes);
    }

    pub fn get(&self, at: u32, len: usize) -> &[u8] {
        &self.0[at as usize..at as usize + len]
    }

    /// Stores iovec records for `bufs` at [`IOV`].
    pub fn set_iovecs(&mut self, bufs: &[(u32, u32)]) {
        for (i, &(ptr, len)) in bufs.iter().enumerate() {
            let at = IOV as usize + i * 8;
            self.0[at..at + 4].copy_from_slice(&ptr.to_le_bytes());
            self.0[at + 4..at + 8].copy_from_slice(&len.to_le_bytes());
        }
    }

    /// A `ciovec` list over `bufs`.
    pub fn iovecs(&mut self, bufs: &[(u32, u32)]) -> Iovecs<'_> {
        self.set_iovecs(bufs);
        // SAFETY: no other view of this memory is live.
        unsafe { Iovecs::decode(self.mem(), IOV, bufs.len() as u32, true) }.unwrap()
    }

    /// An `iovec` list over `bufs`.
    pub fn iovecs_mut(&mut self, bufs: &[(u32, u32)]) -> IovecsMut<'_> {
        self.set_iovecs(bufs);
        // SAFETY: no other view of this memory is live.
        unsafe { IovecsMut::decode(self.mem(), IOV, bufs.len() as u32, true) }.unwrap()
    }

    /// `len` writable bytes at `at`.
    pub fn buf_mut(&mut self, at: u32, len: u32) -> GuestBufMut<'_> {
        // SAFETY: no other view of this memory is live.
        unsafe { GuestBufMut::new(self.mem(), at, len, true) }.unwrap()
    }

    /// Stores `subs` at [`IOV`] and returns the subscription and event arrays (events
    /// at [`DATA`]).
    pub fn poll_arrays(
        &mut self,
        subs: &[Subscription],
    ) -> (GuestArray<'_, Subscription>, GuestArrayMut<'_, Event>) {
        let mem = self.mem();
        for (i, s) in subs.iter().enumerate() {
            mem.write(IOV + 48 * i as u32, s).unwrap();
        }
        let n = subs.len() as u32;
        (
            GuestArray::new(mem, IOV, n).unwrap(),
            GuestArrayMut::new(mem, DATA, n).unwrap(),
        )
    }

    pub fn event(&mut self, i: u32) -> Event {
        self.mem().read(DATA + 32 * i).unwrap()
    }
}

/// A pipe as (read end, write end).
pub fn pipe() -> (File, File) {
    let (r, w) = rustix::pipe::pipe().unwrap();
    (File::from(r), File::from(w))
}

/// A context whose stdio are the given files.
pub fn ctx(stdin: Stdio, stdout: Stdio) -> WasiCtx {
    WasiCtx::builder()
        .stdin(stdin)
        .stdout(stdout)
        .stderr(Stdio::Null)
        .build()
        .unwrap()
}
