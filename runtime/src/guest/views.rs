use std::borrow::Cow;
use std::marker::PhantomData;

use smallvec::SmallVec;

use super::memory::Flag;
use super::{GuestError, GuestMemory, GuestType};

/// How many bytes a copying-mode view hands to a closure at once (see
/// [`GuestBuf::with_slice`]); callers treat a shorter slice like a short read or write.
pub const BUFFER_CHUNK: usize = 64 * 1024;

/// The longest iovec list accepted, as on Linux (`IOV_MAX`); longer lists are an error rather
/// than an unbounded host-side copy.
pub const IOV_MAX: u32 = 1024;

/// The longest string argument the bindings copy out of guest memory (as Linux's `PATH_MAX`:
/// every string preview1 passes is a path). Strings are copied only from shared memory or
/// when they overlap an output buffer of the same call; a longer one is
/// [`GuestError::StringTooLong`] (`ENAMETOOLONG`) before anything is allocated.
pub const STRING_COPY_MAX: u32 = 4096;

/// Inline capacity for the entry snapshot [`IovecsMut::scatter`] takes: lists up to this long
/// never touch the host heap.
const IOVECS_INLINE: usize = 16;

impl<'a> GuestMemory<'a> {
    /// Decodes a UTF-8 string argument.
    ///
    /// # Safety
    /// With `direct`, the string is borrowed from guest memory: no `&mut` view of the same
    /// call may cover these bytes. Shared memory is always copied.
    pub unsafe fn string(
        &self,
        ptr: u32,
        len: u32,
        direct: bool,
    ) -> Result<Cow<'a, str>, GuestError> {
        let offset = self.check_range(ptr, u64::from(len))?;
        if direct && !self.is_shared() {
            // SAFETY: bounds checked; aliasing is the caller's contract.
            let bytes = unsafe { self.slice(offset, len as usize) };
            std::str::from_utf8(bytes)
                .map(Cow::Borrowed)
                .map_err(|_| GuestError::InvalidUtf8)
        } else {
            if len > STRING_COPY_MAX {
                return Err(GuestError::StringTooLong {
                    len,
                    max: STRING_COPY_MAX,
                });
            }
            let mut bytes = vec![0u8; len as usize];
            // SAFETY: bounds checked; copying never creates a reference into guest memory.
            unsafe { self.copy_out(offset, &mut bytes) };
            String::from_utf8(bytes)
                .map(Cow::Owned)
                .map_err(|_| GuestError::InvalidUtf8)
        }
    }
}

/// Bytes of guest memory the host may read (a `const_pointer u8` with its length, or one
/// `ciovec`).
pub struct GuestBuf<'a> {
    mem: GuestMemory<'a>,
    offset: usize,
    len: usize,
    direct: Flag,
}

impl<'a> GuestBuf<'a> {
    /// A view of `len` bytes at `ptr`.
    ///
    /// # Safety
    /// With `direct`, no `&mut` view of the same call may cover these bytes while this view
    /// lives. Shared memory is always in copying mode.
    #[inline]
    pub unsafe fn new(
        mem: GuestMemory<'a>,
        ptr: u32,
        len: u32,
        direct: bool,
    ) -> Result<Self, GuestError> {
        let offset = mem.check_range(ptr, u64::from(len))?;
        Ok(GuestBuf {
            mem,
            offset,
            len: len as usize,
            direct: Flag::new(direct && !mem.is_shared()),
        })
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the view is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first `len` bytes (all of them if there are fewer).
    #[inline]
    pub fn prefix(self, len: usize) -> Self {
        GuestBuf {
            len: self.len.min(len),
            ..self
        }
    }

    /// The bytes, borrowed without a copy, when this view is direct.
    #[inline]
    pub fn as_slice(&self) -> Option<&[u8]> {
        // SAFETY: bounds were checked at construction; aliasing is the constructor's contract.
        self.direct
            .on()
            .then(|| unsafe { self.mem.slice(self.offset, self.len) })
    }

    /// Copies bytes from `offset` into `dst`; returns how many were copied.
    pub fn read_at(&self, offset: usize, dst: &mut [u8]) -> usize {
        let n = dst.len().min(self.len.saturating_sub(offset));
        // SAFETY: `offset + n <= self.len`, inside the range checked at construction.
        unsafe { self.mem.copy_out(self.offset + offset, &mut dst[..n]) };
        n
    }

    /// Copies the whole view into a new vector.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = vec![0u8; self.len];
        self.read_at(0, &mut out);
        out
    }

