//! Layers for custom hosts: pieces an embedder (or the CLI) puts around or inside a host to
//! observe or pin down what a guest sees, without writing a host of its own.
//!
//! - [`trace`]: [`Traced`] wraps any host and reports every call (decoded arguments, outcome,
//!   duration) as a line of text and as `tracing` events.
//! - [`deterministic`]: a virtual clock and a seeded random source, so that runs repeat.
//! - [`stdio`]: stdin from bytes, stdout and stderr into buffers or any `Write`.
//! - [`memfs`]: an in-memory filesystem mounted at a guest path.
//!
//! Overriding single calls is the generated `<Module>Delegate` traits' job
//! (`docs/custom-hosts.md`).

pub mod deterministic;
pub mod memfs;
pub mod stdio;
pub mod trace;

pub use deterministic::{SeededRandom, VirtualClock};
pub use memfs::{MemFs, MemTree, MountPoint};
pub use stdio::{Captured, Pumped};
pub use trace::{Traced, Tracer};

/// A host that wraps another one: names the inner host once for every generated
/// `<Module>Delegate` trait it implements (each of which forwards, by default, to
/// [`inner`](Delegate::inner)).
pub trait Delegate {
    /// The wrapped host.
    type Inner: ?Sized;
    /// The wrapped host, which serves every method not overridden.
    fn inner(&mut self) -> &mut Self::Inner;
}
