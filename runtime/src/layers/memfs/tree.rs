//! The tree of nodes itself, and its pre-loading from a host directory.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::Path;

use super::{DEV, MAX_FILE_SIZE, MAX_NODES, MAX_TREE_BYTES};
use crate::preview1::{Errno, Filestat, Filetype, Timestamp};

/// The longest symbolic link target (as `PATH_MAX`).
pub const MAX_LINK_TARGET: usize = 4096;

pub(super) enum Node {
    File(Vec<u8>),
    Dir(Entries),
    Symlink(String),
}

/// A directory's entries: each name with its node and the position it was added at, which
/// is what `fd_readdir`'s cookies count. Removing an entry never moves the others, so a reader
/// that deletes what it has read before reading on (as `rm -r` does) still sees every other
/// entry exactly once; an entry added during a listing comes at its end.
#[derive(Default)]
pub(super) struct Entries {
    by_name: BTreeMap<String, (usize, u64)>,
    by_position: BTreeMap<u64, String>,
    next: u64,
}

impl Entries {
    /// The node named `name`.
    pub(super) fn get(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).map(|&(n, _)| n)
    }

    /// Names `node` as `name` (at the end of the listing), replacing what had that name.
    pub(super) fn insert(&mut self, name: String, node: usize) {
        self.remove(&name);
        let position = self.next;
        self.next += 1;
        self.by_position.insert(position, name.clone());
        self.by_name.insert(name, (node, position));
    }

    /// Removes the name `name`; the node it named.
    pub(super) fn remove(&mut self, name: &str) -> Option<usize> {
        let (n, position) = self.by_name.remove(name)?;
        self.by_position.remove(&position);
        Some(n)
    }

    pub(super) fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub(super) fn len(&self) -> usize {
        self.by_name.len()
    }

    /// The names in name order.
    pub(super) fn names(&self) -> impl Iterator<Item = &str> {
        self.by_name.keys().map(String::as_str)
    }

    /// The nodes named, in name order.
    pub(super) fn nodes(&self) -> impl Iterator<Item = usize> + '_ {
        self.by_name.values().map(|&(n, _)| n)
    }

    /// The entries at positions `from` and after, in listing order: (position, name, node).
    pub(super) fn listing(&self, from: u64) -> impl Iterator<Item = (u64, &str, usize)> {
        self.by_position
            .range(from..)
            .map(|(&position, name)| (position, name.as_str(), self.by_name[name].0))
    }
}

/// What a node records beside its contents.
#[derive(Clone, Copy)]
pub(super) struct Meta {
    /// Names linking to the node (files and symbolic links; a directory's is computed).
    pub(super) nlink: u64,
    pub(super) atim: Timestamp,
    pub(super) mtim: Timestamp,
    pub(super) ctim: Timestamp,
}

/// Nanoseconds since the epoch, from the real clock.
pub(super) fn now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

/// A tree of directories, files and symbolic links, built before the run ([`MemTree::file`],
/// [`MemTree::dir`], [`MemTree::symlink`], [`MemTree::load`]) and read back after it
/// ([`MemTree::read`]).
pub struct MemTree {
    /// Nodes by inode number; node 0 is the root. Removed nodes stay until the tree is
    /// dropped (open descriptors may still use them, as on a real filesystem).
    pub(super) nodes: Vec<Node>,
    /// Each node's directory (the root's is itself; a file's is where it was made).
    pub(super) parents: Vec<usize>,
    /// Each node's link count and times.
    pub(super) meta: Vec<Meta>,
    /// Bytes held by all files and link targets.
    pub(super) bytes: u64,
}

impl Default for MemTree {
    fn default() -> Self {
        let t = now();
        MemTree {
            nodes: vec![Node::Dir(Entries::default())],
            parents: vec![0],
            meta: vec![Meta {
                nlink: 1,
                atim: t,
                mtim: t,
                ctim: t,
            }],
            bytes: 0,
        }
    }
}