    /// Calls `f` with the bytes: all of them without a copy when direct, otherwise a copy of
    /// at most [`BUFFER_CHUNK`] leading bytes (to be treated as a short write).
    pub fn with_slice<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        match self.as_slice() {
            Some(bytes) => f(bytes),
            None => {
                let mut copy = vec![0u8; self.len.min(BUFFER_CHUNK)];
                self.read_at(0, &mut copy);
                f(&copy)
            }
        }
    }

    /// The host address and length, for handing to a vectored system call.
    ///
    /// Dereferencing the pointer is only sound while this view lives, and (for shared memory)
    /// only by the kernel or atomically.
    #[inline]
    pub fn as_raw(&self) -> (*const u8, usize) {
        (self.mem.host_ptr(self.offset), self.len)
    }
}

/// Bytes of guest memory the host may write (a `pointer u8` with its length, or one `iovec`).
pub struct GuestBufMut<'a> {
    mem: GuestMemory<'a>,
    offset: usize,
    len: usize,
    direct: Flag,
}

impl<'a> GuestBufMut<'a> {
    /// A writable view of `len` bytes at `ptr`.
    ///
    /// # Safety
    /// With `direct`, no other view of the same call may cover these bytes while this view
    /// lives. Shared memory is always in copying mode.
    #[inline]
    pub unsafe fn new(
        mem: GuestMemory<'a>,
        ptr: u32,
        len: u32,
        direct: bool,
    ) -> Result<Self, GuestError> {
        let offset = mem.check_range(ptr, u64::from(len))?;
        Ok(GuestBufMut {
            mem,
            offset,
            len: len as usize,
            direct: Flag::new(direct && !mem.is_shared()),
        })
    }

    /// Length in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the view is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The first `len` bytes (all of them if there are fewer).
    #[inline]
    pub fn prefix(self, len: usize) -> Self {
        GuestBufMut {
            len: self.len.min(len),
            ..self
        }
    }

    /// The bytes, mutably borrowed without a copy, when this view is direct.
    #[inline]
    pub fn as_mut_slice(&mut self) -> Option<&mut [u8]> {
        // SAFETY: bounds checked at construction; exclusivity is the constructor's contract,
        // and `&mut self` keeps this the only borrow handed out.
        self.direct
            .on()
            .then(|| unsafe { self.mem.slice_mut(self.offset, self.len) })
    }

    /// Copies `src` into the view at `offset`; returns how many bytes fit.
    pub fn write_at(&mut self, offset: usize, src: &[u8]) -> usize {
        let n = src.len().min(self.len.saturating_sub(offset));
        // SAFETY: `offset + n <= self.len`, inside the range checked at construction.
        unsafe { self.mem.copy_in(self.offset + offset, &src[..n]) };
        n
    }

    /// Calls `f` with a buffer to fill and stores what it reports filled (`f` returns a
    /// count, clamped to the buffer). Direct views pass guest memory itself; otherwise `f`
    /// gets a zeroed buffer of at most [`BUFFER_CHUNK`] bytes (to be treated as a short read).
    pub fn with_slice_mut(&mut self, f: impl FnOnce(&mut [u8]) -> usize) -> usize {
        match self.as_mut_slice() {
            Some(bytes) => {
                let len = bytes.len();
                f(bytes).min(len)
            }
            None => {
                let mut bounce = vec![0u8; self.len.min(BUFFER_CHUNK)];
                let n = f(&mut bounce).min(bounce.len());
                self.write_at(0, &bounce[..n])
            }
        }
    }

    /// The host address and length, for handing to a vectored system call.
    ///
    /// Writing through the pointer is only sound while this view lives, and (for shared
    /// memory) only by the kernel or atomically.
    #[inline]
    pub fn as_raw(&mut self) -> (*mut u8, usize) {
        (self.mem.host_ptr(self.offset), self.len)
    }
}

/// A validated guest iovec list. Decoding checks the array and every entry's range once;
/// entries are then read from guest memory when asked for, so a call that passes one or two
/// buffers moves a few words around instead of a copy of the list. Every read is bounds-checked
/// again, so a guest that rewrites its array mid-call (another thread, or a read landing on
/// the array itself) can change what later buffers are, never where the host may go.
#[derive(Clone, Copy)]
struct IovecList<'a> {
    mem: GuestMemory<'a>,
    ptr: u32,
    count: u32,
    total: usize,
    direct: Flag,
}

