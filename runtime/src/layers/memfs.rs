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
//! `path_unlink_file`, `path_rename` within the mount. Not supported (`ENOTSUP`): links,
//! symlinks, `fd_renumber` to or from a descriptor in memory; renames across the mount's edge
//! are `EXDEV`. Timestamps are all zero and setting them is accepted and ignored.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::{Path, PathBuf};

use crate::guest::{GuestBufMut, Iovecs, IovecsMut};
use crate::preview1::{
    Advice, Dircookie, Errno, Fd, Fdflags, Fdstat, Filedelta, Filesize, Filestat, Filetype,
    Fstflags, Lookupflags, Oflags, Rights, Size, Timestamp, WasiSnapshotPreview1,
    WasiSnapshotPreview1Delegate, Whence,
};
use crate::threads::{WasiThreads, WasiThreadsDelegate};
use crate::wasix::{Wasix32v1, Wasix32v1Delegate};
use crate::wasmedge::{WasmedgeSockets, WasmedgeSocketsDelegate};
use crate::{CallError, WasiCtxBuilder};

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

enum Node {
    File(Vec<u8>),
    Dir(BTreeMap<String, usize>),
}

/// A tree of directories and files, built before the run ([`MemTree::file`],
/// [`MemTree::dir`]) and read back after it ([`MemTree::read`]).
pub struct MemTree {
    /// Nodes by inode number; node 0 is the root. Removed nodes stay until the tree is
    /// dropped (open descriptors may still use them, as on a real filesystem).
    nodes: Vec<Node>,
    /// Each node's directory (the root's is itself).
    parents: Vec<usize>,
    /// Bytes held by all files.
    bytes: u64,
}

impl Default for MemTree {
    fn default() -> Self {
        MemTree {
            nodes: vec![Node::Dir(BTreeMap::new())],
            parents: vec![0],
            bytes: 0,
        }
    }
}

impl MemTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a directory at `path` (`a/b`), with its missing parents.
    pub fn dir(&mut self, path: &str) -> &mut Self {
        let mut at = 0;
        for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
            at = match self.child(at, part) {
                Some(n) => n,
                None => self.insert(at, part, Node::Dir(BTreeMap::new())),
            };
        }
        self
    }

    /// Adds a file at `path` holding `contents`, with its missing parent directories.
    pub fn file(&mut self, path: &str, contents: impl Into<Vec<u8>>) -> &mut Self {
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        self.dir(parent);
        let dir = self.lookup(parent).unwrap_or(0);
        let contents: Vec<u8> = contents.into();
        self.bytes += contents.len() as u64;
        match self.child(dir, name) {
            Some(n) => self.nodes[n] = Node::File(contents),
            None => {
                self.insert(dir, name, Node::File(contents));
            }
        }
        self
    }

    /// The contents of the file at `path`, if there is one.
    pub fn read(&self, path: &str) -> Option<&[u8]> {
        match &self.nodes[self.lookup(path)?] {
            Node::File(data) => Some(data),
            Node::Dir(_) => None,
        }
    }

    fn lookup(&self, path: &str) -> Option<usize> {
        let mut at = 0;
        for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
            at = self.child(at, part)?;
        }
        Some(at)
    }

    fn child(&self, dir: usize, name: &str) -> Option<usize> {
        match &self.nodes[dir] {
            Node::Dir(entries) => entries.get(name).copied(),
            Node::File(_) => None,
        }
    }

    fn insert(&mut self, dir: usize, name: &str, node: Node) -> usize {
        let n = self.nodes.len();
        self.nodes.push(node);
        self.parents.push(dir);
        if let Node::Dir(entries) = &mut self.nodes[dir] {
            entries.insert(name.to_string(), n);
        }
        n
    }

    fn filestat(&self, n: usize) -> Filestat {
        let (filetype, size) = match &self.nodes[n] {
            Node::File(data) => (Filetype::RegularFile, data.len() as u64),
            Node::Dir(entries) => (Filetype::Directory, entries.len() as u64),
        };
        Filestat {
            dev: DEV,
            ino: n as u64,
            filetype,
            nlink: 1,
            size,
            atim: 0,
            mtim: 0,
            ctim: 0,
        }
    }
}

