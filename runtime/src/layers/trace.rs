//! Call tracing: [`Traced`] wraps a host, and its generated implementation of every module
//! trait records each call before returning the inner host's answer unchanged.
//!
//! A host that is not wrapped is not touched: tracing costs nothing when it is off.

use std::fmt;
use std::io::Write;
use std::time::Duration;

use bitflags::Bits;

use crate::call::{CallError, ErrorCode, Trap};

/// A host whose every call is traced to `tracer`. It implements each generated module trait
/// that `H` implements (preview1, the WasmEdge sockets, your own `bindings!`).
pub struct Traced<H> {
    /// The host that serves the calls.
    pub inner: H,
    /// Where the calls are reported.
    pub tracer: Tracer,
}

impl<H> Traced<H> {
    /// Wraps `inner`.
    pub fn new(inner: H, tracer: Tracer) -> Self {
        Traced { inner, tracer }
    }
}

/// Where traced calls go: one line of text per call to a writer, and/or one `tracing` event
/// per call (target `wasi_host::call`, level `TRACE`, fields `module`, `function`, `args`,
/// `outcome`, `nanos`).
pub struct Tracer {
    out: Option<Box<dyn Write + Send>>,
    events: bool,
}

impl fmt::Debug for Tracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tracer")
            .field("writer", &self.out.is_some())
            .field("events", &self.events)
            .finish()
    }
}

impl Tracer {
    /// Lines written to `out`, e.g. `fd_write(fd=1, iovs=[6@0x100]) = 6 <1.2µs>`.
    /// Write errors are ignored: tracing never changes what the guest sees.
    pub fn to_writer(out: impl Write + Send + 'static) -> Self {
        Tracer {
            out: Some(Box::new(out)),
            events: false,
        }
    }

    /// `tracing` events only.
    pub fn events() -> Self {
        Tracer {
            out: None,
            events: true,
        }
    }

    /// Also (or no longer) emits `tracing` events.
    pub fn with_events(mut self, yes: bool) -> Self {
        self.events = yes;
        self
    }

    /// Reports one call. Called by the generated code.
    #[doc(hidden)]
    pub fn record(
        &mut self,
        module: &str,
        function: &str,
        args: &str,
        outcome: &str,
        took: Duration,
    ) {
        if let Some(out) = &mut self.out {
            let _ = writeln!(out, "{function}({args}) = {outcome} <{took:.1?}>");
        }
        if self.events {
            tracing::trace!(
                target: "wasi_host::call",
                module,
                function,
                args,
                outcome,
                nanos = took.as_nanos() as u64,
            );
        }
    }
}

impl Drop for Tracer {
    fn drop(&mut self) {
        if let Some(out) = &mut self.out {
            let _ = out.flush();
        }
    }
}

/// A byte buffer argument, shown by its length.
#[doc(hidden)]
pub struct Bytes(pub usize);

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "<{} bytes>", self.0)
    }
}

/// A flags value: the names of its set bits joined by `|` (undefined bits in hex), or `0`.
#[doc(hidden)]
pub struct Flags<F>(pub F);

impl<F: bitflags::Flags> fmt::Display for Flags<F>
where
    F::Bits: fmt::LowerHex,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for (name, _) in self.0.iter_names() {
            if !first {
                f.write_str("|")?;
            }
            f.write_str(name)?;
            first = false;
        }
        let rest = self.0.bits() & !F::all().bits();
        if rest != F::Bits::EMPTY {
            if !first {
                f.write_str("|")?;
            }
            write!(f, "{rest:#x}")?;
            first = false;
        }
        if first {
            f.write_str("0")?;
        }
        Ok(())
    }
}

/// A guest address.
#[doc(hidden)]
pub struct Addr(pub u32);

impl fmt::Display for Addr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}", self.0)
    }
}

/// An array argument: where it is and how many elements it has.
#[doc(hidden)]
pub struct Array(pub u32, pub usize);

impl fmt::Display for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#x}[{}]", self.0, self.1)
    }
}

