use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU8, Ordering};

use wasmtime::{Caller, Extern, Memory, SharedMemory};

use super::{GuestError, GuestType};

/// A yes/no stored as a whole word, for the views that generated glue moves on every call.
///
/// A `bool` field leaves seven padding bytes, which LLVM moves as overlapping 4-byte pieces;
/// the CPU cannot forward such stores to the next load, and the stalls cost about 15 ns per
/// `fd_write` (seen with `perf annotate` on the bench's `write_null`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(usize)]
pub(crate) enum Flag {
    Off = 0,
    On = 1,
}

impl Flag {
    #[inline]
    pub(crate) fn new(on: bool) -> Flag {
        if on { Flag::On } else { Flag::Off }
    }

    #[inline]
    pub(crate) fn on(self) -> bool {
        self == Flag::On
    }
}

/// One host call's access to the calling instance's linear memory.
///
/// Cheap to copy; every access is bounds-checked against the length the memory had when the
/// call began (wasm memories never shrink, so that length stays valid for the whole call).
#[derive(Clone, Copy)]
pub struct GuestMemory<'a> {
    base: *mut u8,
    len: usize,
    shared: Flag,
    _borrow: PhantomData<&'a [UnsafeCell<u8>]>,
}

// SAFETY: a `GuestMemory` is only a window on memory that wasmtime keeps alive for `'a`;
// unshared memory is exclusively borrowed for `'a`, shared memory is accessed atomically.
unsafe impl Send for GuestMemory<'_> {}
unsafe impl Sync for GuestMemory<'_> {}

impl<'a> GuestMemory<'a> {
    /// Wraps an exclusively borrowed, unshared linear memory.
    pub fn unshared(bytes: &'a mut [u8]) -> Self {
        GuestMemory {
            base: bytes.as_mut_ptr(),
            len: bytes.len(),
            shared: Flag::Off,
            _borrow: PhantomData,
        }
    }

    /// Wraps a shared (threaded) linear memory: all access copies through relaxed atomics.
    pub fn shared(bytes: &'a [UnsafeCell<u8>]) -> Self {
        GuestMemory {
            base: UnsafeCell::raw_get(bytes.as_ptr()),
            len: bytes.len(),
            shared: Flag::On,
            _borrow: PhantomData,
        }
    }

    /// The memory's size in bytes at the start of the call.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the memory has no pages.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether other threads may access this memory concurrently.
    pub fn is_shared(&self) -> bool {
        self.shared.on()
    }

    /// Checks that `ptr .. ptr + len` lies inside memory; returns the host offset of `ptr`.
    ///
    /// The sum is computed in 64 bits, so a range that wraps past 2^32 is out of bounds
    /// rather than silently wrapping to a low address.
    #[inline]
    pub fn check_range(&self, ptr: u32, len: u64) -> Result<usize, GuestError> {
        match u64::from(ptr).checked_add(len) {
            Some(end) if end <= self.len as u64 => Ok(ptr as usize),
            _ => Err(GuestError::OutOfBounds { ptr, len }),
        }
    }

    /// Checks that `ptr` is a multiple of `align` (a power of two).
    #[inline]
    pub fn check_aligned(ptr: u32, align: u32) -> Result<(), GuestError> {
        if ptr & (align - 1) == 0 {
            Ok(())
        } else {
            Err(GuestError::Misaligned { ptr, align })
        }
    }

    /// Checks bounds for `count` elements of `T` starting at `ptr`, and `T`'s alignment.
    #[inline]
    pub fn check_array<T: GuestType>(&self, ptr: u32, count: u32) -> Result<(), GuestError> {
        Self::check_aligned(ptr, T::ALIGN)?;
        self.check_range(ptr, u64::from(count) * u64::from(T::SIZE))?;
        Ok(())
    }

    /// Reads a `T` at `ptr` after checking bounds and alignment.
    #[inline]
    pub fn read<T: GuestType>(&self, ptr: u32) -> Result<T, GuestError> {
        self.check_array::<T>(ptr, 1)?;
        T::read(self, ptr)
    }