impl<'a> IovecList<'a> {
    #[inline]
    fn decode(
        mem: GuestMemory<'a>,
        ptr: u32,
        count: u32,
        direct: bool,
    ) -> Result<Self, GuestError> {
        if count > IOV_MAX {
            return Err(GuestError::TooLong {
                len: count,
                max: IOV_MAX,
            });
        }
        // Each iovec is a record of two u32s: address, then length.
        GuestMemory::check_aligned(ptr, 4)?;
        mem.check_range(ptr, u64::from(count) * 8)?;
        let mut total = 0usize;
        for i in 0..count {
            let (buf, len) = Self::read_entry(mem, ptr + i * 8)?;
            mem.check_range(buf, u64::from(len))?;
            total = total.saturating_add(len as usize);
        }
        Ok(IovecList {
            mem,
            ptr,
            count,
            total,
            direct: Flag::new(direct && !mem.is_shared()),
        })
    }

    #[inline]
    fn read_entry(mem: GuestMemory<'a>, at: u32) -> Result<(u32, u32), GuestError> {
        // One 8-byte little-endian read: the address is the low half, the length the high.
        let raw = <u64 as GuestType>::read(&mem, at)?;
        Ok((raw as u32, (raw >> 32) as u32))
    }

    /// Entry `i` as it is in guest memory now; `None` past the end.
    #[inline]
    fn entry(&self, i: usize) -> Option<(u32, u32)> {
        let i = u32::try_from(i).ok().filter(|&i| i < self.count)?;
        Self::read_entry(self.mem, self.ptr + i * 8).ok()
    }

    fn len(&self) -> usize {
        self.count as usize
    }

    fn regions(&self) -> impl Iterator<Item = (u32, u32)> + Clone + '_ {
        (0..self.len()).filter_map(|i| self.entry(i))
    }
}

/// A guest `ciovec` list: buffers the host may read (the data of `fd_write` and friends).
pub struct Iovecs<'a>(IovecList<'a>);

impl<'a> Iovecs<'a> {
    /// Decodes `count` `ciovec` records at `ptr` and checks every buffer's bounds.
    ///
    /// # Safety
    /// With `direct`, no `&mut` view of the same call may overlap any of the buffers.
    #[inline]
    pub unsafe fn decode(
        mem: GuestMemory<'a>,
        ptr: u32,
        count: u32,
        direct: bool,
    ) -> Result<Self, GuestError> {
        IovecList::decode(mem, ptr, count, direct).map(Iovecs)
    }

    /// Number of buffers.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list has no buffers.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.count == 0
    }

    /// Sum of the buffers' lengths.
    pub fn total_len(&self) -> usize {
        self.0.total
    }

    /// Each buffer's guest address and length, as the guest's array gives them now (for
    /// diagnostics such as traces).
    pub fn regions(&self) -> impl Iterator<Item = (u32, u32)> + Clone + '_ {
        self.0.regions()
    }

    /// Buffer `i`.
    #[inline]
    pub fn get(&self, i: usize) -> Option<GuestBuf<'_>> {
        let (ptr, len) = self.0.entry(i)?;
        // SAFETY: `new` checks the range; shared borrows may overlap each other, and the decode
        // contract rules out `&mut` views over them.
        unsafe { GuestBuf::new(self.0.mem, ptr, len, self.0.direct.on()) }.ok()
    }

    /// All buffers in order.
    pub fn iter(&self) -> impl Iterator<Item = GuestBuf<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// A guest `iovec` list: buffers the host may fill (the destination of `fd_read` and friends).
///
/// Buffers are lent one at a time ([`IovecsMut::get_mut`] borrows the list mutably), so
/// guest-chosen overlapping iovecs never yield two live `&mut [u8]` over the same bytes.
pub struct IovecsMut<'a>(IovecList<'a>);

impl<'a> IovecsMut<'a> {
    /// Decodes `count` `iovec` records at `ptr` and checks every buffer's bounds.
    ///
    /// # Safety
    /// With `direct`, no other view of the same call may overlap any of the buffers.
    #[inline]
    pub unsafe fn decode(
        mem: GuestMemory<'a>,
        ptr: u32,
        count: u32,
        direct: bool,
    ) -> Result<Self, GuestError> {
        IovecList::decode(mem, ptr, count, direct).map(IovecsMut)
    }

