//! The descriptor table: what each guest fd refers to, with its rights and flags.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::os::fd::OwnedFd;

use crate::preview1::{Errno, Fd, Fdflags, Filetype, Rights};

/// What a descriptor refers to.
pub(crate) enum Kind {
    /// Anything read and written as a byte stream or file: regular files, stdio, pipes,
    /// character devices.
    File(FileEntry),
    /// A directory, with its listing cache for `fd_readdir`.
    Dir(DirEntry),
    /// A connected TCP socket.
    Socket(TcpStream),
    /// A listening TCP socket (`--tcplisten`).
    Listener(TcpListener),
    /// A socket the guest created through the WasmEdge socket calls, in any state (new,
    /// bound, listening, connected), or one accepted from such a listener.
    Net(NetSocket),
}

/// A guest-created socket (`host::wasmedge`).
pub(crate) struct NetSocket {
    pub fd: OwnedFd,
    /// UDP rather than TCP.
    pub dgram: bool,
    /// IPv6 rather than IPv4.
    pub v6: bool,
}

/// A file-like descriptor.
pub(crate) struct FileEntry {
    pub file: File,
    /// What `fd_fdstat_get` reports, found once when the descriptor is created.
    pub filetype: Filetype,
    /// For an open file description shared with the host (stdio): whether the host has
    /// `O_NONBLOCK` on it. Such a description's flags are never changed; the guest's
    /// `NONBLOCK` lives in the entry's flags and is emulated per call where it differs
    /// (`host::fd::stdio`). `None` for descriptions the host owns alone, whose flags are set
    /// for real.
    pub shared_nonblock: Option<bool>,
}

impl FileEntry {
    /// A file the host opened itself (its flags may be changed).
    pub fn owned(file: File, filetype: Filetype) -> Self {
        FileEntry {
            file,
            filetype,
            shared_nonblock: None,
        }
    }
}

/// A directory descriptor.
pub(crate) struct DirEntry {
    pub dir: cap_std::fs::Dir,
    /// The listing `fd_readdir` serves cookies from; read once per rewind (cookie 0).
    pub listing: Option<crate::host::dir::Listing>,
    /// Device and inode of the preopen this directory was reached from: a listing of that
    /// directory, whatever descriptor it is read through, must not reveal its parent.
    pub root: (u64, u64),
}

/// One open descriptor.
pub(crate) struct FdEntry {
    pub kind: Kind,
    /// What calls on this fd may do.
    pub rights: Rights,
    /// What descriptors opened through this one may at most do.
    pub inheriting: Rights,
    /// The fdflags the guest sees (`APPEND`, `NONBLOCK`, the sync flags).
    pub flags: Fdflags,
    /// The guest name of a preopened directory.
    pub preopen: Option<String>,
}

impl FdEntry {
    /// The filetype `fd_fdstat_get` reports.
    pub fn filetype(&self) -> Filetype {
        match &self.kind {
            Kind::File(f) => f.filetype,
            Kind::Dir(_) => Filetype::Directory,
            Kind::Socket(_) | Kind::Listener(_) => Filetype::SocketStream,
            Kind::Net(n) if n.dgram => Filetype::SocketDgram,
            Kind::Net(_) => Filetype::SocketStream,
        }
    }
}

/// Rights of a regular file or other byte stream.
pub(crate) const FILE_RIGHTS: Rights = Rights::FD_DATASYNC
    .union(Rights::FD_READ)
    .union(Rights::FD_SEEK)
    .union(Rights::FD_FDSTAT_SET_FLAGS)
    .union(Rights::FD_SYNC)
    .union(Rights::FD_TELL)
    .union(Rights::FD_WRITE)
    .union(Rights::FD_ADVISE)
    .union(Rights::FD_ALLOCATE)
    .union(Rights::FD_FILESTAT_GET)
    .union(Rights::FD_FILESTAT_SET_SIZE)
    .union(Rights::FD_FILESTAT_SET_TIMES)
    .union(Rights::POLL_FD_READWRITE);