/// An empty directory on the host, preopened read-only where the in-memory filesystem is
/// mounted: it gives the mount its descriptor. Removed when dropped.
pub struct MountPoint {
    path: PathBuf,
    guest: String,
}

impl MountPoint {
    /// Creates the placeholder and preopens it in `builder` as `guest` (e.g. `/mem`).
    pub fn add(builder: &mut WasiCtxBuilder, guest: &str) -> io::Result<MountPoint> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "wasi-host-memfs-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path)?;
        builder.preopen_dir_read_only(&path, guest);
        Ok(MountPoint {
            path,
            guest: guest.to_string(),
        })
    }

    /// The placeholder directory on the host.
    pub fn host_path(&self) -> &Path {
        &self.path
    }
}

impl Drop for MountPoint {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.path);
    }
}

/// One descriptor inside the mount.
struct Open {
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

    fn get(&mut self, fd: Fd) -> Option<&mut Open> {
        self.open.get_mut(&fd.0)
    }

    /// The directory node `path` is relative to, and the path's components. `..` may not
    /// leave the mount, nor may a path be absolute.
    fn resolve(&self, dir: usize, path: &str) -> Result<Option<usize>, Errno> {
        if path.starts_with('/') {
            return Err(Errno::Perm);
        }
        if path.is_empty() {
            return Err(Errno::Noent);
        }
        let mut stack = self.ancestry(dir);
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    if stack.len() <= 1 {
                        return Err(Errno::Perm);
                    }
                    stack.pop();
                }
                name => {
                    let at = *stack.last().expect("never empty");
                    match &self.tree.nodes[at] {
                        Node::Dir(entries) => match entries.get(name) {
                            Some(&n) => stack.push(n),
                            None => return Ok(None),
                        },
                        Node::File(_) => return Err(Errno::Notdir),
                    }
                }
            }
        }
        Ok(stack.last().copied())
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
        let trimmed = path.trim_end_matches('/');
        let (head, name) = trimmed.rsplit_once('/').unwrap_or((".", trimmed));
        if name.is_empty() || name == "." || name == ".." {
            return Err(Errno::Inval);
        }
        let parent = self.resolve(dir, head)?.ok_or(Errno::Noent)?;
        match self.tree.nodes[parent] {
            Node::Dir(_) => Ok((parent, name)),
            Node::File(_) => Err(Errno::Notdir),
        }
    }

    fn dir_of(&mut self, fd: Fd) -> Result<usize, Errno> {
        let node = self.get(fd).ok_or(Errno::Badf)?.node;
        match self.tree.nodes[node] {
            Node::Dir(_) => Ok(node),
            Node::File(_) => Err(Errno::Notdir),
        }
    }

    fn file_data(&mut self, node: usize) -> Result<&mut Vec<u8>, Errno> {
        match &mut self.tree.nodes[node] {
            Node::File(data) => Ok(data),
            Node::Dir(_) => Err(Errno::Isdir),
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
        if at.is_none()
            && let Some(open) = self.get(fd)
        {
            open.pos = at_byte as u64;
        }
        Ok(total as Size)
    }
}

