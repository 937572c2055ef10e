//! wasi-host: a WASI preview1 host for wasmtime whose bindings are generated from WITX.
//!
//! - [`preview1`]: the generated `wasi_snapshot_preview1` bindings: one Rust type per WITX
//!   type, the [`preview1::WasiSnapshotPreview1`] trait with one method per function, and
//!   [`preview1::add_to_linker`].
//! - [`guest`]: guest memory and the views host methods receive instead of raw pointers.
//! - [`call`]: what a host method returns when it does not succeed.
//! - [`limits`]: every bound on what one guest call may make the host allocate or do.
//! - [`layers`]: tracing, deterministic clocks and randomness, captured stdio; with the
//!   generated `…Delegate` traits, a custom host is a few lines (`docs/custom-hosts.md`).

#![deny(missing_docs)]

pub mod call;
#[cfg(feature = "cli")]
pub mod cli;
mod compile;
mod ctx;
mod errno;
pub mod guest;
mod host;
#[cfg(test)]
mod layering;
pub mod layers;
pub mod link;
/// `wasi_snapshot_preview1`, generated from `witx/preview1/` by `cargo xtask codegen`.
pub mod preview1;
pub mod program;
mod table;
/// wasi-threads (`wasi` `thread-spawn`), generated from `witx/threads/` by `cargo xtask
/// codegen`; [`WasiCtx`] implements it for programs run by [`program::Program`].
pub mod threads;
/// WASIX (`wasix_32v1`), generated from `witx/wasix/` by `cargo xtask codegen`; [`WasiCtx`]
/// implements the part that needs no stack switching, on the same descriptor table as
/// preview1 (`docs/wasix.md`).
pub mod wasix;
/// The WasmEdge socket extension (versions 1 and 2, imported from `wasi_snapshot_preview1`),
/// generated from `witx/wasmedge/` by `cargo xtask codegen`; [`WasiCtx`] implements it on
/// real sockets behind a deny-by-default network policy (`docs/sockets.md`).
pub mod wasmedge;

pub mod limits;

pub use call::{CallError, Exit, ThreadExit, Trap};
pub use compile::compile_module;
pub use ctx::net_policy::{NetRule, NetRuleError};
pub use ctx::{
    Clock, Descriptor, DescriptorRights, Descriptors, OsRandom, RandomSource, Stdio, SystemClock,
    WasiCtx, WasiCtxBuilder,
};
pub use layers::Delegate;
pub use table::HostDescriptor;
pub use wasi_host_macros::bindings;

/// Items generated code refers to; not a stable API.
#[doc(hidden)]
pub mod __private {
    pub use bitflags;
    pub use wasmtime;
}

/// Adds every `wasi_snapshot_preview1` function to `linker`, served by the host that `get`
/// finds in the store's data: a [`WasiCtx`], or any host implementing the trait (one built
/// on [`preview1::WasiSnapshotPreview1Delegate`], a [`layers::Traced`] one). The glue is
/// compiled for that host type: a `WasiCtx` pays nothing for the genericity.
///
/// Right for any number of instances per store; each call looks up its caller's `memory`
/// export by name. [`instantiate`] saves that lookup.
pub fn add_to_linker<T: 'static, H: preview1::WasiSnapshotPreview1 + 'static>(
    linker: &mut wasmtime::Linker<T>,
    get: impl Fn(&mut T) -> &mut H + Send + Sync + Copy + 'static,
) -> wasmtime::Result<()> {
    preview1::add_to_linker(linker, get)
}

/// Instantiates `module` with the `wasi_snapshot_preview1` functions it imports served by
/// the host that `get` finds, bound to this one instance: their calls reach its memory
/// without a lookup. The other imports come from `linker`.
///
/// The WasmEdge socket calls ([`wasmedge`]) are linked too, each import getting the
/// variant (preview1's or WasmEdge's version 1 or 2) whose signature it has, WASIX's
/// `wasix_32v1` calls ([`wasix`]) and wasi-threads' `thread-spawn` ([`threads`]), all on the
/// one host; so the host implements the four traits ([`WasiCtx`] does; a delegating host
/// implements the four `…Delegate` traits, a [`layers::Traced`] host gets them from its inner
/// one). A threaded module runs through [`program::Program`], which also provides its shared
/// memory.
///
/// The fastest way to run a module; several instances may share a store and a context.
pub fn instantiate<T, H>(
    store: &mut wasmtime::Store<T>,
    linker: &wasmtime::Linker<T>,
    module: &wasmtime::Module,
    get: impl Fn(&mut T) -> &mut H + Send + Sync + Copy + 'static,
) -> wasmtime::Result<wasmtime::Instance>
where
    T: 'static,
    H: preview1::WasiSnapshotPreview1
        + wasmedge::WasmedgeSockets
        + wasix::Wasix32v1
        + threads::WasiThreads
        + 'static,
{
    link::instantiate(store, linker, module, IMPORTS, |linker, spec, memory| {
        if wasix::IMPORTS.contains(spec) {
            host::wasix::signal::define(linker, spec, get, memory)
        } else if wasmedge::IMPORTS.contains(spec) {
            wasmedge::define(linker, spec.witx_module, spec.function, get, memory)
        } else if threads::IMPORTS.contains(spec) {
            threads::define(linker, spec.witx_module, spec.function, get, memory)
        } else if EPOLL_ONEOFF.contains(spec) {
            // Defined as `poll_oneoff` (its generated import name), then given its own.
            let defined = preview1::define(linker, spec.witx_module, spec.function, get, memory)?;
            linker.alias(spec.module, spec.function, spec.module, spec.name)?;
            Ok(defined)
        } else {
            preview1::define(linker, spec.witx_module, spec.function, get, memory)
        }
    })
}

/// Every function [`instantiate`] offers: preview1, the WasmEdge socket extension,
/// WasmEdge's `epoll_oneoff`, WASIX, and wasi-threads' `thread-spawn` (which fails with a
/// negative value unless the module runs as a [`program::Program`]).
pub const IMPORTS: &[&[link::ImportSpec]] = &[
    preview1::IMPORTS,
    wasmedge::IMPORTS,
    EPOLL_ONEOFF,
    wasix::IMPORTS,
    threads::IMPORTS,
];

/// WasmEdge's `epoll_oneoff`: `poll_oneoff`'s ABI with edge-triggered readiness. It is served
/// by `poll_oneoff`, which reports readiness whenever it holds (level-triggered): a guest that
/// expects edges and reads until `EAGAIN` sees at most extra wake-ups, never a missed one.
const EPOLL_ONEOFF: &[link::ImportSpec] = &[link::ImportSpec {
    module: "wasi_snapshot_preview1",
    name: "epoll_oneoff",
    witx_module: "wasi_snapshot_preview1",
    function: "poll_oneoff",
    params: &[
        link::CoreType::I32,
        link::CoreType::I32,
        link::CoreType::I32,
        link::CoreType::I32,
    ],
    results: &[link::CoreType::I32],
}];

/// A host object shared by many instances (and threads), with one instance's own state: the
/// store data that makes a generated `…Shared` trait's implementation serve that instance
/// through the ordinary registration (`add_to_linker`, `instantiate`).
pub struct SharedHost<S: ?Sized, C> {
    /// The shared host, whose `&self` methods every instance calls.
    pub host: std::sync::Arc<S>,
    /// This instance's state, passed to each of its calls.
    pub context: C,
}
