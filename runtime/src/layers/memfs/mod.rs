//! An in-memory filesystem mounted at a guest path, in front of any preview1 host.
//!
//! [`MemFs`] wraps the host (a [`WasiCtx`](crate::WasiCtx) normally) as a
//! [`WasiSnapshotPreview1Delegate`]: calls on descriptors inside the mount are served from
//! memory, every other call goes to the inner host. The mount itself is a real preopen of an
//! empty, read-only placeholder directory ([`MountPoint`]), so the guest finds it like any
//! other preopen and descriptor numbers stay the inner host's: each file or directory the guest
//! opens in memory holds one inner descriptor (a re-open of the placeholder) for its number.
//!
//! Supported in memory: `path_open` (create, truncate, exclusive, directory), reading, writing,
//! positioned I/O, seeking, append mode, `fd_filestat_get`/`path_filestat_get`, truncation,
//! `fd_advise`, `fd_allocate`, `fd_readdir`, `path_create_directory`, `path_remove_directory`,
//! `path_unlink_file`, `path_rename` within the mount, hard links (`path_link`), symbolic links
//! (`path_symlink`, `path_readlink`, followed in every path within the mount, `SYMLINK_FOLLOW`
//! honoured), and times (set from the real clock as POSIX does; `*_filestat_set_times`).
//! `fd_renumber` moves descriptors in memory as it moves the inner host's. Renames and links
//! across the mount's edge are `EXDEV`.

mod calls;
mod mount;
mod tree;

use std::collections::HashMap;
use std::io;

pub use mount::MountPoint;
use tree::Node;
pub use tree::{MAX_LINK_TARGET, MemTree};

use crate::CallError;
use crate::guest::{Iovecs, IovecsMut};
use crate::preview1::{
    Errno, Fd, Fdflags, Filetype, Lookupflags, Rights, Size, WasiSnapshotPreview1,
};
use crate::threads::{WasiThreads, WasiThreadsDelegate};
use crate::wasix::{Wasix32v1, Wasix32v1Delegate};
use crate::wasmedge::{WasmedgeSockets, WasmedgeSocketsDelegate};

type Out<T> = Result<T, CallError<Errno>>;

/// The device number in-memory files report.
const DEV: u64 = 0x006d_656d_6673;
/// The most bytes one in-memory file may hold (larger writes fail with `EFBIG`).
pub const MAX_FILE_SIZE: u64 = 1 << 30;
/// The most bytes all the files of one tree may hold together, and the most files and
/// directories it may have (past either, `ENOSPC`).
pub const MAX_TREE_BYTES: u64 = 1 << 30;
/// See [`MAX_TREE_BYTES`].
pub const MAX_NODES: usize = 1 << 20;
/// The most symbolic links one path may go through (past it, `ELOOP`), as Linux.
pub const MAX_LINKS: u32 = 40;

/// One descriptor inside the mount.
pub(super) struct Open {
    node: usize,
    pos: u64,
    flags: Fdflags,
    read: bool,
    write: bool,
}

/// A host with an in-memory filesystem mounted in front of `inner` (see the module docs).
pub struct MemFs<H> {
    inner: H,
    tree: MemTree,
    open: HashMap<u32, Open>,
    /// The mount's own descriptor.
    root: u32,
    mount: MountPoint,
}

