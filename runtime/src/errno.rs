//! Conversions from host OS errors into [`Errno`], so host methods can use `?` on
//! `std::io::Result`.
//!
//! WASI's errno numbers are its own, so a host error code is translated by meaning, not by
//! value. Host errnos with no WASI case of the same name go to the closest meaningful case;
//! anything unrecognised becomes [`Errno::Io`].

use std::io;

use crate::CallError;
use crate::preview1::Errno;

impl Errno {
    /// The WASI errno for a host OS error code, as returned by
    /// [`io::Error::raw_os_error`].
    ///
    /// On Unix `code` is an `errno` value. Every Linux errno has a mapping; elsewhere the
    /// POSIX ones do. On other systems the code is classified through
    /// [`io::ErrorKind`] instead. Unknown codes, and `0` (which is not an error, but a caller
    /// only asks after something failed), give [`Errno::Io`], never [`Errno::Success`].
    pub fn from_raw_os_error(code: i32) -> Errno {
        #[cfg(unix)]
        {
            posix_errno(code)
        }
        #[cfg(not(unix))]
        {
            // Not an errno (e.g. a Windows error code): let std classify it.
            from_io_error_kind(io::Error::from_raw_os_error(code).kind())
        }
    }
}

impl From<io::Error> for Errno {
    /// Uses the OS error code when there is one, since it is more precise than the
    /// [`io::ErrorKind`] std derives from it (`EPERM` and `EACCES` share a kind, for example).
    fn from(error: io::Error) -> Errno {
        match error.raw_os_error() {
            Some(code) => Errno::from_raw_os_error(code),
            None => from_io_error_kind(error.kind()),
        }
    }
}

impl From<io::Error> for CallError<Errno> {
    fn from(error: io::Error) -> Self {
        CallError::Errno(Errno::from(error))
    }
}

#[cfg(unix)]
impl From<rustix::io::Errno> for Errno {
    #[inline]
    fn from(error: rustix::io::Errno) -> Errno {
        Errno::from_raw_os_error(error.raw_os_error())
    }
}

#[cfg(unix)]
impl From<rustix::io::Errno> for CallError<Errno> {
    #[inline]
    fn from(error: rustix::io::Errno) -> Self {
        CallError::Errno(Errno::from(error))
    }
}