/// Rights of a standard stream: byte I/O, polling, flags, `fstat` and sync, never anything
/// that rewrites or repositions a file the host's user redirected it to (no seek, truncate,
/// set-times, allocate or advise). A stream that can seek gets `FD_TELL` alone, which is
/// harmless and is what tells wasi-libc's `isatty` that `/dev/null` is no terminal.
pub(crate) const STDIO_RIGHTS: Rights = Rights::FD_READ
    .union(Rights::FD_WRITE)
    .union(Rights::POLL_FD_READWRITE)
    .union(Rights::FD_FDSTAT_SET_FLAGS)
    .union(Rights::FD_FILESTAT_GET)
    .union(Rights::FD_SYNC)
    .union(Rights::FD_DATASYNC);

/// The rights a read-only file lacks.
pub(crate) const FILE_WRITE_RIGHTS: Rights = Rights::FD_DATASYNC
    .union(Rights::FD_WRITE)
    .union(Rights::FD_ALLOCATE)
    .union(Rights::FD_FILESTAT_SET_SIZE)
    .union(Rights::FD_FILESTAT_SET_TIMES);

/// Rights of a directory.
pub(crate) const DIR_RIGHTS: Rights = Rights::FD_FDSTAT_SET_FLAGS
    .union(Rights::FD_SYNC)
    .union(Rights::FD_DATASYNC)
    .union(Rights::FD_ADVISE)
    .union(Rights::PATH_CREATE_DIRECTORY)
    .union(Rights::PATH_CREATE_FILE)
    .union(Rights::PATH_LINK_SOURCE)
    .union(Rights::PATH_LINK_TARGET)
    .union(Rights::PATH_OPEN)
    .union(Rights::FD_READDIR)
    .union(Rights::PATH_READLINK)
    .union(Rights::PATH_RENAME_SOURCE)
    .union(Rights::PATH_RENAME_TARGET)
    .union(Rights::PATH_FILESTAT_GET)
    .union(Rights::PATH_FILESTAT_SET_SIZE)
    .union(Rights::PATH_FILESTAT_SET_TIMES)
    .union(Rights::FD_FILESTAT_GET)
    .union(Rights::FD_FILESTAT_SET_TIMES)
    .union(Rights::PATH_SYMLINK)
    .union(Rights::PATH_REMOVE_DIRECTORY)
    .union(Rights::PATH_UNLINK_FILE);

/// The rights a read-only directory lacks.
pub(crate) const DIR_WRITE_RIGHTS: Rights = Rights::PATH_CREATE_DIRECTORY
    .union(Rights::PATH_CREATE_FILE)
    .union(Rights::PATH_LINK_SOURCE)
    .union(Rights::PATH_LINK_TARGET)
    .union(Rights::PATH_RENAME_SOURCE)
    .union(Rights::PATH_RENAME_TARGET)
    .union(Rights::PATH_FILESTAT_SET_SIZE)
    .union(Rights::PATH_FILESTAT_SET_TIMES)
    .union(Rights::FD_FILESTAT_SET_TIMES)
    .union(Rights::PATH_SYMLINK)
    .union(Rights::PATH_REMOVE_DIRECTORY)
    .union(Rights::PATH_UNLINK_FILE);

/// Rights of a connected socket.
pub(crate) const SOCKET_RIGHTS: Rights = Rights::FD_READ
    .union(Rights::FD_WRITE)
    .union(Rights::FD_FDSTAT_SET_FLAGS)
    .union(Rights::FD_FILESTAT_GET)
    .union(Rights::POLL_FD_READWRITE)
    .union(Rights::SOCK_SHUTDOWN);

/// Rights of a socket the guest created: it may come to listen or to connect.
pub(crate) const NET_RIGHTS: Rights = SOCKET_RIGHTS.union(Rights::SOCK_ACCEPT);

/// Rights of a listening socket.
pub(crate) const LISTENER_RIGHTS: Rights = Rights::SOCK_ACCEPT
    .union(Rights::FD_FDSTAT_SET_FLAGS)
    .union(Rights::FD_FILESTAT_GET)
    .union(Rights::POLL_FD_READWRITE);

/// Guest fd → entry. New descriptors take the lowest free number, as POSIX does.
pub(crate) struct FdTable {
    slots: Vec<Option<FdEntry>>,
    free: BinaryHeap<Reverse<u32>>,
    open: u32,
    limit: u32,
}

