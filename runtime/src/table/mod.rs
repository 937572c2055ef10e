//! The descriptor table: what each guest fd refers to, with its rights and flags.
//!
//! A program that never spawns a thread has one context that owns its [`Table`] outright:
//! no lock and no atomic operation on any call. When the first thread is spawned
//! ([`Table::share`]) the slots move behind an `Arc<Mutex<…>>` that every thread's context
//! holds. A lookup then takes the lock only to copy the entry out (its [`Kind`] is behind an
//! `Arc`, so the copy is a reference count and a few words) and releases it before the caller
//! makes any system call: a blocking read on one descriptor never stops another thread's
//! calls, and a descriptor closed while another thread uses it stays open until that use ends
//! (the next lookup of its number gets `EBADF`). Host code sees entries only through
//! [`Table::get`] / [`Table::get_in`] (read-only) and [`Table::update`] (the rights and
//! flags), which behave the same in both modes.
//!
//! Two lookups: [`Table::get`] returns an [`EntryRef`], convenient to pass around;
//! [`Table::get_in`] keeps a shared table's snapshot in a slot on the caller's stack and
//! returns a plain `&FdEntry`. The hot calls (`fd_read`, `fd_write`, `fd_seek`, `fd_tell`,
//! `fd_pread`, `fd_pwrite`, `fd_fdstat_get`, `fd_filestat_get`) use the latter: with
//! `EntryRef` every use of the entry tests which variant it holds, and `fd_seek` measured
//! 7% slower for it (`docs/threads.md`).
//!
//! What an entry refers to is a [`Kind`]: the OS objects this host creates (files and the
//! streams held as files, directories, sockets, listeners), and [`Kind::Host`], a descriptor
//! the embedder implements ([`HostDescriptor`], `docs/extensions.md`). Every kind but that
//! one has a host descriptor ([`host_fd`]); calls that make a system call on it take the
//! host kind's `None` as the branch to its trait method (or to the errno of an object
//! without the ability), so the OS never sees a descriptor that is not the entry's own. An
//! ordinary file pays an arm of a match it already made for it (`fd_read` and `fd_write` pick
//! their route and the host descriptor in one match). A new kind of OS object is a
//! variant here plus an arm in the matches that the compiler then lists.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::net::{TcpListener, TcpStream};
use std::ops::Deref;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use crate::preview1::{Errno, Fd, Fdflags, Filetype, Rights};

pub(crate) mod host;
pub(crate) mod listing;

pub use host::HostDescriptor;

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
    /// A descriptor the embedder implements ([`HostDescriptor`]); it has no host descriptor
    /// of its own, so [`host_fd`] gives none and each call routes it to the trait first.
    Host(Arc<dyn HostDescriptor>),
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
    /// The listing `fd_readdir` serves cookies from; read once per rewind (cookie 0). Locked
    /// only by `fd_readdir` (threads may share the descriptor).
    pub listing: Mutex<Option<listing::Listing>>,
    /// Device and inode of the preopen this directory was reached from: a listing of that
    /// directory, whatever descriptor it is read through, must not reveal its parent.
    pub root: (u64, u64),
}

/// One open descriptor. Cloning it is cheap (the OS handle is behind an `Arc`) and gives a
/// snapshot of its rights and flags; it is how a shared table hands entries out.
#[derive(Clone)]
pub(crate) struct FdEntry {
    pub kind: Arc<Kind>,
    /// What calls on this fd may do.
    pub rights: Rights,
    /// What descriptors opened through this one may at most do.
    pub inheriting: Rights,
    /// The fdflags the guest sees (`APPEND`, `NONBLOCK`, the sync flags).
    pub flags: Fdflags,
    /// The guest name of a preopened directory.
    pub preopen: Option<Arc<str>>,
}

impl FdEntry {
    /// The filetype `fd_fdstat_get` reports.
    pub fn filetype(&self) -> Filetype {
        match &*self.kind {
            Kind::File(f) => f.filetype,
            Kind::Dir(_) => Filetype::Directory,
            Kind::Socket(_) | Kind::Listener(_) => Filetype::SocketStream,
            Kind::Net(n) if n.dgram => Filetype::SocketDgram,
            Kind::Net(_) => Filetype::SocketStream,
            Kind::Host(h) => h.filetype(),
        }
    }
}

/// The host descriptor behind a table entry: `None` exactly for a host-defined kind, which
/// callers route to its [`HostDescriptor`] methods (the `else` of their `let Some(fd)`), so
/// an OS call never sees a descriptor that is not the entry's own.
#[inline]
pub(crate) fn host_fd(kind: &Kind) -> Option<BorrowedFd<'_>> {
    Some(match kind {
        Kind::File(f) => f.file.as_fd(),
        Kind::Dir(d) => d.dir.as_fd(),
        Kind::Socket(s) => s.as_fd(),
        Kind::Listener(l) => l.as_fd(),
        Kind::Net(n) => n.fd.as_fd(),
        Kind::Host(_) => return None,
    })
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