    /// Writes a `T` at `ptr` after checking bounds and alignment.
    #[inline]
    pub fn write<T: GuestType>(&self, ptr: u32, value: &T) -> Result<(), GuestError> {
        self.check_array::<T>(ptr, 1)?;
        value.write(self, ptr)
    }

    /// Validates a result pointer before the call runs, so that a bad pointer is reported
    /// before any side effect instead of after it (when the result could only be lost).
    #[inline]
    pub fn out_param<T: GuestType>(&self, ptr: u32) -> Result<OutParam<T>, GuestError> {
        self.check_array::<T>(ptr, 1)?;
        Ok(OutParam {
            ptr,
            _type: PhantomData,
        })
    }

    /// Copies `N` bytes at `ptr` out of guest memory.
    #[inline]
    pub fn load<const N: usize>(&self, ptr: u32) -> Result<[u8; N], GuestError> {
        let offset = self.check_range(ptr, N as u64)?;
        let mut out = [0u8; N];
        // SAFETY: the range was checked just above.
        unsafe { self.copy_out(offset, &mut out) };
        Ok(out)
    }

    /// Copies `bytes` into guest memory at `ptr`.
    #[inline]
    pub fn store(&self, ptr: u32, bytes: &[u8]) -> Result<(), GuestError> {
        let offset = self.check_range(ptr, bytes.len() as u64)?;
        // SAFETY: the range was checked just above.
        unsafe { self.copy_in(offset, bytes) };
        Ok(())
    }

    /// Copies `dst.len()` bytes starting at host offset `offset` out of guest memory.
    ///
    /// # Safety
    /// `offset + dst.len()` must be within `self.len()`, and no `&mut` into those bytes may
    /// be live.
    #[inline]
    pub(crate) unsafe fn copy_out(&self, offset: usize, dst: &mut [u8]) {
        // SAFETY: bounds are the caller's contract.
        let src = unsafe { self.base.add(offset) };
        if self.is_shared() {
            for (i, byte) in dst.iter_mut().enumerate() {
                // SAFETY: in bounds; shared memory bytes are only ever accessed atomically here.
                *byte = unsafe { AtomicU8::from_ptr(src.add(i)) }.load(Ordering::Relaxed);
            }
        } else {
            // SAFETY: in bounds; `copy` tolerates `dst` itself lying in guest memory.
            unsafe { std::ptr::copy(src, dst.as_mut_ptr(), dst.len()) };
        }
    }

    /// Copies `src` into guest memory at host offset `offset`.
    ///
    /// # Safety
    /// `offset + src.len()` must be within `self.len()`, and no reference into those bytes
    /// may be live.
    #[inline]
    pub(crate) unsafe fn copy_in(&self, offset: usize, src: &[u8]) {
        // SAFETY: bounds are the caller's contract.
        let dst = unsafe { self.base.add(offset) };
        if self.is_shared() {
            for (i, byte) in src.iter().enumerate() {
                // SAFETY: as in `copy_out`.
                unsafe { AtomicU8::from_ptr(dst.add(i)) }.store(*byte, Ordering::Relaxed);
            }
        } else {
            // SAFETY: in bounds; `copy` tolerates `src` itself lying in guest memory.
            unsafe { std::ptr::copy(src.as_ptr(), dst, src.len()) };
        }
    }

    /// The host address of guest offset `offset` (already bounds-checked by the caller).
    #[inline]
    pub(crate) fn host_ptr(&self, offset: usize) -> *mut u8 {
        self.base.wrapping_add(offset)
    }

