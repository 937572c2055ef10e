//! The sandbox the guest gets as its preopen, and the canaries beside it.
//!
//! ```text
//! root/            a fresh temp directory
//!   sandbox/       the preopen (fd 3): files, a directory, and links pointing out
//!   canary/        secret, sub/inner: must never change
//!   canary.txt     must never change
//! ```
//!
//! A [`Snapshot`] records everything outside `sandbox/` (names, types, sizes, modes, mtimes,
//! contents hashes, link targets); any difference after a call is an escape.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};

/// Names the sandbox starts with; the path vocabulary refers to them.
pub const LINKS: &[(&str, &str)] = &[
    ("out", "../canary"),
    ("outfile", "../canary.txt"),
    ("up", ".."),
    ("abs", "/"),
    ("loop", "loop"),
    ("dlink", "d"),
    ("deep_out", "d/../../canary/secret"),
];

/// The temp root holding the sandbox and the canaries; removed on drop.
pub struct Arena {
    root: tempfile::TempDir,
}

impl Arena {
    /// Creates the root with the canaries and an empty sandbox, in `/dev/shm` when there is
    /// one: guests call `fd_sync` a lot, which on a disk waits for it, and on tmpfs costs
    /// nothing.
    pub fn new() -> io::Result<Arena> {
        let mut builder = tempfile::Builder::new();
        builder.prefix("wasi-host-fuzz");
        let shm = Path::new("/dev/shm");
        let root = match shm.is_dir() {
            true => builder.tempdir_in(shm).or_else(|_| builder.tempdir())?,
            false => builder.tempdir()?,
        };
        let canary = root.path().join("canary");
        fs::create_dir_all(canary.join("sub"))?;
        fs::write(canary.join("secret"), b"do not touch\n")?;
        fs::write(canary.join("sub/inner"), b"nor this\n")?;
        fs::write(root.path().join("canary.txt"), b"canary\n")?;
        let arena = Arena { root };
        arena.reset_sandbox()?;
        Ok(arena)
    }

    /// The preopen's host path.
    pub fn sandbox(&self) -> PathBuf {
        self.root.path().join("sandbox")
    }

    /// Empties the sandbox and fills it again, so each instance starts from the same tree
    /// (and files a guest grew do not pile up on disk).
    pub fn reset_sandbox(&self) -> io::Result<()> {
        let sandbox = self.sandbox();
        if sandbox.exists() {
            fs::remove_dir_all(&sandbox)?;
        }
        fs::create_dir_all(sandbox.join("d/e"))?;
        fs::write(sandbox.join("a"), b"hello, sandbox\n")?;
        fs::write(sandbox.join("b"), [0u8; 300])?;
        fs::write(sandbox.join("d/a"), b"inner\n")?;
        for (name, target) in LINKS {
            symlink(target, sandbox.join(name))?;
        }
        Ok(())
    }

    /// Everything outside the sandbox, as it is now.
    pub fn snapshot(&self) -> io::Result<Snapshot> {
        let mut entries = BTreeMap::new();
        walk(self.root.path(), Path::new(""), &mut entries)?;
        Ok(Snapshot(entries))
    }
}

/// One entry's observable state.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    mode: u32,
    size: u64,
    mtime: (i64, i64),
    ino: u64,
    nlink: u64,
    /// A hash of a file's contents, or of a link's target.
    contents: u64,
}

/// The state of the canaries (and of the root directory itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(BTreeMap<PathBuf, Entry>);

impl Snapshot {
    /// A line naming the first difference from `other`, if any.
    pub fn diff(&self, other: &Snapshot) -> Option<String> {
        for (path, entry) in &self.0 {
            match other.0.get(path) {
                None => return Some(format!("{} disappeared", path.display())),
                Some(e) if e != entry => {
                    return Some(format!("{} changed: {entry:?} -> {e:?}", path.display()));
                }
                _ => {}
            }
        }
        let new = other.0.keys().find(|p| !self.0.contains_key(*p))?;
        Some(format!("{} appeared", new.display()))
    }
}

fn walk(dir: &Path, rel: &Path, out: &mut BTreeMap<PathBuf, Entry>) -> io::Result<()> {
    let meta = fs::symlink_metadata(dir)?;
    out.insert(rel.to_path_buf(), entry(dir, &meta)?);
    for item in fs::read_dir(dir)? {
        let item = item?;
        // The sandbox is the guest's to change; everything else is a canary.
        if rel.as_os_str().is_empty() && item.file_name() == "sandbox" {
            continue;
        }
        let path = item.path();
        let meta = fs::symlink_metadata(&path)?;
        let rel = rel.join(item.file_name());
        if meta.is_dir() {
            walk(&path, &rel, out)?;
        } else {
            out.insert(rel, entry(&path, &meta)?);
        }
    }
    Ok(())
}

fn entry(path: &Path, meta: &fs::Metadata) -> io::Result<Entry> {
    let contents = if meta.is_file() {
        hash(&fs::read(path)?)
    } else if meta.file_type().is_symlink() {
        hash(fs::read_link(path)?.as_os_str().as_encoded_bytes())
    } else {
        0
    };
    Ok(Entry {
        mode: meta.mode(),
        size: meta.size(),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        ino: meta.ino(),
        nlink: meta.nlink(),
        contents,
    })
}

/// FNV-1a: the canaries are tiny, and any change of their bytes is what we look for.
fn hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The snapshot sees every kind of change outside the sandbox, and none inside it.
    #[test]
    fn snapshots_see_changes_outside_the_sandbox_only() {
        let arena = Arena::new().unwrap();
        let before = arena.snapshot().unwrap();
        fs::write(arena.sandbox().join("new"), b"inside").unwrap();
        fs::remove_file(arena.sandbox().join("a")).unwrap();
        assert_eq!(before.diff(&arena.snapshot().unwrap()), None);

        let root = arena.sandbox().join("..");
        let changes: [&dyn Fn(); 4] = [
            &|| fs::write(root.join("canary.txt"), b"canarY\n").unwrap(),
            &|| fs::write(root.join("canary/escaped"), b"").unwrap(),
            &|| symlink("x", root.join("canary/sub/link")).unwrap(),
            &|| fs::remove_file(root.join("canary/sub/inner")).unwrap(),
        ];
        for change in changes {
            let arena_before = arena.snapshot().unwrap();
            change();
            let after = arena.snapshot().unwrap();
            assert!(arena_before.diff(&after).is_some());
        }
    }
}