impl MemTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// A tree holding a copy of the host directory `dir`: its files, directories and symbolic
    /// links (targets kept as they are; following them stays inside the mount), with their
    /// times; files hard-linked together stay linked. Anything else (a socket, a device), a
    /// name or link target that is not UTF-8, or a tree past [`MAX_NODES`],
    /// [`MAX_FILE_SIZE`] or [`MAX_TREE_BYTES`] is an error: never a partial tree.
    pub fn load(dir: &Path) -> io::Result<MemTree> {
        use std::os::unix::fs::MetadataExt;
        let mut tree = MemTree::new();
        let root = std::fs::metadata(dir)?;
        if !root.is_dir() {
            return Err(io::Error::other(format!(
                "{} is not a directory",
                dir.display()
            )));
        }
        tree.meta[0] = stamps(&root, 1);
        // Files seen with more than one link, by (device, inode).
        let mut linked: HashMap<(u64, u64), usize> = HashMap::new();
        let mut todo = vec![(dir.to_path_buf(), 0usize)];
        while let Some((path, at)) = todo.pop() {
            let mut entries = Vec::new();
            for entry in std::fs::read_dir(&path)? {
                entries.push(entry?);
                if entries.len() >= MAX_NODES {
                    return Err(too_big("files"));
                }
            }
            for entry in entries {
                let name = entry.file_name().into_string().map_err(|n| {
                    io::Error::other(format!("{n:?} in {}: not UTF-8", path.display()))
                })?;
                let host = entry.path();
                let m = std::fs::symlink_metadata(&host)?;
                if tree.nodes.len() >= MAX_NODES {
                    return Err(too_big("files"));
                }
                let ft = m.file_type();
                if ft.is_file()
                    && m.nlink() > 1
                    && let Some(&n) = linked.get(&(m.dev(), m.ino()))
                {
                    if let Node::Dir(e) = &mut tree.nodes[at] {
                        e.insert(name, n);
                    }
                    tree.meta[n].nlink += 1;
                    continue;
                }
                let node = if ft.is_dir() {
                    Node::Dir(Entries::default())
                } else if ft.is_file() {
                    if m.len() > MAX_FILE_SIZE {
                        return Err(too_big("one file"));
                    }
                    if tree.bytes + m.len() > MAX_TREE_BYTES {
                        return Err(too_big("bytes"));
                    }
                    let mut data = Vec::new();
                    let file = std::fs::File::open(&host)?;
                    // Never more than the limits, even if the file grows meanwhile.
                    let room = (MAX_TREE_BYTES - tree.bytes).min(MAX_FILE_SIZE);
                    io::Read::read_to_end(&mut io::Read::take(file, room + 1), &mut data)?;
                    if data.len() as u64 > room {
                        return Err(too_big("bytes"));
                    }
                    tree.bytes += data.len() as u64;
                    Node::File(data)
                } else if ft.is_symlink() {
                    let target = std::fs::read_link(&host)?
                        .into_os_string()
                        .into_string()
                        .map_err(|t| {
                            io::Error::other(format!("{}: target {t:?} not UTF-8", host.display()))
                        })?;
                    if target.len() > MAX_LINK_TARGET || target.is_empty() {
                        return Err(io::Error::other(format!(
                            "{}: link target of {} bytes",
                            host.display(),
                            target.len()
                        )));
                    }
                    if tree.bytes + target.len() as u64 > MAX_TREE_BYTES {
                        return Err(too_big("bytes"));
                    }
                    tree.bytes += target.len() as u64;
                    Node::Symlink(target)
                } else {
                    return Err(io::Error::other(format!(
                        "{}: not a file, directory or symbolic link",
                        host.display()
                    )));
                };
                let is_dir = matches!(node, Node::Dir(_));
                let n = tree.insert(at, &name, node);
                tree.meta[n] = stamps(&m, 1);
                if ft.is_file() && m.nlink() > 1 {
                    linked.insert((m.dev(), m.ino()), n);
                }
                if is_dir {
                    todo.push((host, n));
                }
            }
        }
        // Directory times as the host had them, not as the copying changed them.
        tree.meta[0] = stamps(&root, 1);
        Ok(tree)
    }

    /// Adds a directory at `path` (`a/b`), with its missing parents.
    pub fn dir(&mut self, path: &str) -> &mut Self {
        let mut at = 0;
        for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
            at = match self.child(at, part) {
                Some(n) => n,
                None => self.insert(at, part, Node::Dir(Entries::default())),
            };
        }
        self
    }

    /// Adds a file at `path` holding `contents`, with its missing parent directories.
    pub fn file(&mut self, path: &str, contents: impl Into<Vec<u8>>) -> &mut Self {
        self.add(path, Node::File(contents.into()))
    }

    /// Adds a symbolic link at `path` to `target`, with its missing parent directories.
    pub fn symlink(&mut self, path: &str, target: &str) -> &mut Self {
        self.add(path, Node::Symlink(target.to_string()))
    }

    fn add(&mut self, path: &str, node: Node) -> &mut Self {
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        self.dir(parent);
        let dir = self.lookup(parent).unwrap_or(0);
        self.bytes += match &node {
            Node::File(data) => data.len() as u64,
            Node::Symlink(t) => t.len() as u64,
            Node::Dir(_) => 0,
        };
        match self.child(dir, name) {
            Some(n) => self.nodes[n] = node,
            None => {
                self.insert(dir, name, node);
            }
        }
        self
    }

    /// The contents of the file at `path`, if there is one (links are not followed).
    pub fn read(&self, path: &str) -> Option<&[u8]> {
        match &self.nodes[self.lookup(path)?] {
            Node::File(data) => Some(data),
            _ => None,
        }
    }

    /// The target of the symbolic link at `path`, if there is one.
    pub fn read_link(&self, path: &str) -> Option<&str> {
        match &self.nodes[self.lookup(path)?] {
            Node::Symlink(target) => Some(target),
            _ => None,
        }
    }

    /// The names in the directory at `path`, in order, if there is one.
    pub fn list(&self, path: &str) -> Option<Vec<&str>> {
        match &self.nodes[self.lookup(path)?] {
            Node::Dir(entries) => Some(entries.names().collect()),
            _ => None,
        }
    }

    fn lookup(&self, path: &str) -> Option<usize> {
        let mut at = 0;
        for part in path.split('/').filter(|p| !p.is_empty() && *p != ".") {
            at = self.child(at, part)?;
        }
        Some(at)
    }

    pub(super) fn child(&self, dir: usize, name: &str) -> Option<usize> {
        match &self.nodes[dir] {
            Node::Dir(entries) => entries.get(name),
            _ => None,
        }
    }

    /// Adds `node` to `dir` as `name` (which must be free), made now.
    pub(super) fn insert(&mut self, dir: usize, name: &str, node: Node) -> usize {
        let n = self.nodes.len();
        let t = now();
        self.nodes.push(node);
        self.parents.push(dir);
        self.meta.push(Meta {
            nlink: 1,
            atim: t,
            mtim: t,
            ctim: t,
        });
        if let Node::Dir(entries) = &mut self.nodes[dir] {
            entries.insert(name.to_string(), n);
        }
        self.modified(dir);
        n
    }

    /// Marks `n`'s contents changed now (mtim and ctim).
    pub(super) fn modified(&mut self, n: usize) {
        let t = now();
        self.meta[n].mtim = t;
        self.meta[n].ctim = t;
    }

    /// Marks `n`'s status changed now (ctim).
    pub(super) fn changed(&mut self, n: usize) {
        self.meta[n].ctim = now();
    }

    /// Removes the name `name` from `dir`: the node loses a link, and a file or link with
    /// none left and no descriptor (`open`) gives its bytes back.
    pub(super) fn unlink(&mut self, dir: usize, name: &str, open: impl Fn(usize) -> bool) {
        let Node::Dir(entries) = &mut self.nodes[dir] else {
            return;
        };
        let Some(n) = entries.remove(name) else {
            return;
        };
        self.modified(dir);
        self.changed(n);
        self.meta[n].nlink = self.meta[n].nlink.saturating_sub(1);
        if self.meta[n].nlink == 0 && !open(n) {
            self.release(n);
        }
    }

    /// Gives back the bytes of a node no name and no descriptor refers to.
    pub(super) fn release(&mut self, n: usize) {
        let freed = match &mut self.nodes[n] {
            Node::File(data) => std::mem::take(data).len() as u64,
            Node::Symlink(t) => std::mem::take(t).len() as u64,
            Node::Dir(_) => 0,
        };
        self.bytes = self.bytes.saturating_sub(freed);
    }

    pub(super) fn filetype(&self, n: usize) -> Filetype {
        match &self.nodes[n] {
            Node::File(_) => Filetype::RegularFile,
            Node::Dir(_) => Filetype::Directory,
            Node::Symlink(_) => Filetype::SymbolicLink,
        }
    }

    pub(super) fn filestat(&self, n: usize) -> Filestat {
        let meta = self.meta[n];
        let (filetype, size, nlink) = match &self.nodes[n] {
            Node::File(data) => (Filetype::RegularFile, data.len() as u64, meta.nlink),
            Node::Symlink(t) => (Filetype::SymbolicLink, t.len() as u64, meta.nlink),
            Node::Dir(entries) => {
                let subdirs = entries
                    .nodes()
                    .filter(|&c| matches!(self.nodes[c], Node::Dir(_)))
                    .count() as u64;
                (Filetype::Directory, entries.len() as u64, 2 + subdirs)
            }
        };
        Filestat {
            dev: DEV,
            ino: n as u64,
            filetype,
            nlink,
            size,
            atim: meta.atim,
            mtim: meta.mtim,
            ctim: meta.ctim,
        }
    }
}

fn stamps(m: &std::fs::Metadata, nlink: u64) -> Meta {
    use std::os::unix::fs::MetadataExt;
    let ns = |s: i64, n: i64| (s.max(0) as u64).saturating_mul(1_000_000_000) + n.max(0) as u64;
    Meta {
        nlink,
        atim: ns(m.atime(), m.atime_nsec()),
        mtim: ns(m.mtime(), m.mtime_nsec()),
        ctim: ns(m.ctime(), m.ctime_nsec()),
    }
}

fn too_big(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::StorageFull,
        format!("the directory is past the in-memory tree's limit on {what}"),
    )
}

/// `Errno::Nospc` unless the tree may take another node.
pub(super) fn room_for_node(tree: &MemTree) -> Result<(), Errno> {
    if tree.nodes.len() >= MAX_NODES {
        Err(Errno::Nospc)
    } else {
        Ok(())
    }
}