/// Rights a host-defined descriptor may hold: byte I/O, position, flags, `fstat`, sync and
/// polling, the calls [`HostDescriptor`] has a method (or the entry a field) for. Anything
/// else (truncate, set-times, allocate, advise) the guest is refused with `ENOTCAPABLE`, as
/// it is on a standard stream.
pub(crate) const HOST_RIGHTS: Rights = Rights::FD_READ
    .union(Rights::FD_WRITE)
    .union(Rights::FD_SEEK)
    .union(Rights::FD_TELL)
    .union(Rights::FD_FDSTAT_SET_FLAGS)
    .union(Rights::FD_FILESTAT_GET)
    .union(Rights::FD_SYNC)
    .union(Rights::FD_DATASYNC)
    .union(Rights::POLL_FD_READWRITE);

/// Rights of a listening socket.
pub(crate) const LISTENER_RIGHTS: Rights = Rights::SOCK_ACCEPT
    .union(Rights::FD_FDSTAT_SET_FLAGS)
    .union(Rights::FD_FILESTAT_GET)
    .union(Rights::POLL_FD_READWRITE);

/// Guest fd → entry. New descriptors take the lowest free number, as POSIX does.
struct FdTable {
    slots: Vec<Option<FdEntry>>,
    free: BinaryHeap<Reverse<u32>>,
    open: u32,
    limit: u32,
}

impl FdTable {
    fn new(limit: u32) -> Self {
        FdTable {
            slots: Vec::new(),
            free: BinaryHeap::new(),
            open: 0,
            limit,
        }
    }