impl<H: WasiSnapshotPreview1> MemFs<H> {
    /// Mounts `tree` at `mount` (made by [`MountPoint::add`] on the builder of `inner`).
    pub fn new(mut inner: H, mount: MountPoint, tree: MemTree) -> io::Result<Self> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(&mount.path)?;
        // The preopen whose directory is the placeholder: same device and inode.
        let mut root = None;
        for n in 3..=crate::limits::FD_LIMIT {
            if inner.fd_prestat_get(Fd(n)).is_err() {
                break;
            }
            if let Ok(st) = inner.path_filestat_get(Fd(n), Lookupflags::empty(), ".")
                && st.dev == meta.dev()
                && st.ino == meta.ino()
            {
                root = Some(n);
                break;
            }
        }
        let root = root.ok_or_else(|| {
            io::Error::other(format!("`{}` is not preopened in this host", mount.guest))
        })?;
        let mut open = HashMap::new();
        open.insert(
            root,
            Open {
                node: 0,
                pos: 0,
                flags: Fdflags::empty(),
                read: true,
                write: true,
            },
        );
        Ok(MemFs {
            inner,
            tree,
            open,
            root,
            mount,
        })
    }

    /// The in-memory tree, with what the guest wrote.
    pub fn tree(&self) -> &MemTree {
        &self.tree
    }

    /// The placeholder directory the mount stands on.
    pub fn mount_point(&self) -> &MountPoint {
        &self.mount
    }

    /// The wrapped host.
    pub fn inner_mut(&mut self) -> &mut H {
        &mut self.inner
    }

    /// Drops the memory side of descriptor `fd` (closed or overwritten): a node with no name
    /// left and no other descriptor gives its bytes back.
    fn forget(&mut self, fd: Fd) {
        let Some(open) = self.open.remove(&fd.0) else {
            return;
        };
        if fd.0 == self.root {
            self.root = u32::MAX;
        }
        let n = open.node;
        if self.tree.meta[n].nlink == 0 && !self.is_open(n) {
            self.tree.release(n);
        }
    }

    /// Whether a descriptor has node `n` open.
    fn is_open(&self, n: usize) -> bool {
        self.open.values().any(|o| o.node == n)
    }

    fn get(&mut self, fd: Fd) -> Option<&mut Open> {
        self.open.get_mut(&fd.0)
    }

    /// The node `path` names from directory `dir`, or `None` if its last component is missing
    /// (and every component before it exists). Symbolic links are followed on the way, and at
    /// the end when `follow` is set (or the path ends in a slash); the walk never leaves `dir`:
    /// an absolute path or link target, or `..` past `dir`, is
    /// `ENOTCAPABLE`, as on the OS-backed host. More than [`MAX_LINKS`] links is `ELOOP`.
    fn resolve(&self, dir: usize, path: &str, follow: bool) -> Result<Option<usize>, Errno> {
        if path.starts_with('/') {
            return Err(Errno::Notcapable);
        }
        if path.is_empty() {
            return Err(Errno::Noent);
        }
        if path.contains('\0') {
            return Err(Errno::Inval);
        }
        if path.len() > MAX_LINK_TARGET {
            // As PATH_MAX on the OS-backed host: and it bounds `todo` below.
            return Err(Errno::Nametoolong);
        }
        // Beneath `dir`, as the OS-backed host resolves beneath the descriptor given.
        let mut stack = vec![dir];
        // Components left to walk, the next one last.
        let mut todo: Vec<&str> = path.split('/').rev().collect();
        let mut links = 0;
        while let Some(part) = todo.pop() {
            match part {
                "" | "." => {}
                ".." => {
                    if stack.len() <= 1 {
                        return Err(Errno::Notcapable);
                    }
                    stack.pop();
                }
                name => {
                    let at = *stack.last().ok_or(Errno::Noent)?;
                    let n = match &self.tree.nodes[at] {
                        Node::Dir(entries) => match entries.get(name) {
                            Some(n) => n,
                            None if todo.iter().all(|p| p.is_empty()) => return Ok(None),
                            None => return Err(Errno::Noent),
                        },
                        _ => return Err(Errno::Notdir),
                    };
                    if let Node::Symlink(target) = &self.tree.nodes[n]
                        && (follow || !todo.is_empty())
                    {
                        links += 1;
                        if links > MAX_LINKS {
                            return Err(Errno::Loop);
                        }
                        if target.starts_with('/') {
                            return Err(Errno::Notcapable);
                        }
                        todo.extend(target.split('/').rev());
                        continue;
                    }
                    stack.push(n);
                }
            }
        }
        let end = stack.last().copied();
        if let Some(n) = end
            && path.ends_with('/')
            && !matches!(self.tree.nodes[n], Node::Dir(_))
        {
            // "file/" names a directory, and a file is not one.
            return Err(Errno::Notdir);
        }
        Ok(end)
    }

    /// The directories from the root down to `dir` (following parent links, so as deep as
    /// the guest nests directories without using the stack).
    fn ancestry(&self, dir: usize) -> Vec<usize> {
        let mut path = vec![dir];
        let mut at = dir;
        while at != 0 && path.len() <= self.tree.nodes.len() {
            at = self.tree.parents[at];
            path.push(at);
        }
        path.reverse();
        path
    }

    /// The parent directory of `path` (which must exist) and the last component.
    fn parent<'p>(&self, dir: usize, path: &'p str) -> Result<(usize, &'p str), Errno> {
        if path.contains('\0') {
            return Err(Errno::Inval);
        }
        let trimmed = path.trim_end_matches('/');
        let (head, name) = trimmed.rsplit_once('/').unwrap_or((".", trimmed));
        if name.is_empty() || name == "." || name == ".." {
            return Err(Errno::Inval);
        }
        let parent = self.resolve(dir, head, true)?.ok_or(Errno::Noent)?;
        match self.tree.nodes[parent] {
            Node::Dir(_) => Ok((parent, name)),
            _ => Err(Errno::Notdir),
        }
    }

    fn dir_of(&mut self, fd: Fd) -> Result<usize, Errno> {
        let node = self.get(fd).ok_or(Errno::Badf)?.node;
        match self.tree.nodes[node] {
            Node::Dir(_) => Ok(node),
            _ => Err(Errno::Notdir),
        }
    }

    fn file_data(&mut self, node: usize) -> Result<&mut Vec<u8>, Errno> {
        match &mut self.tree.nodes[node] {
            Node::File(data) => Ok(data),
            Node::Dir(_) => Err(Errno::Isdir),
            Node::Symlink(_) => Err(Errno::Inval),
        }
    }

    fn read_at(&mut self, fd: Fd, mut iovs: IovecsMut<'_>, at: Option<u64>) -> Out<Size> {
        let open = self.get(fd).ok_or(Errno::Badf)?;
        if !open.read {
            return Err(Errno::Badf.into());
        }
        let (node, pos) = (open.node, at.unwrap_or(open.pos));
        let data = self.file_data(node)?;
        let start = usize::try_from(pos).unwrap_or(usize::MAX).min(data.len());
        let n = iovs.scatter(&data[start..]);
        self.tree.meta[node].atim = tree::now();
        if at.is_none()
            && let Some(open) = self.get(fd)
        {
            open.pos += n as u64;
        }
        Ok(n as Size)
    }

    fn write_at(&mut self, fd: Fd, iovs: Iovecs<'_>, at: Option<u64>) -> Out<Size> {
        let open = self.get(fd).ok_or(Errno::Badf)?;
        if !open.write {
            return Err(Errno::Badf.into());
        }
        let (node, append) = (open.node, open.flags.contains(Fdflags::APPEND));
        let pos = at.unwrap_or(open.pos);
        let data = self.file_data(node)?;
        let pos = if append && at.is_none() {
            data.len() as u64
        } else {
            pos
        };
        let total = iovs.total_len() as u64;
        if pos.saturating_add(total) > MAX_FILE_SIZE {
            return Err(Errno::Fbig.into());
        }
        let growth = (pos + total).saturating_sub(data.len() as u64);
        if self.tree.bytes + growth > MAX_TREE_BYTES {
            return Err(Errno::Nospc.into());
        }
        self.tree.bytes += growth;
        let data = self.file_data(node)?;
        let mut at_byte = pos as usize;
        for buf in iovs.iter() {
            let bytes = buf.to_vec();
            let end = at_byte + bytes.len();
            if data.len() < end {
                data.resize(end, 0);
            }
            data[at_byte..end].copy_from_slice(&bytes);
            at_byte = end;
        }
        if total > 0 {
            self.tree.modified(node);
        }
        if at.is_none()
            && let Some(open) = self.get(fd)
        {
            open.pos = at_byte as u64;
        }
        Ok(total as Size)
    }
}

