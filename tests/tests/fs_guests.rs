//! The sandboxed filesystem through real guests: raw preview1 calls (`fs_raw`), Rust's std::fs
//! (`fs_std`) and wasi-libc (`fs_c`). Each guest checks itself, exits with the line of the
//! first failed check, and when all pass prints how many it made; the host compares that count,
//! then checks the tree, and that nothing outside the preopens changed.

use std::fs;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};

use wasi_host_tests::run::{Output, Run};

/// `root/sandbox` (preopened read-write), `root/ro` (read-only) and `root/outside`, with the
/// files and links the guests expect.
struct Tree {
    _tmp: tempfile::TempDir,
    root: PathBuf,
}

impl Tree {
    fn new() -> Tree {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        let s = root.join("sandbox");
        for d in ["sandbox/dir", "sandbox/big", "ro", "outside"] {
            fs::create_dir_all(root.join(d)).unwrap();
        }
        fs::write(root.join("outside/secret"), "secret").unwrap();
        symlink("secret", root.join("outside/link")).unwrap();
        fs::write(root.join("ro/data"), "read only").unwrap();
        fs::write(s.join("file"), "hello").unwrap();
        fs::write(s.join("trunc_me"), "xyz").unwrap();
        fs::write(s.join("dir/inner"), "inner").unwrap();
        symlink("../../outside", s.join("dir/deep_link")).unwrap();
        symlink(root.join("outside/secret"), s.join("abs_link")).unwrap();
        symlink("../outside/secret", s.join("rel_link")).unwrap();
        symlink(root.join("outside"), s.join("abs_dir_link")).unwrap();
        symlink("loop", s.join("loop")).unwrap();
        for i in 0..10_000 {
            fs::write(s.join(format!("big/e{i}")), "").unwrap();
        }
        Tree { _tmp: tmp, root }
    }

    fn sandbox(&self) -> PathBuf {
        self.root.join("sandbox")
    }

    fn run(&self, run: Run) -> Run {
        run.dir(self.sandbox(), "/sandbox")
            .dir_read_only(self.root.join("ro"), "/ro")
    }