impl FdTable {
    pub fn new(limit: u32) -> Self {
        FdTable {
            slots: Vec::new(),
            free: BinaryHeap::new(),
            open: 0,
            limit,
        }
    }

    /// Adds `entry` at the lowest free fd; `EMFILE` when the table holds `limit` descriptors.
    pub fn insert(&mut self, entry: FdEntry) -> Result<Fd, Errno> {
        if self.open >= self.limit || !crate::limits::take_process_descriptor() {
            return Err(Errno::Mfile);
        }
        let fd = match self.free.pop() {
            Some(Reverse(fd)) => fd,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        self.slots[fd as usize] = Some(entry);
        self.open += 1;
        Ok(Fd(fd))
    }

    /// Adds `entry` at the lowest free fd that is at least `min` (`fcntl(F_DUPFD)`):
    /// `EINVAL` when `min` is not below the limit, `EMFILE` when no number from `min` up to
    /// the limit is free (every fd stays below the limit).
    pub fn insert_at_least(&mut self, entry: FdEntry, min: u32) -> Result<Fd, Errno> {
        if min >= self.limit {
            return Err(Errno::Inval);
        }
        let free = (min as usize..self.slots.len()).find(|&i| self.slots[i].is_none());
        let fd = free.unwrap_or(self.slots.len().max(min as usize));
        if fd >= self.limit as usize
            || self.open >= self.limit
            || !crate::limits::take_process_descriptor()
        {
            return Err(Errno::Mfile);
        }
        if free.is_some() {
            self.free.retain(|Reverse(f)| *f as usize != fd);
        } else {
            // Grow to `fd`, the slots skipped over becoming free; bounded by the limit.
            for skipped in self.slots.len()..fd {
                self.free.push(Reverse(skipped as u32));
            }
            self.slots.resize_with(fd + 1, || None);
        }
        self.slots[fd] = Some(entry);
        self.open += 1;
        Ok(Fd(fd as u32))
    }

    /// The entry at `fd`, if it holds every right in `need` (else `EBADF` / `ENOTCAPABLE`).
    #[inline]
    pub fn get(&mut self, fd: Fd, need: Rights) -> Result<&mut FdEntry, Errno> {
        let entry = self
            .slots
            .get_mut(fd.0 as usize)
            .and_then(Option::as_mut)
            .ok_or(Errno::Badf)?;
        if entry.rights.contains(need) {
            Ok(entry)
        } else {
            Err(Errno::Notcapable)
        }
    }

    /// Like [`get`](Self::get), shared, so that two entries can be held at once.
    #[inline]
    pub fn get_ref(&self, fd: Fd, need: Rights) -> Result<&FdEntry, Errno> {
        let entry = self
            .slots
            .get(fd.0 as usize)
            .and_then(Option::as_ref)
            .ok_or(Errno::Badf)?;
        if entry.rights.contains(need) {
            Ok(entry)
        } else {
            Err(Errno::Notcapable)
        }
    }

    /// The most descriptors the table may hold.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// Whether `fd` is open.
    pub fn contains(&self, fd: Fd) -> bool {
        matches!(self.slots.get(fd.0 as usize), Some(Some(_)))
    }

    /// Removes and returns the entry at `fd`.
    pub fn remove(&mut self, fd: Fd) -> Result<FdEntry, Errno> {
        let entry = self
            .slots
            .get_mut(fd.0 as usize)
            .and_then(Option::take)
            .ok_or(Errno::Badf)?;
        self.free.push(Reverse(fd.0));
        self.open -= 1;
        crate::limits::release_process_descriptors(1);
        Ok(entry)
    }

    /// Moves `from` onto `to`, closing what `to` held; both must be open (`EBADF`).
    pub fn renumber(&mut self, from: Fd, to: Fd) -> Result<(), Errno> {
        if !self.contains(from) || !self.contains(to) {
            return Err(Errno::Badf);
        }
        if from == to {
            return Ok(());
        }
        let entry = self.remove(from)?;
        self.slots[to.0 as usize] = Some(entry);
        Ok(())
    }
}

impl Drop for FdTable {
    fn drop(&mut self) {
        crate::limits::release_process_descriptors(self.open);
    }
}