/// The rights an in-memory descriptor reports: everything it supports.
pub(super) fn rights(filetype: Filetype) -> Rights {
    let file = Rights::FD_READ
        | Rights::FD_WRITE
        | Rights::FD_SEEK
        | Rights::FD_TELL
        | Rights::FD_FILESTAT_GET
        | Rights::FD_FILESTAT_SET_SIZE
        | Rights::FD_FDSTAT_SET_FLAGS
        | Rights::FD_SYNC
        | Rights::FD_DATASYNC
        | Rights::FD_ADVISE
        | Rights::FD_ALLOCATE
        | Rights::FD_FILESTAT_SET_TIMES
        | Rights::POLL_FD_READWRITE;
    let dir = Rights::PATH_OPEN
        | Rights::PATH_CREATE_FILE
        | Rights::PATH_CREATE_DIRECTORY
        | Rights::PATH_FILESTAT_GET
        | Rights::PATH_REMOVE_DIRECTORY
        | Rights::PATH_UNLINK_FILE
        | Rights::PATH_RENAME_SOURCE
        | Rights::PATH_RENAME_TARGET
        | Rights::FD_READDIR
        | Rights::FD_FILESTAT_GET
        | Rights::FD_FILESTAT_SET_TIMES
        | Rights::PATH_FILESTAT_SET_TIMES
        | Rights::PATH_LINK_SOURCE
        | Rights::PATH_LINK_TARGET
        | Rights::PATH_SYMLINK
        | Rights::PATH_READLINK;
    if filetype == Filetype::Directory {
        dir
    } else {
        file
    }
}

impl<H> crate::Delegate for MemFs<H> {
    type Inner = H;

    fn inner(&mut self) -> &mut H {
        &mut self.inner
    }
}

impl<H: WasiSnapshotPreview1 + WasmedgeSockets> WasmedgeSocketsDelegate for MemFs<H> {}

impl<H: WasiSnapshotPreview1 + Wasix32v1> Wasix32v1Delegate for MemFs<H> {}

impl<H: WasiSnapshotPreview1 + WasiThreads> WasiThreadsDelegate for MemFs<H> {}
