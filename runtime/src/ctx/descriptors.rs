//! The public face of a context's descriptor table: what an extension (a trait implemented
//! on [`WasiCtx`], here or in an embedder's crate) uses to look up, add, replace and close
//! guest descriptors under the same rules as preview1's calls (`docs/extensions.md`).

use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::os::fd::BorrowedFd;
use std::path::Path;
use std::sync::Arc;

use super::WasiCtx;
use super::os::{fdflags_of, filetype_of, is_seekable};
use crate::preview1::{Errno, Fd, Fdflags, Filetype, Rights};
use crate::table::{
    DIR_RIGHTS, DIR_WRITE_RIGHTS, EntryRef, FILE_RIGHTS, FILE_WRITE_RIGHTS, FdEntry, FileEntry,
    HOST_RIGHTS, HostDescriptor, Kind, LISTENER_RIGHTS, SOCKET_RIGHTS, Table,
};

/// The rights a new descriptor gets: `base` for calls on it, `inheriting` for descriptors
/// opened through it (empty for anything but a directory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DescriptorRights {
    /// What calls on the descriptor may do.
    pub base: Rights,
    /// What descriptors opened through it may at most do.
    pub inheriting: Rights,
}

impl DescriptorRights {
    /// Every right a file may hold. With any rights, a file that cannot seek (a pipe, a
    /// terminal) loses `FD_SEEK` and `FD_TELL` when inserted.
    pub const FILE: DescriptorRights = DescriptorRights {
        base: FILE_RIGHTS,
        inheriting: Rights::empty(),
    };
    /// A file the guest may only read (and poll, stat and tell its position in).
    pub const FILE_READ_ONLY: DescriptorRights = DescriptorRights {
        base: Rights::FD_READ
            .union(Rights::FD_SEEK)
            .union(Rights::FD_TELL)
            .union(Rights::FD_FILESTAT_GET)
            .union(Rights::POLL_FD_READWRITE),
        inheriting: Rights::empty(),
    };
    /// Every right a connected socket may hold.
    pub const SOCKET: DescriptorRights = DescriptorRights {
        base: SOCKET_RIGHTS,
        inheriting: Rights::empty(),
    };
    /// What a preopened directory holds: every directory right, and every directory and file
    /// right for what is opened beneath it.
    pub const DIR: DescriptorRights = DescriptorRights {
        base: DIR_RIGHTS,
        inheriting: DIR_RIGHTS.union(FILE_RIGHTS),
    };
    /// What a read-only preopen (`--dir host::guest:ro`) holds.
    pub const DIR_READ_ONLY: DescriptorRights = DescriptorRights {
        base: DIR_RIGHTS.difference(DIR_WRITE_RIGHTS),
        inheriting: DIR_RIGHTS
            .union(FILE_RIGHTS)
            .difference(DIR_WRITE_RIGHTS.union(FILE_WRITE_RIGHTS)),
    };
    /// What a preopened listener (`--tcplisten`) holds: accepting, and socket rights for the
    /// connections it accepts.
    pub const LISTENER: DescriptorRights = DescriptorRights {
        base: LISTENER_RIGHTS,
        inheriting: SOCKET_RIGHTS,
    };
    /// Every right a host-defined descriptor may hold ([`HostDescriptor`]): read, write,
    /// seek, tell, flags, `fd_filestat_get`, sync and polling. The guest is told
    /// `ENOTCAPABLE` for a right it lacks before the implementation is asked.
    pub const HOST: DescriptorRights = DescriptorRights {
        base: HOST_RIGHTS,
        inheriting: Rights::empty(),
    };

    /// `self` if it is within `allowed` (`ENOTCAPABLE`; `EINVAL` for inheriting rights on a
    /// kind that opens nothing).
    fn within(self, allowed: DescriptorRights) -> Result<Self, Errno> {
        if !self.inheriting.is_empty() && allowed.inheriting.is_empty() {
            return Err(Errno::Inval);
        }
        if allowed.base.contains(self.base) && allowed.inheriting.contains(self.inheriting) {
            Ok(self)
        } else {
            Err(Errno::Notcapable)
        }
    }
}

/// A context's descriptors, borrowed from [`WasiCtx::descriptors`]. Every change goes
/// through the same table, limit and rights checks as the guest's own calls.
pub struct Descriptors<'a> {
    table: &'a mut Table,
}

