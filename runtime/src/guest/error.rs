use std::fmt;

/// Why a value supplied by the guest could not be decoded or a guest address used.
///
/// Generated bindings turn each of these into the module's errno or into a trap; the rules
/// are written down in `docs/guest-memory.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestError {
    /// `ptr .. ptr + len` is not inside linear memory (or wraps past 2^32).
    OutOfBounds {
        /// The guest address.
        ptr: u32,
        /// The number of bytes that were to be accessed there.
        len: u64,
    },
    /// `ptr` is not a multiple of the alignment the pointed-to type requires.
    Misaligned {
        /// The guest address.
        ptr: u32,
        /// The required alignment in bytes.
        align: u32,
    },
    /// A value outside its type: an undefined enum or variant tag, or an integer too wide.
    InvalidValue {
        /// The WITX type name.
        type_name: &'static str,
        /// The value found.
        value: u64,
    },
    /// Flag bits that the type does not define.
    InvalidFlags {
        /// The WITX type name.
        type_name: &'static str,
        /// The bits found.
        bits: u64,
    },
    /// A string argument that is not valid UTF-8.
    InvalidUtf8,
    /// A list longer than the host accepts (see [`IOV_MAX`](crate::guest::IOV_MAX)).
    TooLong {
        /// The element count asked for.
        len: u32,
        /// The largest count accepted.
        max: u32,
    },
    /// A string that would have to be copied (shared memory, or overlapping an output
    /// buffer) is longer than the host copies (see [`STRING_COPY_MAX`](crate::guest::STRING_COPY_MAX)).
    StringTooLong {
        /// The string's length in bytes.
        len: u32,
        /// The longest copied.
        max: u32,
    },
    /// The calling module exports no linear memory named `memory`.
    NoMemory,
}

impl fmt::Display for GuestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            GuestError::OutOfBounds { ptr, len } => {
                write!(f, "guest range {ptr:#x}+{len} is outside linear memory")
            }
            GuestError::Misaligned { ptr, align } => {
                write!(f, "guest pointer {ptr:#x} is not aligned to {align} bytes")
            }
            GuestError::InvalidValue { type_name, value } => {
                write!(f, "{value} is not a valid `{type_name}`")
            }
            GuestError::InvalidFlags { type_name, bits } => {
                write!(
                    f,
                    "{bits:#x} has bits that are not defined for `{type_name}`"
                )
            }
            GuestError::InvalidUtf8 => f.write_str("string is not valid UTF-8"),
            GuestError::TooLong { len, max } => {
                write!(
                    f,
                    "list of {len} elements is longer than the {max} accepted"
                )
            }
            GuestError::StringTooLong { len, max } => {
                write!(f, "string of {len} bytes is longer than the {max} copied")
            }
            GuestError::NoMemory => f.write_str("the calling module exports no `memory`"),
        }
    }
}

impl std::error::Error for GuestError {}