/// The errnos POSIX defines, which every Unix `libc` module has.
#[cfg(unix)]
fn posix_errno(code: i32) -> Errno {
    match code {
        // 0 means "no error"; asked anyway, something did fail, so report a generic failure.
        0 => Errno::Io,
        libc::E2BIG => Errno::E2big,
        libc::EACCES => Errno::Acces,
        libc::EADDRINUSE => Errno::Addrinuse,
        libc::EADDRNOTAVAIL => Errno::Addrnotavail,
        libc::EAFNOSUPPORT => Errno::Afnosupport,
        libc::EAGAIN => Errno::Again,
        libc::EALREADY => Errno::Already,
        libc::EBADF => Errno::Badf,
        libc::EBADMSG => Errno::Badmsg,
        libc::EBUSY => Errno::Busy,
        libc::ECANCELED => Errno::Canceled,
        libc::ECHILD => Errno::Child,
        libc::ECONNABORTED => Errno::Connaborted,
        libc::ECONNREFUSED => Errno::Connrefused,
        libc::ECONNRESET => Errno::Connreset,
        libc::EDEADLK => Errno::Deadlk,
        libc::EDESTADDRREQ => Errno::Destaddrreq,
        libc::EDOM => Errno::Dom,
        libc::EDQUOT => Errno::Dquot,
        libc::EEXIST => Errno::Exist,
        libc::EFAULT => Errno::Fault,
        libc::EFBIG => Errno::Fbig,
        libc::EHOSTUNREACH => Errno::Hostunreach,
        libc::EIDRM => Errno::Idrm,
        libc::EILSEQ => Errno::Ilseq,
        libc::EINPROGRESS => Errno::Inprogress,
        libc::EINTR => Errno::Intr,
        libc::EINVAL => Errno::Inval,
        libc::EIO => Errno::Io,
        libc::EISCONN => Errno::Isconn,
        libc::EISDIR => Errno::Isdir,
        libc::ELOOP => Errno::Loop,
        libc::EMFILE => Errno::Mfile,
        libc::EMLINK => Errno::Mlink,
        libc::EMSGSIZE => Errno::Msgsize,
        // OpenBSD's libc has neither ENOLINK nor EMULTIHOP.
        #[cfg(not(target_os = "openbsd"))]
        libc::EMULTIHOP => Errno::Multihop,
        libc::ENAMETOOLONG => Errno::Nametoolong,
        libc::ENETDOWN => Errno::Netdown,
        libc::ENETRESET => Errno::Netreset,
        libc::ENETUNREACH => Errno::Netunreach,
        libc::ENFILE => Errno::Nfile,
        libc::ENOBUFS => Errno::Nobufs,
        libc::ENODEV => Errno::Nodev,
        libc::ENOENT => Errno::Noent,
        libc::ENOEXEC => Errno::Noexec,
        libc::ENOLCK => Errno::Nolck,
        #[cfg(not(target_os = "openbsd"))]
        libc::ENOLINK => Errno::Nolink,
        libc::ENOMEM => Errno::Nomem,
        libc::ENOMSG => Errno::Nomsg,
        libc::ENOPROTOOPT => Errno::Noprotoopt,
        libc::ENOSPC => Errno::Nospc,
        libc::ENOSYS => Errno::Nosys,
        libc::ENOTCONN => Errno::Notconn,
        libc::ENOTDIR => Errno::Notdir,
        libc::ENOTEMPTY => Errno::Notempty,
        libc::ENOTRECOVERABLE => Errno::Notrecoverable,
        libc::ENOTSOCK => Errno::Notsock,
        // On Linux EOPNOTSUPP is the same code; see the guard arm below.
        libc::ENOTSUP => Errno::Notsup,
        libc::ENOTTY => Errno::Notty,
        libc::ENXIO => Errno::Nxio,
        libc::EOVERFLOW => Errno::Overflow,
        libc::EOWNERDEAD => Errno::Ownerdead,
        libc::EPERM => Errno::Perm,
        libc::EPIPE => Errno::Pipe,
        libc::EPROTO => Errno::Proto,
        libc::EPROTONOSUPPORT => Errno::Protonosupport,
        libc::EPROTOTYPE => Errno::Prototype,
        libc::ERANGE => Errno::Range,
        libc::EROFS => Errno::Rofs,
        libc::ESPIPE => Errno::Spipe,
        libc::ESRCH => Errno::Srch,
        libc::ESTALE => Errno::Stale,
        libc::ETIMEDOUT => Errno::Timedout,
        libc::ETXTBSY => Errno::Txtbsy,
        libc::EXDEV => Errno::Xdev,
        // Aliases are guard arms, not patterns: where they equal the canonical code (EWOULDBLOCK
        // is EAGAIN and EOPNOTSUPP is ENOTSUP on Linux) a pattern would be an unreachable arm,
        // but on other systems they are distinct codes that still need mapping.
        c if c == libc::EWOULDBLOCK => Errno::Again,
        c if c == libc::EOPNOTSUPP => Errno::Notsup,
        _ => os_specific_errno(code).unwrap_or(Errno::Io),
    }
}

