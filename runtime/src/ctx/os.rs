//! Facts about host descriptors that creating a guest descriptor needs (its filetype, flags,
//! whether it seeks).

use std::fs::File;
use std::os::fd::AsFd;

use rustix::fs::{FileType, SeekFrom};

use crate::preview1::{Fdflags, Filetype};

/// The preview1 filetype of a host file mode or directory entry type.
pub(crate) fn filetype_from(t: FileType) -> Filetype {
    match t {
        FileType::RegularFile => Filetype::RegularFile,
        FileType::Directory => Filetype::Directory,
        FileType::Symlink => Filetype::SymbolicLink,
        FileType::CharacterDevice => Filetype::CharacterDevice,
        FileType::BlockDevice => Filetype::BlockDevice,
        // The mode cannot tell a stream socket from a datagram one; streams are the common
        // case (Unix sockets in a directory).
        FileType::Socket => Filetype::SocketStream,
        // Preview1 has no FIFO type.
        _ => Filetype::Unknown,
    }
}

/// The filetype of an open file, as preview1 names it (one `fstat`, plus `getsockopt` for a
/// socket).
pub(crate) fn filetype_of(file: &File) -> Filetype {
    let Ok(stat) = rustix::fs::fstat(file) else {
        return Filetype::Unknown;
    };
    match filetype_from(FileType::from_raw_mode(stat.st_mode)) {
        Filetype::SocketStream => match rustix::net::sockopt::socket_type(file) {
            Ok(rustix::net::SocketType::STREAM) => Filetype::SocketStream,
            Ok(rustix::net::SocketType::DGRAM) => Filetype::SocketDgram,
            _ => Filetype::Unknown,
        },
        other => other,
    }
}

/// The fdflags an open file (or socket) has on the host.
pub(crate) fn fdflags_of(file: &impl AsFd) -> Fdflags {
    let Ok(oflags) = rustix::fs::fcntl_getfl(file) else {
        return Fdflags::empty();
    };
    // libc's values: rustix folds O_DSYNC into O_SYNC on Linux.
    let bits = oflags.bits() as libc::c_int;
    let mut flags = Fdflags::empty();
    flags.set(Fdflags::APPEND, bits & libc::O_APPEND != 0);
    flags.set(Fdflags::NONBLOCK, bits & libc::O_NONBLOCK != 0);
    if bits & libc::O_SYNC == libc::O_SYNC {
        flags |= Fdflags::SYNC;
    } else if bits & libc::O_DSYNC != 0 {
        flags |= Fdflags::DSYNC;
    }
    flags
}

/// Whether the file has a position the guest may seek and tell: regular files and devices
/// like `/dev/null` do, ttys, pipes and sockets do not. wasi-libc's `isatty` relies on a tty
/// lacking these rights.
pub(crate) fn is_seekable(file: &File) -> bool {
    rustix::fs::seek(file, SeekFrom::Current(0)).is_ok()
}

/// The device and inode number of an open directory.
#[allow(clippy::unnecessary_cast)] // field widths differ between targets
pub(crate) fn dev_ino(dir: &cap_std::fs::Dir) -> std::io::Result<(u64, u64)> {
    let st = rustix::fs::fstat(dir)?;
    Ok((st.st_dev as u64, st.st_ino as u64))
}