    /// Adds `entry` at the lowest free fd; `EMFILE` when the table holds `limit` descriptors.
    fn insert(&mut self, entry: FdEntry) -> Result<Fd, Errno> {
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
    fn insert_at_least(&mut self, entry: FdEntry, min: u32) -> Result<Fd, Errno> {
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
    fn get_mut(&mut self, fd: Fd, need: Rights) -> Result<&mut FdEntry, Errno> {
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

    /// Like [`get_mut`](Self::get_mut), shared.
    #[inline(always)]
    fn get(&self, fd: Fd, need: Rights) -> Result<&FdEntry, Errno> {
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
    fn limit(&self) -> u32 {
        self.limit
    }

    /// Whether `fd` is open.
    fn contains(&self, fd: Fd) -> bool {
        matches!(self.slots.get(fd.0 as usize), Some(Some(_)))
    }

    /// Removes and returns the entry at `fd`.
    fn remove(&mut self, fd: Fd) -> Result<FdEntry, Errno> {
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
    fn renumber(&mut self, from: Fd, to: Fd) -> Result<(), Errno> {
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

/// The descriptor table of a context: owned by it alone, or (once a thread has been spawned)
/// shared with every context of the program. See the module documentation.
pub(crate) struct Table(Repr);

enum Repr {
    Own(FdTable),
    Shared(Arc<Mutex<FdTable>>),
}

/// An entry found by [`Table::get`]: borrowed from an owned table, or a snapshot copied out of
/// a shared one (holding its OS handle alive, with no lock held).
pub(crate) enum EntryRef<'a> {
    Borrowed(&'a FdEntry),
    Copied(FdEntry),
}

impl Deref for EntryRef<'_> {
    type Target = FdEntry;

    #[inline(always)]
    fn deref(&self) -> &FdEntry {
        match self {
            EntryRef::Borrowed(entry) => entry,
            EntryRef::Copied(entry) => entry,
        }
    }
}

/// A snapshot of the entry at `fd` in a shared table, copied under its lock.
#[inline(never)]
fn copy_out(table: &Mutex<FdTable>, fd: Fd, need: Rights) -> Result<FdEntry, Errno> {
    lock(table).get(fd, need).cloned()
}

/// Locks a shared table. A panic while it was held (a host bug) left the slots consistent:
/// every method changes them in one step after its checks.
fn lock(table: &Mutex<FdTable>) -> MutexGuard<'_, FdTable> {
    table.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Table {
    /// An empty table of at most `limit` descriptors, owned by one context.
    pub fn new(limit: u32) -> Self {
        Table(Repr::Own(FdTable::new(limit)))
    }

    /// The entry at `fd`, if it holds every right in `need` (else `EBADF` / `ENOTCAPABLE`).
    /// Several may be held at once.
    ///
    /// Inlined into every call (an owned table's lookup is an index and a rights check, the
    /// hot path of `fd_write` and `fd_seek`); a shared table's locked copy stays out of line.
    #[inline(always)]
    pub fn get(&self, fd: Fd, need: Rights) -> Result<EntryRef<'_>, Errno> {
        match &self.0 {
            Repr::Own(table) => table.get(fd, need).map(EntryRef::Borrowed),
            Repr::Shared(table) => copy_out(table, fd, need).map(EntryRef::Copied),
        }
    }

    /// Like [`get`](Self::get), a shared table's snapshot kept in `held` (which a caller
    /// declares as `let mut held = None;`): for an owned table the reference points into the
    /// table, with nothing to test on each use. See the module documentation.
    #[inline(always)]
    pub fn get_in<'a>(
        &'a self,
        fd: Fd,
        need: Rights,
        held: &'a mut Option<FdEntry>,
    ) -> Result<&'a FdEntry, Errno> {
        match &self.0 {
            Repr::Own(table) => table.get(fd, need),
            Repr::Shared(table) => Ok(held.insert(copy_out(table, fd, need)?)),
        }
    }

    /// Changes the rights or flags of the entry at `fd` (which must hold `need`); what `f`
    /// returns, or `EBADF` / `ENOTCAPABLE`. `f` runs under the lock of a shared table: it must
    /// make no blocking call.
    pub fn update<R>(
        &mut self,
        fd: Fd,
        need: Rights,
        f: impl FnOnce(&mut FdEntry) -> R,
    ) -> Result<R, Errno> {
        match &mut self.0 {
            Repr::Own(table) => table.get_mut(fd, need).map(f),
            Repr::Shared(table) => lock(table).get_mut(fd, need).map(f),
        }
    }

    /// Adds `entry` at the lowest free fd; `EMFILE` when the table is full.
    pub fn insert(&mut self, entry: FdEntry) -> Result<Fd, Errno> {
        match &mut self.0 {
            Repr::Own(table) => table.insert(entry),
            Repr::Shared(table) => lock(table).insert(entry),
        }
    }

    /// Adds `entry` at the lowest free fd at or above `min` (WASIX `fd_dup2`): `EINVAL` when
    /// `min` is at or above the limit, `EMFILE` when no number in `min..limit` is free.
    pub fn insert_at_least(&mut self, entry: FdEntry, min: u32) -> Result<Fd, Errno> {
        match &mut self.0 {
            Repr::Own(table) => table.insert_at_least(entry, min),
            Repr::Shared(table) => lock(table).insert_at_least(entry, min),
        }
    }

    /// Makes the entry at `fd` refer to `new` instead of `old`; `EBADF` if `fd` no longer
    /// holds `old` (another thread closed it meanwhile). For calls that claim a descriptor
    /// before they know what it will hold (`sock_accept`).
    pub fn replace_kind(&mut self, fd: Fd, old: &Arc<Kind>, new: Kind) -> Result<(), Errno> {
        self.update(fd, Rights::empty(), |entry| {
            if Arc::ptr_eq(&entry.kind, old) {
                entry.kind = Arc::new(new);
                Ok(())
            } else {
                Err(Errno::Badf)
            }
        })?
    }

    /// Removes and returns the entry at `fd`. Its OS handle closes when the last copy of the
    /// entry (another thread's call in progress) is gone.
    pub fn remove(&mut self, fd: Fd) -> Result<FdEntry, Errno> {
        match &mut self.0 {
            Repr::Own(table) => table.remove(fd),
            Repr::Shared(table) => lock(table).remove(fd),
        }
    }

    /// Moves `from` onto `to`, closing what `to` held; both must be open (`EBADF`).
    pub fn renumber(&mut self, from: Fd, to: Fd) -> Result<(), Errno> {
        match &mut self.0 {
            Repr::Own(table) => table.renumber(from, to),
            Repr::Shared(table) => lock(table).renumber(from, to),
        }
    }

    /// Whether `fd` is open.
    #[cfg(test)]
    pub fn contains(&self, fd: Fd) -> bool {
        match &self.0 {
            Repr::Own(table) => table.contains(fd),
            Repr::Shared(table) => lock(table).contains(fd),
        }
    }

    /// The most descriptors the table may hold.
    pub fn limit(&self) -> u32 {
        match &self.0 {
            Repr::Own(table) => table.limit(),
            Repr::Shared(table) => lock(table).limit(),
        }
    }

    /// The entry at `fd` to change by hand, for unit tests.
    #[cfg(test)]
    pub fn test_mut(&mut self, fd: Fd, need: Rights) -> &mut FdEntry {
        match &mut self.0 {
            Repr::Own(table) => table.get_mut(fd, need).expect("open in the test"),
            Repr::Shared(_) => panic!("unit tests change owned tables only"),
        }
    }

    /// Moves the slots behind a shared lock (once; later calls reuse it) and returns another
    /// handle to them, for a new thread's context.
    pub fn share(&mut self) -> Table {
        let shared = match &self.0 {
            Repr::Shared(table) => Arc::clone(table),
            Repr::Own(_) => {
                let Repr::Own(owned) = std::mem::replace(&mut self.0, Repr::Own(FdTable::new(0)))
                else {
                    return Table::new(0);
                };
                let table = Arc::new(Mutex::new(owned));
                self.0 = Repr::Shared(Arc::clone(&table));
                table
            }
        };
        Table(Repr::Shared(shared))
    }
}