/// A read-only view of one open descriptor, from [`Descriptors::get`]. It keeps the OS handle
/// open while it lives, even if another thread of the program closes the descriptor.
pub struct Descriptor<'a>(EntryRef<'a>);

impl WasiCtx {
    /// The guest's descriptors, for extensions implemented on the context.
    pub fn descriptors(&mut self) -> Descriptors<'_> {
        Descriptors {
            table: &mut self.table,
        }
    }
}

/// The entry for a host file, with the rights `asked` if a file of its kind may hold them.
/// `EISDIR` for a directory (the guest reaches directories through preopens only),
/// `ENOTCAPABLE` for rights beyond the file's, `EINVAL` for inheriting rights.
fn file_entry(file: File, asked: DescriptorRights) -> Result<FdEntry, Errno> {
    let filetype = filetype_of(&file);
    let mut allowed = match filetype {
        Filetype::Directory => return Err(Errno::Isdir),
        Filetype::SocketStream | Filetype::SocketDgram => SOCKET_RIGHTS,
        _ => FILE_RIGHTS,
    };
    let mut asked_base = asked.base;
    if !is_seekable(&file) {
        // A stream has no position: seeking is dropped from any rights asked, not refused.
        allowed.remove(Rights::FD_SEEK | Rights::FD_TELL);
        asked_base.remove(Rights::FD_SEEK | Rights::FD_TELL);
    }
    let base = if asked == DescriptorRights::FILE {
        allowed
    } else if allowed.contains(asked_base) {
        asked_base
    } else {
        return Err(Errno::Notcapable);
    };
    if !asked.inheriting.is_empty() {
        return Err(Errno::Inval);
    }
    let flags = fdflags_of(&file);
    Ok(FdEntry {
        kind: Kind::File(FileEntry::owned(file, filetype)).into(),
        rights: base,
        inheriting: Rights::empty(),
        flags,
        preopen: None,
    })
}

/// The entry for a connected socket with the rights `asked` (at most [`SOCKET_RIGHTS`]).
fn socket_entry(socket: TcpStream, asked: DescriptorRights) -> Result<FdEntry, Errno> {
    let rights = asked.within(DescriptorRights::SOCKET)?;
    let flags = fdflags_of(&socket);
    Ok(entry(Kind::Socket(socket), rights, flags, None))
}

/// An entry with `rights` and `flags`.
fn entry(kind: Kind, rights: DescriptorRights, flags: Fdflags, name: Option<&str>) -> FdEntry {
    FdEntry {
        kind: kind.into(),
        rights: rights.base,
        inheriting: rights.inheriting,
        flags,
        preopen: name.map(Arc::from),
    }
}

