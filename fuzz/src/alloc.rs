//! A counting global allocator: the largest single allocation made on the fuzzing thread since
//! the last reset, so each host call can be checked against `docs/limits.md`'s bound.
//!
//! The fuzz binary and the test that runs the fuzzer install it with `#[global_allocator]`;
//! without it, [`tracking`] reports `false` and the bound is not checked.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

thread_local! {
    /// The largest allocation (or reallocation) on this thread since [`reset`].
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    // `try_with`: the allocator may run while the thread-local is being torn down.
    let _ = LARGEST.try_with(|c| {
        if size > c.get() {
            c.set(size)
        }
    });
}

/// Forwards to the system allocator and records the largest size asked for per thread.
pub struct CountingAlloc;

// SAFETY: every method forwards to `System` with the caller's own arguments; the bookkeeping is
// a const thread-local `Cell` without a destructor, so it never allocates or re-enters.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: forwarded unchanged; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(new_size);
        // SAFETY: as for `dealloc`; the caller upholds `realloc`'s contract for `new_size`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Starts a new measurement on this thread.
pub fn reset() {
    LARGEST.with(|c| c.set(0));
}

/// The largest allocation on this thread since [`reset`].
pub fn largest() -> usize {
    LARGEST.with(Cell::get)
}

/// Whether [`CountingAlloc`] is the global allocator (else [`largest`] stays 0).
pub fn tracking() -> bool {
    reset();
    let probe = std::hint::black_box(vec![0u8; 4096]);
    drop(probe);
    let seen = largest() >= 4096;
    reset();
    seen
}
