//! What a host call can end in besides success: an errno for the guest, or a trap.

use std::fmt;

use crate::guest::GuestError;

/// Why a host method did not succeed.
///
/// `E` is the module's errno type. `?` converts an errno (`From<E>`, generated per module),
/// a [`GuestError`] (turned into an errno or a trap by the bindings), or a [`Trap`]. Neither
/// the errno nor the guest-error variant allocates or captures a backtrace.
#[derive(Debug)]
pub enum CallError<E> {
    /// Return this errno to the guest.
    Errno(E),
    /// A guest-supplied value was bad; the bindings map it to the module's errno or a trap.
    Guest(GuestError),
    /// Stop the guest.
    Trap(Trap),
}

impl<E> From<GuestError> for CallError<E> {
    #[inline]
    fn from(e: GuestError) -> Self {
        CallError::Guest(e)
    }
}

impl<E> From<Trap> for CallError<E> {
    #[inline]
    fn from(t: Trap) -> Self {
        CallError::Trap(t)
    }
}

impl<E> CallError<E> {
    /// The same outcome with its errno converted: how an extension whose errno extends
    /// preview1's (the generated `From<preview1::Errno>`) returns what a preview1 area returned.
    #[inline]
    pub fn widen<F: From<E>>(self) -> CallError<F> {
        match self {
            CallError::Errno(e) => CallError::Errno(F::from(e)),
            CallError::Guest(g) => CallError::Guest(g),
            CallError::Trap(t) => CallError::Trap(t),
        }
    }
}

impl<E: fmt::Display> fmt::Display for CallError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Errno(e) => write!(f, "errno: {e}"),
            CallError::Guest(e) => e.fmt(f),
            CallError::Trap(t) => t.fmt(f),
        }
    }
}

/// How a host method stops the guest.
#[derive(Debug)]
pub enum Trap {
    /// The guest asked to exit with this status (`proc_exit`): the whole program ends.
    Exit(u32),
    /// The calling thread asked to end with this status (WASIX `thread_exit`); the others go
    /// on. Unwinds with [`ThreadExit`].
    ExitThread(u32),
    /// Abort the guest with this error (a wasm trap, reported with its backtrace).
    Error(wasmtime::Error),
}

impl Trap {
    /// A trap carrying `message`.
    pub fn msg(message: impl fmt::Display + fmt::Debug + Send + Sync + 'static) -> Self {
        Trap::Error(wasmtime::Error::msg(message))
    }

    /// The error wasmtime unwinds the guest with: [`Exit`] for an exit, else the error.
    pub fn into_wasmtime(self) -> wasmtime::Error {
        match self {
            Trap::Exit(code) => wasmtime::Error::new(Exit(code)),
            Trap::ExitThread(code) => wasmtime::Error::new(ThreadExit(code)),
            Trap::Error(e) => e,
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trap::Exit(code) => write!(f, "exit with status {code}"),
            Trap::ExitThread(code) => write!(f, "thread exit with status {code}"),
            Trap::Error(e) => e.fmt(f),
        }
    }
}

/// The error a guest's call to `proc_exit` unwinds with; embedders find the status with
/// `error.downcast_ref::<Exit>()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exit(pub u32);

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "guest exited with status {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// The error a thread's call to a thread-ending function (WASIX `thread_exit`) unwinds with;
/// only that thread ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThreadExit(pub u32);

impl fmt::Display for ThreadExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "guest thread exited with status {}", self.0)
    }
}

impl std::error::Error for ThreadExit {}

/// The trap raised when a guest error has no errno in the module's error type (misaligned
/// pointers, a missing memory export, or a module whose error enum lacks the errno).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuestTrap {
    /// `module::function` that was called.
    pub function: &'static str,
    /// What was wrong.
    pub error: GuestError,
}

impl fmt::Display for GuestTrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.function, self.error)
    }
}

impl std::error::Error for GuestTrap {}

/// A module's errno type as the bindings use it.
pub trait ErrorCode: Copy {
    /// The value returned to the guest.
    fn code(self) -> i32;
    /// The errno a bad guest input is reported as, or `None` to trap.
    fn from_guest_error(error: GuestError) -> Option<Self>;
}

/// Turns a call's outcome into the core wasm result: `0`, an errno, or a trap.
#[doc(hidden)]
#[inline]
pub fn finish<E: ErrorCode>(
    function: &'static str,
    outcome: Result<(), CallError<E>>,
) -> wasmtime::Result<i32> {
    match outcome {
        Ok(()) => Ok(0),
        Err(CallError::Errno(errno)) => Ok(errno.code()),
        Err(CallError::Guest(error)) => match E::from_guest_error(error) {
            Some(errno) => Ok(errno.code()),
            None => Err(wasmtime::Error::new(GuestTrap { function, error })),
        },
        Err(CallError::Trap(trap)) => Err(trap.into_wasmtime()),
    }
}