    /// Borrows `len` bytes at `offset` directly.
    ///
    /// # Safety
    /// Bounds checked by the caller, memory unshared, and no `&mut` to those bytes live for `'b`.
    #[inline]
    pub(crate) unsafe fn slice<'b>(&self, offset: usize, len: usize) -> &'b [u8] {
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts(self.host_ptr(offset), len) }
    }

    /// Mutably borrows `len` bytes at `offset` directly.
    ///
    /// # Safety
    /// Bounds checked by the caller, memory unshared, and no other reference to those bytes
    /// live for `'b`.
    #[inline]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn slice_mut<'b>(&self, offset: usize, len: usize) -> &'b mut [u8] {
        // SAFETY: the caller's contract.
        unsafe { std::slice::from_raw_parts_mut(self.host_ptr(offset), len) }
    }
}

/// A result pointer that was checked (bounds and alignment) before the call ran.
#[derive(Debug)]
pub struct OutParam<T> {
    ptr: u32,
    _type: PhantomData<fn(T)>,
}

impl<T: GuestType> OutParam<T> {
    /// Stores the call's result. Memory never shrinks, so this cannot fail after validation
    /// except through a bug; the error is still reported rather than ignored.
    #[inline]
    pub fn write(self, mem: &GuestMemory<'_>, value: &T) -> Result<(), GuestError> {
        value.write(mem, self.ptr)
    }
}

/// A per-instance slot in which the bindings remember the calling instance's `memory`
/// export, so that a host call does not look it up by name (a string-keyed search) each time.
///
/// One slot serves one instance: a host value shared by several instances in one store must
/// not provide a slot (return `None` from [`MemoryCache::memory_cache`]).
#[derive(Clone, Default)]
pub struct CachedMemory(Option<MemoryExport>);

#[derive(Clone)]
enum MemoryExport {
    Unshared(Memory),
    Shared(SharedMemory),
}

impl CachedMemory {
    /// Forgets the remembered memory (for reusing a host value with a new instance).
    pub fn clear(&mut self) {
        self.0 = None;
    }
}

/// Implemented by host types that bindings are registered for: where to cache the calling
/// instance's memory between calls.
pub trait MemoryCache {
    /// The slot, or `None` (the default) to look the export up on every call.
    fn memory_cache(&mut self) -> Option<&mut CachedMemory> {
        None
    }
}

/// Runs `f` with the calling instance's memory and the host value.
///
/// Used by generated glue. A module that exports no `memory` gets
/// [`GuestError::NoMemory`], which the glue turns into a trap.
#[inline]
pub fn with_guest_memory<T, H, R>(
    caller: &mut Caller<'_, T>,
    get: impl Fn(&mut T) -> &mut H,
    f: impl FnOnce(GuestMemory<'_>, &mut H) -> R,
) -> Result<R, GuestError>
where
    T: 'static,
    H: MemoryCache + ?Sized,
{
    // `Memory` is a copyable handle; only a shared memory's handle is reference-counted.
    let cached = get(caller.data_mut())
        .memory_cache()
        .and_then(|slot| match &slot.0 {
            Some(MemoryExport::Unshared(memory)) => Some(MemoryExport::Unshared(*memory)),
            Some(MemoryExport::Shared(memory)) => Some(MemoryExport::Shared(memory.clone())),
            None => None,
        });
    let export = match cached {
        Some(export) => export,
        None => {
            let export = match caller.get_export("memory") {
                Some(Extern::Memory(memory)) => MemoryExport::Unshared(memory),
                Some(Extern::SharedMemory(memory)) => MemoryExport::Shared(memory),
                _ => return Err(GuestError::NoMemory),
            };
            if let Some(slot) = get(caller.data_mut()).memory_cache() {
                slot.0 = Some(export.clone());
            }
            export
        }
    };
    match export {
        MemoryExport::Unshared(memory) => {
            let (bytes, data) = memory.data_and_store_mut(caller);
            Ok(f(GuestMemory::unshared(bytes), get(data)))
        }
        MemoryExport::Shared(memory) => {
            let bytes = memory.data();
            Ok(f(GuestMemory::shared(bytes), get(caller.data_mut())))
        }
    }
}
