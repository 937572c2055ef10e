//! A hostcall fuzzer for wasi-host: random sequences of calls of every function the host binds,
//! made by a real guest instance through the generated glue, over random guest memory, inside a
//! temp sandbox that sits next to canaries.
//!
//! A finding is a host panic, a change outside the sandbox, a host allocation over
//! [`ALLOCATION_BOUND`], a host descriptor left open after an instance is dropped, a call that
//! changes the memory of another instance in its store, or a call that hangs. Errnos and traps are expected answers to hostile input. `cargo xtask fuzz`
//! runs [`run`] in release; see `docs/limits.md` ("Fuzzing").

#![deny(missing_docs)]

pub mod alloc;
mod canary;
mod guest;
mod report;
pub mod rng;
mod runner;
mod shape;

pub use report::{Finding, Options, Report};
pub use runner::run;

use wasi_host::link::ImportSpec;

/// Every spec `wasi_host::instantiate` binds; the fuzzer calls each function of each.
pub const SPECS: &[&[ImportSpec]] = &[wasi_host::preview1::IMPORTS];

/// No single host allocation made during one call may be larger (`docs/limits.md`: nothing a
/// guest passes sizes a host allocation; the largest fixed bound is ~500 KiB of poll state).
pub const ALLOCATION_BOUND: usize = 1 << 20;
