use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicU8, Ordering};

use std::sync::{Arc, OnceLock};

use wasmtime::{Caller, Extern, Instance, Linker, Memory, Module, SharedMemory, Store};

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
/// Cheap to copy, and confined to the calling thread: the copies may write the same bytes, so
/// they must never run at once (`GuestMemory` is neither `Send` nor `Sync`). Every access is
/// bounds-checked against the length the memory had when the
/// call began (wasm memories never shrink, so that length stays valid for the whole call).
#[derive(Clone, Copy)]
pub struct GuestMemory<'a> {
    base: *mut u8,
    len: usize,
    shared: Flag,
    _borrow: PhantomData<&'a [UnsafeCell<u8>]>,
}

// Neither `Send` nor `Sync` (the raw pointer sees to that): copies of one view write unshared
// memory with plain copies, which is sound only while every copy stays on the thread of the
// host call that made it. Shared memory reaches other threads through its own instances.

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

/// How generated glue finds the calling instance's linear memory.
///
/// wasmtime names a host function's caller only through [`Caller::get_export`], a by-name
/// lookup that costs about 35 ns; checking a remembered handle against the caller
/// ([`Caller::get_module_export`]) costs about 20 ns. Neither fits a call that otherwise costs
/// about 15 ns, and a handle remembered per host value is wrong as soon as two instances share
/// that value (each would read and write the other's memory). So a binding either looks the
/// memory up on every call ([`MemoryBinding::by_name`], right for any number of instances), or
/// belongs to the functions of exactly one instance and is filled in once, right after that
/// instance is created ([`instantiate_bound`]): then the lookup is one atomic load.
///
/// A function that instance re-exports keeps using that instance's memory when another
/// instance calls it.
#[derive(Clone, Default)]
pub struct MemoryBinding(Option<Arc<OnceLock<MemoryExport>>>);

#[derive(Clone)]
enum MemoryExport {
    Unshared(Memory),
    Shared(SharedMemory),
}

impl MemoryBinding {
    /// Look the caller's `memory` export up on every call.
    pub fn by_name() -> Self {
        MemoryBinding(None)
    }

    /// An empty binding for the functions of one instance; see [`instantiate_bound`].
    fn for_one_instance() -> Self {
        MemoryBinding(Some(Arc::new(OnceLock::new())))
    }

    /// Whether calls find their memory without a lookup.
    pub fn is_bound(&self) -> bool {
        self.0.as_ref().is_some_and(|slot| slot.get().is_some())
    }
}

/// Instantiates `module` with host functions that serve this one instance only, so that
/// their calls find its memory without a lookup by name.
///
/// `define` adds the bound functions to a copy of `linker` (they shadow any of the same name
/// already there), typically through the generated `define` function for each import of the
/// module. The copy is dropped once the instance exists, so no other instance can import
/// the bound functions. Until the instance is created (its `start` function) and for a
/// module without a `memory` export, calls look the memory up by name as usual.
pub fn instantiate_bound<T: 'static>(
    store: &mut Store<T>,
    linker: &Linker<T>,
    module: &Module,
    define: impl FnOnce(&mut Linker<T>, &MemoryBinding) -> wasmtime::Result<()>,
) -> wasmtime::Result<Instance> {
    let binding = MemoryBinding::for_one_instance();
    let mut own = linker.clone();
    own.allow_shadowing(true);
    define(&mut own, &binding)?;
    let instance = own.instantiate(&mut *store, module)?;
    let export = match instance.get_export(&mut *store, "memory") {
        Some(Extern::Memory(memory)) => Some(MemoryExport::Unshared(memory)),
        Some(Extern::SharedMemory(memory)) => Some(MemoryExport::Shared(memory)),
        _ => None,
    };
    if let (Some(slot), Some(export)) = (&binding.0, export) {
        // The binding is new and only `own`'s functions hold it: nothing has filled it.
        let _ = slot.set(export);
    }
    Ok(instance)
}

/// Runs `f` with the calling instance's memory and the host value.
///
/// Used by generated glue. A module that exports no `memory` gets
/// [`GuestError::NoMemory`], which the glue turns into a trap.
#[inline]
pub fn with_guest_memory<T, H, R>(
    caller: &mut Caller<'_, T>,
    binding: &MemoryBinding,
    get: impl Fn(&mut T) -> &mut H,
    f: impl FnOnce(GuestMemory<'_>, &mut H) -> R,
) -> Result<R, GuestError>
where
    T: 'static,
    H: ?Sized,
{
    let bound = binding.0.as_ref().and_then(|slot| slot.get());
    let export = match bound {
        // `Memory` is a copyable handle; only a shared memory's is reference-counted.
        Some(MemoryExport::Unshared(memory)) => MemoryExport::Unshared(*memory),
        Some(MemoryExport::Shared(memory)) => MemoryExport::Shared(memory.clone()),
        None => match caller.get_export("memory") {
            Some(Extern::Memory(memory)) => MemoryExport::Unshared(memory),
            Some(Extern::SharedMemory(memory)) => MemoryExport::Shared(memory),
            _ => return Err(GuestError::NoMemory),
        },
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