    /// Number of buffers.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the list has no buffers.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.count == 0
    }

    /// Sum of the buffers' lengths.
    pub fn total_len(&self) -> usize {
        self.0.total
    }

    /// Each buffer's guest address and length, as the guest's array gives them now (for
    /// diagnostics such as traces).
    pub fn regions(&self) -> impl Iterator<Item = (u32, u32)> + Clone + '_ {
        self.0.regions()
    }

    /// Buffer `i`, as the guest's array gives it now, lent until the returned view is dropped.
    #[inline]
    pub fn get_mut(&mut self, i: usize) -> Option<GuestBufMut<'_>> {
        let (ptr, len) = self.0.entry(i)?;
        // SAFETY: `new` checks the range; the `&mut self` borrow keeps this the only view lent
        // out.
        unsafe { GuestBufMut::new(self.0.mem, ptr, len, self.0.direct.on()) }.ok()
    }

    /// Fills the buffers in order from `src`, as a scatter read would; returns bytes copied.
    pub fn scatter(&mut self, mut src: &[u8]) -> usize {
        // Like the kernel's readv, take the list before writing anything: a buffer that
        // overlaps the iovec array must not redirect the buffers after it.
        let entries: SmallVec<[(u32, u32); IOVECS_INLINE]> =
            (0..self.len()).filter_map(|i| self.0.entry(i)).collect();
        let mut copied = 0;
        for (ptr, len) in entries {
            if src.is_empty() {
                break;
            }
            // SAFETY: `new` checks the range; `&mut self` keeps this the only view lent out.
            if let Ok(mut buf) =
                unsafe { GuestBufMut::new(self.0.mem, ptr, len, self.0.direct.on()) }
            {
                let n = buf.write_at(0, src);
                copied += n;
                src = &src[n..];
            }
        }
        copied
    }
}

/// A guest array of `T` the host may read (a `const_pointer` with an element count).
///
/// Elements are decoded (and validated) by copy when read, so the array may overlap anything.
pub struct GuestArray<'a, T> {
    mem: GuestMemory<'a>,
    ptr: u32,
    len: u32,
    _type: PhantomData<fn() -> T>,
}

impl<'a, T: GuestType> GuestArray<'a, T> {
    /// Checks bounds and alignment for `len` elements at `ptr`.
    pub fn new(mem: GuestMemory<'a>, ptr: u32, len: u32) -> Result<Self, GuestError> {
        mem.check_array::<T>(ptr, len)?;
        Ok(GuestArray {
            mem,
            ptr,
            len,
            _type: PhantomData,
        })
    }

    /// The guest address of the first element.
    pub fn addr(&self) -> u32 {
        self.ptr
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether the array is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Decodes element `i`; `None` past the end.
    pub fn get(&self, i: usize) -> Option<Result<T, GuestError>> {
        let i = u32::try_from(i).ok().filter(|&i| i < self.len)?;
        Some(T::read(&self.mem, self.ptr + i * T::SIZE))
    }

    /// Decodes every element in order.
    pub fn iter(&self) -> impl Iterator<Item = Result<T, GuestError>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }
}

/// A guest array of `T` the host may write (a `pointer` with an element count).
pub struct GuestArrayMut<'a, T> {
    inner: GuestArray<'a, T>,
}

impl<'a, T: GuestType> GuestArrayMut<'a, T> {
    /// Checks bounds and alignment for `len` elements at `ptr`.
    pub fn new(mem: GuestMemory<'a>, ptr: u32, len: u32) -> Result<Self, GuestError> {
        GuestArray::new(mem, ptr, len).map(|inner| GuestArrayMut { inner })
    }

    /// The guest address of the first element.
    pub fn addr(&self) -> u32 {
        self.inner.addr()
    }

    /// Number of elements.
    #[inline]
    pub fn len(&self) -> usize {
        self.inner.len()
    }

    /// Whether the array is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// Decodes element `i`; `None` past the end.
    pub fn get(&self, i: usize) -> Option<Result<T, GuestError>> {
        self.inner.get(i)
    }

    /// Stores `value` as element `i`; an index past the end is an out-of-bounds error.
    pub fn set(&mut self, i: usize, value: &T) -> Result<(), GuestError> {
        match u32::try_from(i).ok().filter(|&i| i < self.inner.len) {
            Some(i) => value.write(&self.inner.mem, self.inner.ptr + i * T::SIZE),
            None => Err(GuestError::OutOfBounds {
                ptr: self.inner.ptr,
                len: (i as u64 + 1).saturating_mul(u64::from(T::SIZE)),
            }),
        }
    }
}

/// A guest pointer to `T` with no length attached (for example `args_get`'s `argv`).
///
/// Every access checks bounds and alignment; nothing is borrowed, so it may overlap anything.
pub struct GuestPtr<'a, T> {
    mem: GuestMemory<'a>,
    ptr: u32,
    _type: PhantomData<fn(T) -> T>,
}

impl<T> Clone for GuestPtr<'_, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for GuestPtr<'_, T> {}

