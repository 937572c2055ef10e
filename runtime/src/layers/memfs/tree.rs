//! The tree of nodes itself.

use std::collections::BTreeMap;

use super::DEV;
use crate::preview1::{Filestat, Filetype};

pub(super) enum Node {
    File(Vec<u8>),
    Dir(BTreeMap<String, usize>),
}

/// A tree of directories and files, built before the run ([`MemTree::file`],
/// [`MemTree::dir`]) and read back after it ([`MemTree::read`]).
pub struct MemTree {
    /// Nodes by inode number; node 0 is the root. Removed nodes stay until the tree is
    /// dropped (open descriptors may still use them, as on a real filesystem).
    pub(super) nodes: Vec<Node>,
    /// Each node's directory (the root's is itself).
    pub(super) parents: Vec<usize>,
    /// Bytes held by all files.
    pub(super) bytes: u64,
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

    pub(super) fn child(&self, dir: usize, name: &str) -> Option<usize> {
        match &self.nodes[dir] {
            Node::Dir(entries) => entries.get(name).copied(),
            Node::File(_) => None,
        }
    }

    pub(super) fn insert(&mut self, dir: usize, name: &str, node: Node) -> usize {
        let n = self.nodes.len();
        self.nodes.push(node);
        self.parents.push(dir);
        if let Node::Dir(entries) = &mut self.nodes[dir] {
            entries.insert(name.to_string(), n);
        }
        n
    }

    pub(super) fn filestat(&self, n: usize) -> Filestat {
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
