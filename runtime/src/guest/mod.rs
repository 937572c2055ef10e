//! Guest memory: bounds-checked, alignment-checked access to a wasm linear memory, and the views
//! that generated bindings hand to host methods instead of raw guest pointers.
//!
//! # Soundness model
//!
//! A [`GuestMemory`] is a base pointer and a length, borrowed for one host call. Everything
//! that reads or writes through it *by copy* (the [`GuestType`] accessors, [`GuestPtr`],
//! [`GuestArray`], [`GuestArrayMut`], out-parameters) uses raw-pointer accesses and never
//! creates a Rust reference into guest memory, so guest-chosen overlaps between such accesses
//! are harmless.
//!
//! Only *direct* views ([`GuestBuf`], [`GuestBufMut`], [`Iovecs`], [`IovecsMut`] and borrowed
//! strings) hand out `&[u8]` / `&mut [u8]` / `&str`. They are created through `unsafe`
//! constructors whose contract is that no two live views of one call overlap in a way that
//! would alias a `&mut`. The generated glue decides per call which views may be direct (see
//! `docs/guest-memory.md`); every other view is created in *copying* mode, in which the
//! reference-returning accessors return `None` and only the copying accessors work. Shared
//! (threaded) memory always uses copying mode and per-byte relaxed atomics, because another
//! thread may write the same bytes concurrently.

mod access;
mod error;
mod memory;
mod views;

pub use access::{GuestAddr, GuestType, field_addr};
pub use error::GuestError;
pub use memory::{GuestMemory, MemoryBinding, OutParam, instantiate_bound, with_guest_memory};
pub use views::{
    BUFFER_CHUNK, GuestArray, GuestArrayMut, GuestBuf, GuestBufMut, GuestPtr, IOV_MAX, Iovecs,
    IovecsMut, STRING_COPY_MAX,
};

/// Whether two guest byte ranges share a byte (empty ranges share none).
#[doc(hidden)]
#[inline]
pub fn ranges_overlap(a_ptr: u32, a_len: u32, b_ptr: u32, b_len: u32) -> bool {
    let (a, b) = (u64::from(a_ptr), u64::from(b_ptr));
    a_len != 0 && b_len != 0 && a < b + u64::from(b_len) && b < a + u64::from(a_len)
}

/// Layout of a generated record or union in guest memory, for tests and tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TypeLayout {
    /// The WITX type name.
    pub name: &'static str,
    /// Size in bytes.
    pub size: u32,
    /// Alignment in bytes.
    pub align: u32,
    /// Each record member's name and offset; for a union, its payload offset as `"<payload>"`.
    pub fields: &'static [(&'static str, u32)],
}