/// An iovec list: each buffer's length and address, `[len@addr, ...]`.
#[doc(hidden)]
pub struct Regions<I>(pub I);

impl<I: Iterator<Item = (u32, u32)> + Clone> fmt::Display for Regions<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[")?;
        for (i, (addr, len)) in self.0.clone().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{len}@{addr:#x}")?;
        }
        f.write_str("]")
    }
}

/// `ENOENT` for `noent`.
fn errno_name(name: &str) -> String {
    format!("E{}", name.to_ascii_uppercase())
}

/// How a call ended: its value (`0` for none), or its errno by name, or the trap.
#[doc(hidden)]
pub fn outcome<T: fmt::Debug, E: ErrorCode>(
    result: &Result<T, CallError<E>>,
    name: fn(E) -> &'static str,
) -> String {
    match result {
        Ok(value) => {
            let shown = format!("{value:?}");
            if shown == "()" { "0".into() } else { shown }
        }
        Err(e) => failure(e, name),
    }
}

/// [`outcome`], its value shown as `show` makes it (a handle as its number).
#[doc(hidden)]
pub fn outcome_by<T, U: fmt::Debug, E: ErrorCode>(
    result: &Result<T, CallError<E>>,
    show: fn(&T) -> U,
    name: fn(E) -> &'static str,
) -> String {
    match result {
        Ok(value) => format!("{:?}", show(value)),
        Err(e) => failure(e, name),
    }
}

/// A direct result (a value whose failures are in-band, such as a negative thread id), or the
/// trap that ended the call.
#[doc(hidden)]
pub fn direct<T: fmt::Debug>(result: &Result<T, Trap>) -> String {
    match result {
        Ok(value) => format!("{value:?}"),
        Err(trap) => ending(trap),
    }
}

/// An errno by name, a bad guest input as the errno the bindings report, or a trap.
fn failure<E: ErrorCode>(error: &CallError<E>, name: fn(E) -> &'static str) -> String {
    match error {
        CallError::Errno(e) => errno_name(name(*e)),
        CallError::Guest(g) => match E::from_guest_error(*g) {
            Some(e) => format!("{} (bad guest input: {g})", errno_name(name(e))),
            None => format!("trap (bad guest input: {g})"),
        },
        CallError::Trap(t) => ending(t),
    }
}

/// How a call that returns no value ended.
#[doc(hidden)]
pub fn ending(trap: &Trap) -> String {
    match trap {
        Trap::Exit(status) => format!("exit({status})"),
        Trap::ExitThread(status) => format!("thread exit({status})"),
        Trap::Error(e) => format!("trap ({e})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::preview1::{Errno, Oflags};

    #[test]
    fn flags_show_names_and_undefined_bits() {
        assert_eq!(
            Flags(Oflags::CREAT | Oflags::TRUNC).to_string(),
            "CREAT|TRUNC"
        );
        assert_eq!(Flags(Oflags::empty()).to_string(), "0");
        assert_eq!(
            Flags(Oflags::from_bits_retain(0x100 | 1)).to_string(),
            "CREAT|0x100"
        );
    }

    #[test]
    fn outcomes_show_values_errnos_and_traps() {
        let ok: Result<u32, CallError<Errno>> = Ok(7);
        assert_eq!(outcome(&ok, Errno::name), "7");
        let unit: Result<(), CallError<Errno>> = Ok(());
        assert_eq!(outcome(&unit, Errno::name), "0");
        let err: Result<(), CallError<Errno>> = Err(Errno::Noent.into());
        assert_eq!(outcome(&err, Errno::name), "ENOENT");
        let bad: Result<(), CallError<Errno>> =
            Err(crate::guest::GuestError::OutOfBounds { ptr: 1, len: 2 }.into());
        assert!(outcome(&bad, Errno::name).starts_with("EFAULT (bad guest input"));
        assert_eq!(ending(&Trap::Exit(3)), "exit(3)");
        assert_eq!(
            Regions([(0x10u32, 4u32), (0x20, 0)].into_iter()).to_string(),
            "[4@0x10, 0@0x20]"
        );
    }
}