/// Linux errnos outside POSIX. Apart from the EDEADLOCK alias none has a WASI case of its
/// own, so each maps to the case closest in meaning. macOS defines some of them too; a macOS table can follow this one.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn os_specific_errno(code: i32) -> Option<Errno> {
    let errno = match code {
        // The argument had to be a block device; the device given is of the wrong kind.
        libc::ENOTBLK => Errno::Nodev,
        // "Channel/link number out of range": a value outside what the driver accepts.
        libc::ECHRNG | libc::ELNRNG => Errno::Range,
        // Link-layer driver states (level 2/3 halted, reset, out of sync; no CSI structure)
        // that only say the device failed.
        libc::EL2NSYNC | libc::EL3HLT | libc::EL3RST | libc::EL2HLT | libc::ENOCSI => Errno::Io,
        // Remote File Sharing leftovers, which report a failure with no finer meaning.
        libc::EADV | libc::ESRMNT | libc::ECOMM | libc::EDOTDOT => Errno::Io,
        // No driver is attached for the protocol, so there is no device to talk to.
        libc::EUNATCH => Errno::Nodev,
        // A request, request code, slot or exchange the driver rejected as invalid.
        libc::EBADE | libc::EBADR | libc::EBADRQC | libc::EBADSLT => Errno::Inval,
        // A table in the driver is full: a buffer-space shortage.
        libc::EXFULL => Errno::Nobufs,
        // An HPFS "no anode" failure: the file system is in a state it cannot handle.
        libc::ENOANO => Errno::Io,
        // Malformed font file: the data is not acceptable input.
        libc::EBFONT => Errno::Inval,
        // STREAMS ioctls on something that is not a STREAM: the control does not apply.
        libc::ENOSTR => Errno::Notty,
        // Linux mostly returns ENODATA for a missing extended attribute: nothing by that name.
        libc::ENODATA => Errno::Noent,
        // A timer ran out.
        libc::ETIME => Errno::Timedout,
        // Out of STREAMS resources.
        libc::ENOSR => Errno::Nobufs,
        // This machine is not on the network.
        libc::ENONET => Errno::Netdown,
        // A kernel package or module (e.g. a crypto algorithm) is missing: the operation is
        // unsupported here. Not Nosys, which guests read as "this call is not implemented".
        libc::ENOPKG => Errno::Notsup,
        // The object is remote, and the operation only works on local ones.
        libc::EREMOTE => Errno::Notsup,
        // Name not unique on the network: something already has that name.
        libc::ENOTUNIQ => Errno::Exist,
        // The descriptor is open but in a state unusable for this call.
        libc::EBADFD => Errno::Badf,
        // The remote address changed under an existing connection.
        libc::EREMCHG => Errno::Netreset,
        // Shared-library failures while loading an executable: it cannot be executed.
        libc::ELIBACC | libc::ELIBBAD | libc::ELIBSCN | libc::ELIBMAX | libc::ELIBEXEC => {
            Errno::Noexec
        }
        // The call was interrupted and should be restarted; guests retry on Intr.
        libc::ERESTART => Errno::Intr,
        // A broken stream pipe, or a socket shut down for writing: the data path is gone, as
        // when a pipe's reader has closed.
        libc::ESTRPIPE | libc::ESHUTDOWN => Errno::Pipe,
        // Too many users of a device that limits them: the device is busy.
        libc::EUSERS => Errno::Busy,
        // Socket type / protocol family unsupported: the family is the address family.
        libc::ESOCKTNOSUPPORT => Errno::Notsup,
        libc::EPFNOSUPPORT => Errno::Afnosupport,
        // Linux returns this when too many descriptors are in flight over Unix sockets.
        libc::ETOOMANYREFS => Errno::Mfile,
        // The host is down: from the guest's point of view it cannot be reached.
        libc::EHOSTDOWN => Errno::Hostunreach,
        // File-system corruption ("structure needs cleaning") or a failed remote I/O.
        libc::EUCLEAN | libc::EREMOTEIO => Errno::Io,
        // XENIX named files: the file is of the wrong type for the call.
        libc::ENOTNAM | libc::EISNAM => Errno::Inval,
        // No XENIX semaphores left: a lock resource is exhausted.
        libc::ENAVAIL => Errno::Nolck,
        // No medium in the drive, or one of the wrong type: no usable device.
        libc::ENOMEDIUM | libc::EMEDIUMTYPE => Errno::Nodev,
        // A key needed for access (e.g. for an encrypted directory) is absent or unusable.
        libc::ENOKEY | libc::EKEYEXPIRED | libc::EKEYREVOKED | libc::EKEYREJECTED => Errno::Acces,
        // Android's libc lacks ERFKILL, EHWPOISON and EDEADLOCK; there ERFKILL becomes Io.
        // A radio switch has the interface disabled.
        #[cfg(target_os = "linux")]
        libc::ERFKILL => Errno::Netdown,
        // A memory page has a hardware error.
        #[cfg(target_os = "linux")]
        libc::EHWPOISON => Errno::Io,
        // EDEADLOCK equals EDEADLK on most architectures but not on PowerPC, MIPS or SPARC.
        #[cfg(target_os = "linux")]
        c if c == libc::EDEADLOCK => Errno::Deadlk,
        _ => return None,
    };
    Some(errno)
}

#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
fn os_specific_errno(_code: i32) -> Option<Errno> {
    None
}