/// The rights an in-memory descriptor reports: everything it supports.
fn rights(filetype: Filetype) -> Rights {
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
        | Rights::FD_FILESTAT_GET;
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

impl<H: WasiSnapshotPreview1> WasiSnapshotPreview1Delegate for MemFs<H> {
    fn fd_close(&mut self, fd: Fd) -> Out<()> {
        if self.open.remove(&fd.0).is_some() && fd.0 == self.root {
            self.root = u32::MAX;
        }
        self.inner.fd_close(fd)
    }

    fn fd_renumber(&mut self, fd: Fd, to: Fd) -> Out<()> {
        if self.open.contains_key(&fd.0) || self.open.contains_key(&to.0) {
            return Err(Errno::Notsup.into());
        }
        self.inner.fd_renumber(fd, to)
    }

    fn fd_fdstat_get(&mut self, fd: Fd) -> Out<Fdstat> {
        let Some(open) = self.open.get(&fd.0) else {
            return self.inner.fd_fdstat_get(fd);
        };
        let filetype = self.tree.filestat(open.node).filetype;
        Ok(Fdstat {
            fs_filetype: filetype,
            fs_flags: open.flags,
            fs_rights_base: rights(filetype),
            fs_rights_inheriting: rights(Filetype::Directory) | rights(Filetype::RegularFile),
        })
    }

    fn fd_fdstat_set_flags(&mut self, fd: Fd, flags: Fdflags) -> Out<()> {
        match self.get(fd) {
            Some(open) => {
                open.flags = flags;
                Ok(())
            }
            None => self.inner.fd_fdstat_set_flags(fd, flags),
        }
    }

    fn fd_filestat_get(&mut self, fd: Fd) -> Out<Filestat> {
        match self.open.get(&fd.0) {
            Some(open) => Ok(self.tree.filestat(open.node)),
            None => self.inner.fd_filestat_get(fd),
        }
    }

    fn fd_filestat_set_size(&mut self, fd: Fd, size: Filesize) -> Out<()> {
        let Some(open) = self.open.get(&fd.0) else {
            return self.inner.fd_filestat_set_size(fd, size);
        };
        if !open.write {
            return Err(Errno::Badf.into());
        }
        if size > MAX_FILE_SIZE {
            return Err(Errno::Fbig.into());
        }
        let node = open.node;
        let old = self.file_data(node)?.len() as u64;
        let bytes = self.tree.bytes - old + size;
        if size > old && bytes > MAX_TREE_BYTES {
            return Err(Errno::Nospc.into());
        }
        self.tree.bytes = bytes;
        self.file_data(node)?.resize(size as usize, 0);
        Ok(())
    }

    fn fd_advise(&mut self, fd: Fd, offset: Filesize, len: Filesize, advice: Advice) -> Out<()> {
        match self.open.get(&fd.0) {
            Some(open) => self.file_data(open.node).map(drop).map_err(Into::into),
            None => self.inner.fd_advise(fd, offset, len, advice),
        }
    }

    fn fd_allocate(&mut self, fd: Fd, offset: Filesize, len: Filesize) -> Out<()> {
        let Some(open) = self.open.get(&fd.0) else {
            return self.inner.fd_allocate(fd, offset, len);
        };
        if !open.write {
            return Err(Errno::Badf.into());
        }
        let node = open.node;
        let end = offset.checked_add(len).ok_or(Errno::Fbig)?;
        let size = self.file_data(node)?.len() as u64;
        if end <= size {
            return Ok(());
        }
        WasiSnapshotPreview1Delegate::fd_filestat_set_size(self, fd, end)
    }

    fn fd_filestat_set_times(
        &mut self,
        fd: Fd,
        atim: Timestamp,
        mtim: Timestamp,
        fst_flags: Fstflags,
    ) -> Out<()> {
        if self.open.contains_key(&fd.0) {
            return Ok(());
        }
        self.inner.fd_filestat_set_times(fd, atim, mtim, fst_flags)
    }

    fn fd_read(&mut self, fd: Fd, iovs: IovecsMut<'_>) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.fd_read(fd, iovs);
        }
        self.read_at(fd, iovs, None)
    }

    fn fd_pread(&mut self, fd: Fd, iovs: IovecsMut<'_>, offset: Filesize) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.fd_pread(fd, iovs, offset);
        }
        self.read_at(fd, iovs, Some(offset))
    }

    fn fd_write(&mut self, fd: Fd, iovs: Iovecs<'_>) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.fd_write(fd, iovs);
        }
        self.write_at(fd, iovs, None)
    }

    fn fd_pwrite(&mut self, fd: Fd, iovs: Iovecs<'_>, offset: Filesize) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.fd_pwrite(fd, iovs, offset);
        }
        self.write_at(fd, iovs, Some(offset))
    }

    fn fd_seek(&mut self, fd: Fd, offset: Filedelta, whence: Whence) -> Out<Filesize> {
        let Some(open) = self.open.get(&fd.0) else {
            return self.inner.fd_seek(fd, offset, whence);
        };
        let (node, pos) = (open.node, open.pos);
        let len = self.file_data(node)?.len() as i128;
        let base = match whence {
            Whence::Set => 0,
            Whence::Cur => pos as i128,
            Whence::End => len,
        };
        let new = base + offset as i128;
        if new < 0 || new > i64::MAX as i128 {
            return Err(Errno::Inval.into());
        }
        if let Some(open) = self.get(fd) {
            open.pos = new as u64;
        }
        Ok(new as u64)
    }

    fn fd_tell(&mut self, fd: Fd) -> Out<Filesize> {
        match self.open.get(&fd.0) {
            Some(open) => Ok(open.pos),
            None => self.inner.fd_tell(fd),
        }
    }

    fn fd_sync(&mut self, fd: Fd) -> Out<()> {
        if self.open.contains_key(&fd.0) {
            return Ok(());
        }
        self.inner.fd_sync(fd)
    }

    fn fd_datasync(&mut self, fd: Fd) -> Out<()> {
        if self.open.contains_key(&fd.0) {
            return Ok(());
        }
        self.inner.fd_datasync(fd)
    }

    fn fd_readdir(&mut self, fd: Fd, mut buf: GuestBufMut<'_>, cookie: Dircookie) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.fd_readdir(fd, buf, cookie);
        }
        let dir = self.dir_of(fd)?;
        let Node::Dir(entries) = &self.tree.nodes[dir] else {
            return Err(Errno::Notdir.into());
        };
        let parent = self
            .ancestry(dir)
            .iter()
            .rev()
            .nth(1)
            .copied()
            .unwrap_or(dir);
        let mut list: Vec<(&str, usize)> = vec![(".", dir), ("..", parent)];
        list.extend(entries.iter().map(|(name, &n)| (name.as_str(), n)));
        let mut bytes = Vec::new();
        let skip = usize::try_from(cookie).unwrap_or(usize::MAX);
        for (i, (name, n)) in list.iter().enumerate().skip(skip) {
            if bytes.len() >= buf.len() {
                break;
            }
            bytes.extend_from_slice(&(i as u64 + 1).to_le_bytes());
            bytes.extend_from_slice(&(*n as u64).to_le_bytes());
            bytes.extend_from_slice(&(name.len() as u32).to_le_bytes());
            bytes.push(self.tree.filestat(*n).filetype as u8);
            bytes.extend_from_slice(&[0; 3]);
            bytes.extend_from_slice(name.as_bytes());
        }
        let n = bytes.len().min(buf.len());
        Ok(buf.write_at(0, &bytes[..n]) as Size)
    }

    fn path_open(
        &mut self,
        fd: Fd,
        dirflags: Lookupflags,
        path: &str,
        oflags: Oflags,
        fs_rights_base: Rights,
        fs_rights_inheriting: Rights,
        fdflags: Fdflags,
    ) -> Out<Fd> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_open(
                fd,
                dirflags,
                path,
                oflags,
                fs_rights_base,
                fs_rights_inheriting,
                fdflags,
            );
        }
        let dir = self.dir_of(fd)?;
        let node = match self.resolve(dir, path)? {
            Some(_) if oflags.contains(Oflags::CREAT | Oflags::EXCL) => {
                return Err(Errno::Exist.into());
            }
            Some(n) => n,
            None if oflags.contains(Oflags::CREAT) => {
                let (parent, name) = self.parent(dir, path)?;
                if self.tree.nodes.len() >= MAX_NODES {
                    return Err(Errno::Nospc.into());
                }
                self.tree.insert(parent, name, Node::File(Vec::new()))
            }
            None => return Err(Errno::Noent.into()),
        };
        let is_dir = matches!(self.tree.nodes[node], Node::Dir(_));
        if oflags.contains(Oflags::DIRECTORY) && !is_dir {
            return Err(Errno::Notdir.into());
        }
        let write = fs_rights_base
            .intersects(Rights::FD_WRITE | Rights::FD_FILESTAT_SET_SIZE | Rights::FD_ALLOCATE);
        if is_dir && (write || oflags.contains(Oflags::TRUNC)) {
            return Err(Errno::Isdir.into());
        }
        if oflags.contains(Oflags::TRUNC) {
            let data = self.file_data(node)?;
            let freed = data.len() as u64;
            data.clear();
            self.tree.bytes -= freed;
        }
        // The descriptor's number: an inner re-open of the placeholder, held until closed.
        let number = self.inner.path_open(
            Fd(self.root),
            Lookupflags::empty(),
            ".",
            Oflags::DIRECTORY,
            Rights::empty(),
            Rights::empty(),
            Fdflags::empty(),
        )?;
        self.open.insert(
            number.0,
            Open {
                node,
                pos: 0,
                flags: fdflags,
                read: is_dir || fs_rights_base.contains(Rights::FD_READ),
                write,
            },
        );
        Ok(number)
    }

    fn path_filestat_get(&mut self, fd: Fd, flags: Lookupflags, path: &str) -> Out<Filestat> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_filestat_get(fd, flags, path);
        }
        let dir = self.dir_of(fd)?;
        let node = self.resolve(dir, path)?.ok_or(Errno::Noent)?;
        Ok(self.tree.filestat(node))
    }

    fn path_filestat_set_times(
        &mut self,
        fd: Fd,
        flags: Lookupflags,
        path: &str,
        atim: Timestamp,
        mtim: Timestamp,
        fst_flags: Fstflags,
    ) -> Out<()> {
        if !self.open.contains_key(&fd.0) {
            return self
                .inner
                .path_filestat_set_times(fd, flags, path, atim, mtim, fst_flags);
        }
        let dir = self.dir_of(fd)?;
        self.resolve(dir, path)?.ok_or(Errno::Noent)?;
        Ok(())
    }

    fn path_create_directory(&mut self, fd: Fd, path: &str) -> Out<()> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_create_directory(fd, path);
        }
        let dir = self.dir_of(fd)?;
        let (parent, name) = self.parent(dir, path)?;
        if self.tree.child(parent, name).is_some() {
            return Err(Errno::Exist.into());
        }
        if self.tree.nodes.len() >= MAX_NODES {
            return Err(Errno::Nospc.into());
        }
        self.tree.insert(parent, name, Node::Dir(BTreeMap::new()));
        Ok(())
    }

    fn path_remove_directory(&mut self, fd: Fd, path: &str) -> Out<()> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_remove_directory(fd, path);
        }
        let dir = self.dir_of(fd)?;
        let (parent, name) = self.parent(dir, path)?;
        let node = self.tree.child(parent, name).ok_or(Errno::Noent)?;
        match &self.tree.nodes[node] {
            Node::Dir(entries) if entries.is_empty() => {}
            Node::Dir(_) => return Err(Errno::Notempty.into()),
            Node::File(_) => return Err(Errno::Notdir.into()),
        }
        if let Node::Dir(entries) = &mut self.tree.nodes[parent] {
            entries.remove(name);
        }
        Ok(())
    }

    fn path_unlink_file(&mut self, fd: Fd, path: &str) -> Out<()> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_unlink_file(fd, path);
        }
        let dir = self.dir_of(fd)?;
        let (parent, name) = self.parent(dir, path)?;
        let node = self.tree.child(parent, name).ok_or(Errno::Noent)?;
        if matches!(self.tree.nodes[node], Node::Dir(_)) {
            return Err(Errno::Isdir.into());
        }
        if let Node::Dir(entries) = &mut self.tree.nodes[parent] {
            entries.remove(name);
        }
        Ok(())
    }

    fn path_rename(&mut self, fd: Fd, old_path: &str, new_fd: Fd, new_path: &str) -> Out<()> {
        match (
            self.open.contains_key(&fd.0),
            self.open.contains_key(&new_fd.0),
        ) {
            (false, false) => return self.inner.path_rename(fd, old_path, new_fd, new_path),
            (true, true) => {}
            _ => return Err(Errno::Xdev.into()),
        }
        let (from_dir, to_dir) = (self.dir_of(fd)?, self.dir_of(new_fd)?);
        let (old_parent, old_name) = self.parent(from_dir, old_path)?;
        let (new_parent, new_name) = self.parent(to_dir, new_path)?;
        let node = self.tree.child(old_parent, old_name).ok_or(Errno::Noent)?;
        if let Some(existing) = self.tree.child(new_parent, new_name) {
            match (&self.tree.nodes[node], &self.tree.nodes[existing]) {
                (Node::File(_), Node::Dir(_)) => return Err(Errno::Isdir.into()),
                (Node::Dir(_), Node::File(_)) => return Err(Errno::Notdir.into()),
                (Node::Dir(_), Node::Dir(e)) if !e.is_empty() => {
                    return Err(Errno::Notempty.into());
                }
                _ => {}
            }
        }
        // A directory may not move into itself or below.
        if self.ancestry(new_parent).contains(&node) {
            return Err(Errno::Inval.into());
        }
        if let Node::Dir(entries) = &mut self.tree.nodes[old_parent] {
            entries.remove(old_name);
        }
        if let Node::Dir(entries) = &mut self.tree.nodes[new_parent] {
            entries.insert(new_name.to_string(), node);
        }
        self.tree.parents[node] = new_parent;
        Ok(())
    }

    fn path_link(
        &mut self,
        old_fd: Fd,
        old_flags: Lookupflags,
        old_path: &str,
        new_fd: Fd,
        new_path: &str,
    ) -> Out<()> {
        if self.open.contains_key(&old_fd.0) || self.open.contains_key(&new_fd.0) {
            return Err(Errno::Notsup.into());
        }
        self.inner
            .path_link(old_fd, old_flags, old_path, new_fd, new_path)
    }

    fn path_symlink(&mut self, old_path: &str, fd: Fd, new_path: &str) -> Out<()> {
        if self.open.contains_key(&fd.0) {
            return Err(Errno::Notsup.into());
        }
        self.inner.path_symlink(old_path, fd, new_path)
    }

    fn path_readlink(&mut self, fd: Fd, path: &str, buf: GuestBufMut<'_>) -> Out<Size> {
        if !self.open.contains_key(&fd.0) {
            return self.inner.path_readlink(fd, path, buf);
        }
        let dir = self.dir_of(fd)?;
        self.resolve(dir, path)?.ok_or(Errno::Noent)?;
        // Nothing in memory is a symbolic link.
        Err(Errno::Inval.into())
    }
}

impl<H: WasiSnapshotPreview1 + WasmedgeSockets> WasmedgeSocketsDelegate for MemFs<H> {}

impl<H: WasiSnapshotPreview1 + Wasix32v1> Wasix32v1Delegate for MemFs<H> {}

impl<H: WasiSnapshotPreview1 + WasiThreads> WasiThreadsDelegate for MemFs<H> {}