impl Descriptors<'_> {
    /// Adds `file` at the lowest free descriptor number, as a file (or socket) the guest
    /// then uses with preview1's calls. [`DescriptorRights::FILE`] gives it every right its
    /// kind allows; other rights must be a subset of those (`ENOTCAPABLE`). `EMFILE` when the
    /// table is full, `EISDIR` for a directory.
    pub fn insert_file(&mut self, file: File, rights: DescriptorRights) -> Result<Fd, Errno> {
        let entry = file_entry(file, rights)?;
        self.table.insert(entry)
    }

    /// Adds a connected TCP socket with `rights` (at most [`DescriptorRights::SOCKET`]).
    pub fn insert_socket(
        &mut self,
        socket: TcpStream,
        rights: DescriptorRights,
    ) -> Result<Fd, Errno> {
        let entry = socket_entry(socket, rights)?;
        self.table.insert(entry)
    }

    /// Adds a descriptor the embedder implements (see [`HostDescriptor`]) with `rights` (at
    /// most [`DescriptorRights::HOST`]), no flags set. The table holds `descriptor` until the
    /// guest closes the number (or the context ends); a clone the caller keeps stays usable.
    pub fn insert_host(
        &mut self,
        descriptor: Arc<dyn HostDescriptor>,
        rights: DescriptorRights,
    ) -> Result<Fd, Errno> {
        let rights = rights.within(DescriptorRights::HOST)?;
        let entry = entry(Kind::Host(descriptor), rights, Fdflags::empty(), None);
        self.table.insert(entry)
    }

    /// Opens the host directory `path` and adds it as a directory the guest's path calls are
    /// confined beneath, exactly as a preopen's (`..`, absolute paths and symlinks leading out
    /// are refused, and its listings stop at it). `name`, when given, is the guest name
    /// `fd_prestat_get` reports, making it a preopen; without one it is a plain directory
    /// descriptor. `rights` at most [`DescriptorRights::DIR`]; the host's error (`ENOENT`,
    /// `ENOTDIR`, `EACCES`) if it cannot be opened.
    pub fn insert_dir(
        &mut self,
        path: &Path,
        name: Option<&str>,
        rights: DescriptorRights,
    ) -> Result<Fd, Errno> {
        let rights = rights.within(DescriptorRights::DIR)?;
        let dir = cap_std::fs::Dir::open_ambient_dir(path, cap_std::ambient_authority())?;
        let kind = super::root_dir(dir)?;
        self.table
            .insert(entry(kind, rights, Fdflags::empty(), name))
    }

    /// Adds a listening TCP socket the guest accepts connections from with `sock_accept`, as
    /// a `--tcplisten` one; `rights` at most [`DescriptorRights::LISTENER`], whose
    /// inheriting rights are what each accepted connection gets.
    pub fn insert_listener(
        &mut self,
        listener: TcpListener,
        rights: DescriptorRights,
    ) -> Result<Fd, Errno> {
        let rights = rights.within(DescriptorRights::LISTENER)?;
        let flags = fdflags_of(&listener);
        self.table
            .insert(entry(Kind::Listener(listener), rights, flags, None))
    }

    /// Sets `fd`'s fdflags as the guest's `fd_fdstat_set_flags` does, without needing its
    /// `FD_FDSTAT_SET_FLAGS` right (the embedder is not the guest): `APPEND` and `NONBLOCK`
    /// applied to the host's open file description where the host owns it alone, recorded
    /// (and emulated per call) for standard streams it shares, where a change of `APPEND`
    /// is `ENOTSUP`; a change of the sync flags is `ENOTSUP`; `EBADF` if `fd` is not open.
    pub fn set_flags(&mut self, fd: Fd, flags: Fdflags) -> Result<(), Errno> {
        super::flags::set_flags(self.table, fd, flags, Rights::empty())
    }

    /// The descriptor `fd` if it holds every right in `need`: `EBADF` if it is not open,
    /// `ENOTCAPABLE` if it lacks a right.
    pub fn get(&self, fd: Fd, need: Rights) -> Result<Descriptor<'_>, Errno> {
        self.table.get(fd, need).map(Descriptor)
    }

    /// Makes `fd` (open, `EBADF` otherwise) refer to `file` with `rights`, closing what it
    /// referred to; the same checks as [`insert_file`](Self::insert_file).
    pub fn replace_file(
        &mut self,
        fd: Fd,
        file: File,
        rights: DescriptorRights,
    ) -> Result<(), Errno> {
        let new = file_entry(file, rights)?;
        self.table.update(fd, Rights::empty(), |entry| *entry = new)
    }

    /// Closes `fd` (`EBADF` if it is not open).
    pub fn close(&mut self, fd: Fd) -> Result<(), Errno> {
        self.table.remove(fd).map(drop)
    }

    /// Moves `from` onto `to`, closing what `to` held (`fd_renumber`); both must be open
    /// (`EBADF`).
    pub fn renumber(&mut self, from: Fd, to: Fd) -> Result<(), Errno> {
        self.table.renumber(from, to)
    }
}

impl Descriptor<'_> {
    /// Its filetype, as `fd_fdstat_get` reports it.
    pub fn filetype(&self) -> Filetype {
        self.0.filetype()
    }

    /// What calls on it may do.
    pub fn rights(&self) -> Rights {
        self.0.rights
    }

    /// What descriptors opened through it may at most do.
    pub fn inheriting(&self) -> Rights {
        self.0.inheriting
    }

    /// The fdflags the guest sees.
    pub fn flags(&self) -> Fdflags {
        self.0.flags
    }

    /// The guest name of a preopened directory.
    pub fn preopen(&self) -> Option<&str> {
        self.0.preopen.as_deref()
    }

    /// The host's descriptor, valid while this view lives; `None` for a host-defined
    /// descriptor, which has none of its own.
    pub fn as_fd(&self) -> Option<BorrowedFd<'_>> {
        crate::table::host_fd(&self.0.kind)
    }

    /// The implementation of a host-defined descriptor ([`Descriptors::insert_host`]);
    /// `downcast_ref` finds the embedder's own type in it.
    pub fn host(&self) -> Option<&Arc<dyn HostDescriptor>> {
        match &*self.0.kind {
            Kind::Host(h) => Some(h),
            _ => None,
        }
    }
}