/// The WASI errno for an [`io::Error`] that carries no OS code (or a non-Unix one).
fn from_io_error_kind(kind: io::ErrorKind) -> Errno {
    use io::ErrorKind as K;
    match kind {
        K::NotFound => Errno::Noent,
        // std merges EACCES and EPERM into this kind; EACCES is the usual file-access refusal.
        K::PermissionDenied => Errno::Acces,
        K::ConnectionRefused => Errno::Connrefused,
        K::ConnectionReset => Errno::Connreset,
        K::HostUnreachable => Errno::Hostunreach,
        K::NetworkUnreachable => Errno::Netunreach,
        K::ConnectionAborted => Errno::Connaborted,
        K::NotConnected => Errno::Notconn,
        K::AddrInUse => Errno::Addrinuse,
        K::AddrNotAvailable => Errno::Addrnotavail,
        K::NetworkDown => Errno::Netdown,
        K::BrokenPipe => Errno::Pipe,
        K::AlreadyExists => Errno::Exist,
        K::WouldBlock => Errno::Again,
        K::NotADirectory => Errno::Notdir,
        K::IsADirectory => Errno::Isdir,
        K::DirectoryNotEmpty => Errno::Notempty,
        K::ReadOnlyFilesystem => Errno::Rofs,
        K::StaleNetworkFileHandle => Errno::Stale,
        K::InvalidInput => Errno::Inval,
        // std's own InvalidData errors are mostly text that is not valid UTF-8.
        K::InvalidData => Errno::Ilseq,
        K::TimedOut => Errno::Timedout,
        K::StorageFull => Errno::Nospc,
        K::NotSeekable => Errno::Spipe,
        K::QuotaExceeded => Errno::Dquot,
        K::FileTooLarge => Errno::Fbig,
        K::ResourceBusy => Errno::Busy,
        K::ExecutableFileBusy => Errno::Txtbsy,
        K::Deadlock => Errno::Deadlk,
        K::CrossesDevices => Errno::Xdev,
        K::TooManyLinks => Errno::Mlink,
        // On Unix std produces this kind only for ENAMETOOLONG.
        K::InvalidFilename => Errno::Nametoolong,
        K::ArgumentListTooLong => Errno::E2big,
        K::Interrupted => Errno::Intr,
        // Not Nosys: guests read that as "this call is not implemented by the host".
        K::Unsupported => Errno::Notsup,
        K::OutOfMemory => Errno::Nomem,
        // A short read or a writer that accepted nothing: a failure without a better name.
        K::UnexpectedEof | K::WriteZero | K::Other => Errno::Io,
        // ErrorKind is non-exhaustive; FilesystemLoop and InProgress are still unstable.
        _ => Errno::Io,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_error_code_maps_to_success() {
        for code in 1..=133 {
            assert_ne!(
                Errno::from_raw_os_error(code),
                Errno::Success,
                "code {code}"
            );
        }
    }

    #[test]
    #[cfg(unix)]
    fn non_errors_and_unknown_codes_map_to_io() {
        for code in [0, -1, i32::MIN, 4096, i32::MAX] {
            assert_eq!(Errno::from_raw_os_error(code), Errno::Io, "code {code}");
        }
    }

    /// Every assigned Linux errno has an explicit arm: only the ones deliberately mapped to
    /// `Io` and the unassigned numbers fall through to it.
    #[test]
    #[cfg(all(
        target_os = "linux",
        // These use the asm-generic numbering, in which 41 and 58 are unassigned.
        any(
            target_arch = "x86_64",
            target_arch = "x86",
            target_arch = "aarch64",
            target_arch = "arm",
            target_arch = "riscv64",
            target_arch = "loongarch64"
        )
    ))]
    fn every_linux_errno_has_a_mapping() {
        let deliberately_io = [
            libc::EIO,
            libc::EL2NSYNC,
            libc::EL3HLT,
            libc::EL3RST,
            libc::EL2HLT,
            libc::ENOCSI,
            libc::EADV,
            libc::ESRMNT,
            libc::ECOMM,
            libc::EDOTDOT,
            libc::ENOANO,
            libc::EUCLEAN,
            libc::EREMOTEIO,
            libc::EHWPOISON,
        ];
        for code in 1..=133 {
            let expect_io = deliberately_io.contains(&code) || code == 41 || code == 58;
            let errno = Errno::from_raw_os_error(code);
            assert_eq!(errno == Errno::Io, expect_io, "code {code} -> {errno:?}");
        }
    }

    #[test]
    #[cfg(unix)]
    fn specific_posix_mappings() {
        let table = [
            (libc::EPERM, Errno::Perm),
            (libc::ENOENT, Errno::Noent),
            (libc::EACCES, Errno::Acces),
            (libc::EAGAIN, Errno::Again),
            (libc::EWOULDBLOCK, Errno::Again),
            (libc::ENOTSUP, Errno::Notsup),
            (libc::EOPNOTSUPP, Errno::Notsup),
            (libc::EDEADLK, Errno::Deadlk),
            (libc::E2BIG, Errno::E2big),
            (libc::EBADF, Errno::Badf),
            (libc::EEXIST, Errno::Exist),
            (libc::EISDIR, Errno::Isdir),
            (libc::ENOTDIR, Errno::Notdir),
            (libc::ENOTEMPTY, Errno::Notempty),
            (libc::ELOOP, Errno::Loop),
            (libc::ENAMETOOLONG, Errno::Nametoolong),
            (libc::ENOSYS, Errno::Nosys),
            (libc::EPIPE, Errno::Pipe),
            (libc::ESPIPE, Errno::Spipe),
            (libc::EROFS, Errno::Rofs),
            (libc::EXDEV, Errno::Xdev),
            (libc::ETXTBSY, Errno::Txtbsy),
            (libc::ETIMEDOUT, Errno::Timedout),
            (libc::ECONNREFUSED, Errno::Connrefused),
            (libc::EADDRINUSE, Errno::Addrinuse),
            (libc::EINPROGRESS, Errno::Inprogress),
            (libc::ECANCELED, Errno::Canceled),
            (libc::EOWNERDEAD, Errno::Ownerdead),
            (libc::ENOTRECOVERABLE, Errno::Notrecoverable),
            (libc::EDQUOT, Errno::Dquot),
            (libc::ESTALE, Errno::Stale),
            (libc::EILSEQ, Errno::Ilseq),
        ];
        for (code, expected) in table {
            assert_eq!(Errno::from_raw_os_error(code), expected, "code {code}");
        }
    }

    #[test]
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn specific_linux_mappings() {
        let table = [
            (libc::ETIME, Errno::Timedout),
            (libc::EBADFD, Errno::Badf),
            (libc::ESTRPIPE, Errno::Pipe),
            (libc::ESHUTDOWN, Errno::Pipe),
            (libc::EPFNOSUPPORT, Errno::Afnosupport),
            (libc::ESOCKTNOSUPPORT, Errno::Notsup),
            (libc::EHOSTDOWN, Errno::Hostunreach),
            (libc::ENOMEDIUM, Errno::Nodev),
            (libc::EMEDIUMTYPE, Errno::Nodev),
            (libc::ELIBBAD, Errno::Noexec),
            (libc::ELIBEXEC, Errno::Noexec),
            (libc::ERESTART, Errno::Intr),
            (libc::ENODATA, Errno::Noent),
            (libc::ENOKEY, Errno::Acces),
            (libc::ECHRNG, Errno::Range),
            (libc::EUCLEAN, Errno::Io),
        ];
        for (code, expected) in table {
            assert_eq!(Errno::from_raw_os_error(code), expected, "code {code}");
        }
        #[cfg(target_os = "linux")]
        {
            assert_eq!(Errno::from_raw_os_error(libc::EDEADLOCK), Errno::Deadlk);
            assert_eq!(Errno::from_raw_os_error(libc::ERFKILL), Errno::Netdown);
        }
    }

    #[test]
    #[cfg(unix)]
    fn io_error_with_os_code_uses_the_code() {
        let cases = [
            (libc::ENOENT, Errno::Noent),
            // Both share ErrorKind::PermissionDenied; only the code tells them apart.
            (libc::EPERM, Errno::Perm),
            (libc::EACCES, Errno::Acces),
            // ENOSYS has kind Unsupported, which on its own would give Notsup.
            (libc::ENOSYS, Errno::Nosys),
            (libc::EMSGSIZE, Errno::Msgsize),
        ];
        for (code, expected) in cases {
            let error = io::Error::from_raw_os_error(code);
            assert_eq!(Errno::from(error), expected, "code {code}");
        }
    }

    #[test]
    fn io_error_without_os_code_uses_the_kind() {
        use io::ErrorKind as K;
        let cases = [
            (K::NotFound, Errno::Noent),
            (K::PermissionDenied, Errno::Acces),
            (K::ConnectionRefused, Errno::Connrefused),
            (K::ConnectionReset, Errno::Connreset),
            (K::HostUnreachable, Errno::Hostunreach),
            (K::NetworkUnreachable, Errno::Netunreach),
            (K::ConnectionAborted, Errno::Connaborted),
            (K::NotConnected, Errno::Notconn),
            (K::AddrInUse, Errno::Addrinuse),
            (K::AddrNotAvailable, Errno::Addrnotavail),
            (K::NetworkDown, Errno::Netdown),
            (K::BrokenPipe, Errno::Pipe),
            (K::AlreadyExists, Errno::Exist),
            (K::WouldBlock, Errno::Again),
            (K::NotADirectory, Errno::Notdir),
            (K::IsADirectory, Errno::Isdir),
            (K::DirectoryNotEmpty, Errno::Notempty),
            (K::ReadOnlyFilesystem, Errno::Rofs),
            (K::StaleNetworkFileHandle, Errno::Stale),
            (K::InvalidInput, Errno::Inval),
            (K::InvalidData, Errno::Ilseq),
            (K::TimedOut, Errno::Timedout),
            (K::WriteZero, Errno::Io),
            (K::StorageFull, Errno::Nospc),
            (K::NotSeekable, Errno::Spipe),
            (K::QuotaExceeded, Errno::Dquot),
            (K::FileTooLarge, Errno::Fbig),
            (K::ResourceBusy, Errno::Busy),
            (K::ExecutableFileBusy, Errno::Txtbsy),
            (K::Deadlock, Errno::Deadlk),
            (K::CrossesDevices, Errno::Xdev),
            (K::TooManyLinks, Errno::Mlink),
            (K::InvalidFilename, Errno::Nametoolong),
            (K::ArgumentListTooLong, Errno::E2big),
            (K::Interrupted, Errno::Intr),
            (K::Unsupported, Errno::Notsup),
            (K::UnexpectedEof, Errno::Io),
            (K::OutOfMemory, Errno::Nomem),
            (K::Other, Errno::Io),
        ];
        for (kind, expected) in cases {
            assert_eq!(Errno::from(io::Error::from(kind)), expected, "{kind:?}");
        }
        let with_message = io::Error::new(K::TimedOut, "peer too slow");
        assert_eq!(Errno::from(with_message), Errno::Timedout);
        assert_eq!(Errno::from(io::Error::other("x")), Errno::Io);
    }

    /// Where std gives a Linux errno a specific kind, the kind alone leads to the same errno,
    /// apart from the two cases the kind cannot express.
    #[test]
    #[cfg(unix)]
    fn kind_mapping_agrees_with_code_mapping() {
        for code in 1..=133 {
            let by_kind = from_io_error_kind(io::Error::from_raw_os_error(code).kind());
            if by_kind == Errno::Io || code == libc::EPERM || code == libc::ENOSYS {
                continue;
            }
            assert_eq!(by_kind, Errno::from_raw_os_error(code), "code {code}");
        }
    }

    #[test]
    #[cfg(unix)]
    fn question_mark_turns_io_errors_into_call_errors() {
        fn stat(path: &std::path::Path) -> Result<u64, CallError<Errno>> {
            Ok(std::fs::metadata(path)?.len())
        }
        fn fail(error: io::Error) -> Result<(), CallError<Errno>> {
            Err(error)?
        }

        let missing = std::env::temp_dir().join(format!(
            "wasi-host-errno-test-missing-{}",
            std::process::id()
        ));
        assert!(matches!(
            stat(&missing),
            Err(CallError::Errno(Errno::Noent))
        ));
        assert!(stat(&std::env::temp_dir()).is_ok());
        assert!(matches!(
            fail(io::Error::from(io::ErrorKind::BrokenPipe)),
            Err(CallError::Errno(Errno::Pipe))
        ));
        assert!(matches!(
            fail(io::Error::from_raw_os_error(libc::EXDEV)),
            Err(CallError::Errno(Errno::Xdev))
        ));
    }
}