impl<'a, T: GuestType> GuestPtr<'a, T> {
    /// A pointer to `ptr`; nothing is checked until it is used.
    pub fn new(mem: GuestMemory<'a>, ptr: u32) -> Self {
        GuestPtr {
            mem,
            ptr,
            _type: PhantomData,
        }
    }

    /// The guest address.
    pub fn addr(&self) -> u32 {
        self.ptr
    }

    /// The memory the pointer points into, for host code that follows guest pointers stored
    /// in the pointee (every access through it is checked again).
    pub fn memory(&self) -> GuestMemory<'a> {
        self.mem
    }

    /// The pointer `n` elements further on; wrapping past 2^32 is an out-of-bounds error.
    pub fn add(&self, n: u32) -> Result<Self, GuestError> {
        let ptr = u64::from(n)
            .checked_mul(u64::from(T::SIZE))
            .and_then(|delta| u32::try_from(u64::from(self.ptr) + delta).ok())
            .ok_or(GuestError::OutOfBounds {
                ptr: self.ptr,
                len: u64::from(n) * u64::from(T::SIZE),
            })?;
        Ok(GuestPtr::new(self.mem, ptr))
    }

    /// Reads the pointee.
    pub fn read(&self) -> Result<T, GuestError> {
        self.mem.read(self.ptr)
    }

    /// Writes the pointee.
    pub fn write(&self, value: &T) -> Result<(), GuestError> {
        self.mem.write(self.ptr, value)
    }
}

impl GuestPtr<'_, u8> {
    /// Copies `bytes` to the pointed-to address.
    pub fn write_bytes(&self, bytes: &[u8]) -> Result<(), GuestError> {
        self.mem.store(self.ptr, bytes)
    }

    /// Copies `dst.len()` bytes from the pointed-to address.
    pub fn read_bytes(&self, dst: &mut [u8]) -> Result<(), GuestError> {
        let offset = self.mem.check_range(self.ptr, dst.len() as u64)?;
        // SAFETY: bounds checked just above; copying borrows nothing.
        unsafe { self.mem.copy_out(offset, dst) };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes iovec records `(addr, len)` at `at`.
    fn put_iovecs(bytes: &mut [u8], at: usize, list: &[(u32, u32)]) {
        for (i, &(addr, len)) in list.iter().enumerate() {
            let o = at + i * 8;
            bytes[o..o + 4].copy_from_slice(&addr.to_le_bytes());
            bytes[o + 4..o + 8].copy_from_slice(&len.to_le_bytes());
        }
    }

    #[test]
    fn scatter_takes_the_list_before_writing_into_it() {
        let mut bytes = vec![0u8; 256];
        // Buffer 0 covers the bytes of entry 1 itself; entry 1 points at 100.
        put_iovecs(&mut bytes, 0, &[(8, 8), (100, 4)]);
        let mem = GuestMemory::unshared(&mut bytes);
        // SAFETY: no other view of this memory exists.
        let mut iovs = unsafe { IovecsMut::decode(mem, 0, 2, false) }.unwrap();
        assert_eq!(iovs.total_len(), 12);
        let copied = iovs.scatter(b"\xff\xff\xff\xff\xff\xff\xff\xffabcd");
        assert_eq!(copied, 12);
        assert_eq!(&bytes[8..16], &[0xff; 8]);
        assert_eq!(&bytes[100..104], b"abcd");
    }

    #[test]
    fn entries_are_checked_at_decode_and_again_when_read() {
        let mut bytes = vec![0u8; 64];
        put_iovecs(&mut bytes, 0, &[(16, 8), (60, 8)]);
        let mem = GuestMemory::unshared(&mut bytes);
        // SAFETY: no other view of this memory exists.
        let err = unsafe { Iovecs::decode(mem, 0, 2, true) }.err();
        assert!(matches!(
            err,
            Some(GuestError::OutOfBounds { ptr: 60, len: 8 })
        ));

        put_iovecs(&mut bytes, 0, &[(16, 8), (24, 8)]);
        let mem = GuestMemory::unshared(&mut bytes);
        // SAFETY: only copying views are made.
        let iovs = unsafe { Iovecs::decode(mem, 0, 2, false) }.unwrap();
        // The guest (another thread, in a shared memory) rewrites entry 1 out of bounds.
        mem.store(8, &100u32.to_le_bytes()).unwrap();
        assert_eq!(iovs.get(0).map(|b| b.len()), Some(8));
        assert!(iovs.get(1).is_none(), "a rewritten entry is checked again");
        assert!(iovs.get(2).is_none());
    }
}