    /// Every path, content, link target and modification time outside the sandbox.
    fn outside(&self) -> Vec<String> {
        fn walk(p: &Path, out: &mut Vec<String>) {
            let m = fs::symlink_metadata(p).unwrap();
            let what = if m.is_symlink() {
                format!("-> {}", fs::read_link(p).unwrap().display())
            } else if m.is_dir() {
                let mut names: Vec<_> = fs::read_dir(p)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect();
                names.sort();
                for n in &names {
                    walk(n, out);
                }
                "dir".to_string()
            } else {
                String::from_utf8_lossy(&fs::read(p).unwrap()).into_owned()
            };
            out.push(format!(
                "{} {what} {} {}",
                p.display(),
                m.mtime(),
                m.mtime_nsec()
            ));
        }
        let mut out = Vec::new();
        walk(&self.root.join("outside"), &mut out);
        walk(&self.root.join("ro"), &mut out);
        let mut top: Vec<_> = fs::read_dir(&self.root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        top.sort();
        out.push(format!("{top:?}"));
        out
    }
}

/// Checks each guest makes when it runs to the end (loops included: the tree is fixed). A
/// guest that stops early, even with status 0, reports fewer.
const FS_RAW_CHECKS: u32 = 20131;
const FS_STD_CHECKS: u32 = 10057;
const FS_C_CHECKS: u32 = 10094;

#[track_caller]
fn assert_passed(out: &Output, checks: u32) {
    assert_eq!(
        out.status,
        0,
        "guest failed at line {}\n{}{}",
        out.status,
        out.stdout_text(),
        out.stderr_text()
    );
    out.assert_checks_passed(checks);
}

fn raw_guest(cli: bool) {
    let tree = Tree::new();
    let before = tree.outside();
    let run = tree.run(Run::rust("fs_raw"));
    let out = if cli { run.cli() } else { run.in_process() };
    assert_passed(&out, FS_RAW_CHECKS);
    assert_eq!(tree.outside(), before);
    let s = tree.sandbox();
    assert_eq!(fs::read(s.join("trunc_me")).unwrap(), b"");
    // (Times first: reading the file may move its access time.)
    let m = fs::metadata(s.join("file")).unwrap();
    assert_eq!((m.mtime(), m.mtime_nsec()), (1_700_000_000, 987_654_321));
    assert_eq!((m.atime(), m.atime_nsec()), (1_600_000_000, 123_456_789));
    assert_eq!(m.nlink(), 1);
    assert_eq!(fs::read(s.join("file")).unwrap(), b"hello");
    // "created" was renamed over the hard link "hard".
    assert!(!s.join("created").exists());
    assert_eq!(fs::read(s.join("hard")).unwrap(), b"");
    assert!(s.join("new_dir").is_dir() && !s.join("new_dir/sub").exists());
    assert!(!s.join("my_link").exists() && !s.join("stolen").exists());
    assert!(!s.join("taken").exists());
    // Links that point out were never replaced or followed for writing.
    assert_eq!(
        fs::read_link(s.join("abs_link")).unwrap(),
        tree.root.join("outside/secret")
    );
}

#[test]
fn raw_calls_in_process() {
    raw_guest(false);
}

#[test]
fn raw_calls_cli() {
    raw_guest(true);
}

/// What every std or libc guest leaves behind: its own files removed, the tree as prepared.
fn std_or_c_guest(run: Run, cli: bool, checks: u32) {
    let tree = Tree::new();
    let before = tree.outside();
    let run = tree.run(run);
    let out = if cli { run.cli() } else { run.in_process() };
    assert_passed(&out, checks);
    assert_eq!(tree.outside(), before);
    let s = tree.sandbox();
    assert_eq!(fs::read(s.join("file")).unwrap(), b"hello");
    assert_eq!(fs::metadata(s.join("file")).unwrap().nlink(), 1);
    for gone in ["x", "sl", "hl", "c.txt", "c.link", "cd"] {
        assert!(!s.join(gone).exists(), "{gone}");
    }
    assert_eq!(fs::read_dir(s.join("big")).unwrap().count(), 10_000);
}

#[test]
fn rust_std_fs_in_process() {
    std_or_c_guest(Run::rust("fs_std"), false, FS_STD_CHECKS);
}

#[test]
fn rust_std_fs_cli() {
    std_or_c_guest(Run::rust("fs_std"), true, FS_STD_CHECKS);
}

#[test]
fn wasi_libc_in_process() {
    std_or_c_guest(Run::c("fs_c"), false, FS_C_CHECKS);
}

#[test]
fn wasi_libc_cli() {
    std_or_c_guest(Run::c("fs_c"), true, FS_C_CHECKS);
}

/// A std or libc guest with `/sandbox` a copy of the tree in memory (`MemTree::load`, after
/// the `/ro` preopen): the same checks pass, and the disk is not touched at all.
fn guest_in_memory(run: Run, cli: bool, checks: u32) {
    let tree = Tree::new();
    let before = tree.outside();
    let s = tree.sandbox();
    let run = run
        .dir_read_only(tree.root.join("ro"), "/ro")
        .mem_dir(&s, "/sandbox");
    let out = if cli { run.cli() } else { run.in_process() };
    assert_passed(&out, checks);
    assert_eq!(tree.outside(), before);
    assert_eq!(fs::read(s.join("file")).unwrap(), b"hello");
    assert_eq!(fs::read_dir(&s).unwrap().count(), 8);
    assert_eq!(fs::read_dir(s.join("big")).unwrap().count(), 10_000);
}

#[test]
fn rust_std_fs_in_memory_in_process() {
    guest_in_memory(Run::rust("fs_std"), false, FS_STD_CHECKS);
}

#[test]
fn rust_std_fs_in_memory_cli() {
    guest_in_memory(Run::rust("fs_std"), true, FS_STD_CHECKS);
}

#[test]
fn wasi_libc_in_memory_in_process() {
    guest_in_memory(Run::c("fs_c"), false, FS_C_CHECKS);
}

#[test]
fn raw_calls_in_memory_in_process() {
    guest_in_memory(Run::rust("fs_raw"), false, FS_RAW_CHECKS);
}
