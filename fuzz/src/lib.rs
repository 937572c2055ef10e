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
mod calls;
mod canary;
mod guest;
mod report;
pub mod rng;
mod runner;
mod shape;

pub use report::{Finding, Options, Report, SpecFigures};
pub use runner::run;

use wasi_host::link::ImportSpec;

/// Every spec `wasi_host::instantiate` binds (preview1, the WasmEdge socket calls,
/// `epoll_oneoff`, WASIX, wasi-threads); the fuzzer calls each function of each but
/// [`EXCLUDED`].
pub const SPECS: &[&[ImportSpec]] = wasi_host::IMPORTS;

/// `(module, name)` of the functions not fuzzed: the thread spawns. Outside a
/// `wasi_host::program::Program` (the fuzzer's instances are single ones, made as an embedder
/// makes them) they only answer that there are no threads; fuzzing them needs a threaded
/// program (a shared memory, a `wasi_thread_start` export, a store per thread).
pub const EXCLUDED: &[(&str, &str)] =
    &[("wasi", "thread-spawn"), ("wasix_32v1", "thread_spawn_v2")];

/// No single host allocation made during one call may be larger (`docs/limits.md`: nothing a
/// guest passes sizes a host allocation; the largest fixed bound is ~500 KiB of poll state).
pub const ALLOCATION_BOUND: usize = 1 << 20;
