use super::{GuestError, GuestMemory};

/// A value with a fixed layout in guest memory (little-endian, WITX alignment).
///
/// Implemented here for integers and [`GuestAddr`], and by the generated bindings for every
/// WITX type. `read` validates what it decodes (enum tags, flag bits); both check bounds on
/// every primitive access, so they are safe on any address; alignment is checked once where a
/// guest pointer enters the host ([`GuestMemory::read`], views, out-parameters).
pub trait GuestType: Sized {
    /// Size in bytes in guest memory.
    const SIZE: u32;
    /// Alignment in bytes in guest memory.
    const ALIGN: u32;
    /// Decodes a value stored at `ptr`.
    fn read(mem: &GuestMemory<'_>, ptr: u32) -> Result<Self, GuestError>;
    /// Encodes this value at `ptr`.
    fn write(&self, mem: &GuestMemory<'_>, ptr: u32) -> Result<(), GuestError>;
}

macro_rules! guest_int {
    ($($ty:ty),*) => {$(
        impl GuestType for $ty {
            const SIZE: u32 = std::mem::size_of::<$ty>() as u32;
            const ALIGN: u32 = std::mem::size_of::<$ty>() as u32;
            #[inline]
            fn read(mem: &GuestMemory<'_>, ptr: u32) -> Result<Self, GuestError> {
                // One unaligned load for unshared memory. Copying through a byte array
                // (`load`) makes LLVM split the load into bytes and reassemble them, since
                // the shared path fills the same array byte by byte.
                let offset = mem.check_range(ptr, Self::SIZE.into())?;
                Ok(if mem.is_shared() {
                    let mut bytes = [0u8; std::mem::size_of::<$ty>()];
                    // SAFETY: the range was checked just above.
                    unsafe { mem.copy_out(offset, &mut bytes) };
                    <$ty>::from_le_bytes(bytes)
                } else {
                    // SAFETY: in bounds; unshared memory is not written while the host runs
                    // but through the host itself.
                    <$ty>::from_le_bytes(unsafe { mem.host_ptr(offset).cast::<[u8; std::mem::size_of::<$ty>()]>().read_unaligned() })
                })
            }
            #[inline]
            fn write(&self, mem: &GuestMemory<'_>, ptr: u32) -> Result<(), GuestError> {
                let offset = mem.check_range(ptr, Self::SIZE.into())?;
                let bytes = self.to_le_bytes();
                if mem.is_shared() {
                    // SAFETY: the range was checked just above.
                    unsafe { mem.copy_in(offset, &bytes) };
                } else {
                    // SAFETY: in bounds; no reference into guest memory covers a result slot
                    // while the glue writes it.
                    unsafe { mem.host_ptr(offset).cast::<[u8; std::mem::size_of::<$ty>()]>().write_unaligned(bytes) };
                }
                Ok(())
            }
        }
    )*};
}

guest_int!(u8, u16, u32, u64, i8, i16, i32, i64, f32, f64);

/// A 32-bit guest address stored in guest memory (a `pointer` field or array element).
///
/// It is only a number: nothing is read through it unless a host explicitly wraps it in a
/// view, which checks bounds again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct GuestAddr(pub u32);

impl GuestType for GuestAddr {
    const SIZE: u32 = 4;
    const ALIGN: u32 = 4;
    #[inline]
    fn read(mem: &GuestMemory<'_>, ptr: u32) -> Result<Self, GuestError> {
        u32::read(mem, ptr).map(GuestAddr)
    }
    #[inline]
    fn write(&self, mem: &GuestMemory<'_>, ptr: u32) -> Result<(), GuestError> {
        self.0.write(mem, ptr)
    }
}

/// Reads field `offset` bytes past `base`, failing rather than wrapping on overflow.
#[doc(hidden)]
#[inline]
pub fn field_addr(base: u32, offset: u32) -> Result<u32, GuestError> {
    base.checked_add(offset).ok_or(GuestError::OutOfBounds {
        ptr: base,
        len: u64::from(offset),
    })
}
