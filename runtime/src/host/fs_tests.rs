//! Tests of the path calls and `fd_readdir` on real temporary directories, calling the host
//! functions directly and checking the host filesystem afterwards.

use std::fs;
use std::os::unix::fs::{MetadataExt, symlink as host_symlink};
use std::path::{Path, PathBuf};

use super::*;
use crate::call::CallError;
use crate::ctx::{Stdio, WasiCtx};
use crate::guest::GuestMemory;
use crate::host::dir;

const PRE: Fd = Fd(3);
const RO: Fd = Fd(4);
const FOLLOW: Lookupflags = Lookupflags::SYMLINK_FOLLOW;
const NOFOLLOW: Lookupflags = Lookupflags::empty();

/// A sandbox: `root/outside` holds files the guest must never reach, `root/sandbox` is
/// preopened read-write as fd 3 and `root/ro` read-only as fd 4.
struct Sandbox {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    ctx: WasiCtx,
}

impl Sandbox {
    fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().to_path_buf();
        for d in ["sandbox", "ro", "outside"] {
            fs::create_dir(root.join(d)).unwrap();
        }
        fs::write(root.join("outside/secret"), b"secret").unwrap();
        fs::write(root.join("ro/data"), b"read only").unwrap();
        let ctx = WasiCtx::builder()
            .stdin(Stdio::Null)
            .stdout(Stdio::Null)
            .stderr(Stdio::Null)
            .preopen_dir(root.join("sandbox"), "/sandbox")
            .preopen_dir_read_only(root.join("ro"), "/ro")
            .build()
            .unwrap();
        Sandbox {
            _tmp: tmp,
            root,
            ctx,
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join("sandbox").join(rel)
    }

    fn write(&self, rel: &str, data: &str) {
        fs::write(self.path(rel), data).unwrap();
    }

    fn mkdir(&self, rel: &str) {
        fs::create_dir_all(self.path(rel)).unwrap();
    }

    fn link(&self, target: impl AsRef<Path>, rel: &str) {
        host_symlink(target, self.path(rel)).unwrap();
    }

    /// A snapshot of everything outside the sandboxes, to compare after escape attempts.
    fn outside(&self) -> Vec<(PathBuf, Vec<u8>, i64)> {
        let mut all = Vec::new();
        let mut stack = vec![self.root.join("outside"), self.root.clone()];
        while let Some(d) = stack.pop() {
            let m = fs::symlink_metadata(&d).unwrap();
            all.push((
                d.clone(),
                Vec::new(),
                m.mtime_nsec() + m.mtime() * 1_000_000_000,
            ));
            if d == self.root {
                continue;
            }
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let m = fs::symlink_metadata(&p).unwrap();
                if m.is_dir() {
                    stack.push(p);
                } else {
                    let data = fs::read(&p).unwrap_or_default();
                    all.push((p, data, m.mtime_nsec() + m.mtime() * 1_000_000_000));
                }
            }
        }
        all.sort();
        all
    }

    fn open(&mut self, path: &str, oflags: Oflags, rights: Rights) -> Result<Fd, Errno> {
        self.open_at(PRE, FOLLOW, path, oflags, rights, Fdflags::empty())
    }

    fn open_at(
        &mut self,
        dir: Fd,
        lookup: Lookupflags,
        path: &str,
        oflags: Oflags,
        rights: Rights,
        fdflags: Fdflags,
    ) -> Result<Fd, Errno> {
        let all = crate::table::FILE_RIGHTS | crate::table::DIR_RIGHTS;
        open(
            &mut self.ctx,
            dir,
            lookup,
            path,
            oflags,
            rights,
            all,
            fdflags,
        )
        .map_err(errno)
    }

    fn stat(&mut self, path: &str, lookup: Lookupflags) -> Result<Filestat, Errno> {
        filestat_get(&mut self.ctx, PRE, lookup, path).map_err(errno)
    }

    fn entry(&mut self, fd: Fd) -> &mut FdEntry {
        self.ctx.table.test_mut(fd, Rights::empty())
    }

    fn file(&mut self, fd: Fd) -> &File {
        match &*self.entry(fd).kind {
            Kind::File(f) => &f.file,
            _ => panic!("{fd:?} is not a file"),
        }
    }

    fn readlink(&mut self, path: &str, len: usize) -> Result<Vec<u8>, Errno> {
        let mut mem = vec![0u8; len];
        let n = {
            let m = GuestMemory::unshared(&mut mem);
            // SAFETY: the only view of `mem`.
            let buf = unsafe { GuestBufMut::new(m, 0, len as u32, true) }.unwrap();
            readlink(&mut self.ctx, PRE, path, buf).map_err(errno)?
        };
        Ok(mem[..n as usize].to_vec())
    }

    /// One `fd_readdir` call into a buffer of `len` bytes (copying mode when `!direct`).
    fn readdir(&mut self, fd: Fd, cookie: u64, len: usize, direct: bool) -> Result<Vec<u8>, Errno> {
        let mut mem = vec![0xAAu8; len];
        let n = {
            let m = GuestMemory::unshared(&mut mem);
            // SAFETY: the only view of `mem`.
            let buf = unsafe { GuestBufMut::new(m, 0, len as u32, direct) }.unwrap();
            dir::readdir(&mut self.ctx, fd, buf, cookie).map_err(errno)?
        };
        mem.truncate(n as usize);
        Ok(mem)
    }

    /// Lists `fd` the way wasi-libc does: whole entries from each buffer, asking again from
    /// the last whole entry's `d_next` while the buffer comes back full.
    fn list(&mut self, fd: Fd, buf_len: usize) -> Vec<(String, u64, Filetype, u64)> {
        let mut out = Vec::new();
        let mut cookie = 0;
        let mut len = buf_len;
        loop {
            let bytes = self.readdir(fd, cookie, len, true).unwrap();
            let full = bytes.len() == len;
            let mut at = 0;
            let mut whole = 0;
            while at + 24 <= bytes.len() {
                let namlen =
                    u32::from_le_bytes(bytes[at + 16..at + 20].try_into().unwrap()) as usize;
                if at + 24 + namlen > bytes.len() {
                    break;
                }
                let next = u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap());
                let ino = u64::from_le_bytes(bytes[at + 8..at + 16].try_into().unwrap());
                let ty = match bytes[at + 20] {
                    3 => Filetype::Directory,
                    4 => Filetype::RegularFile,
                    7 => Filetype::SymbolicLink,
                    0 => Filetype::Unknown,
                    t => panic!("unexpected type {t}"),
                };
                assert_eq!(&bytes[at + 21..at + 24], &[0, 0, 0], "padding");
                let name = String::from_utf8(bytes[at + 24..at + 24 + namlen].to_vec()).unwrap();
                out.push((name, ino, ty, next));
                cookie = next;
                at += 24 + namlen;
                whole += 1;
            }
            if !full {
                break;
            }
            if whole == 0 {
                len *= 2;
            }
        }
        out
    }
}

fn errno(e: CallError<Errno>) -> Errno {
    match e {
        CallError::Errno(e) => e,
        other => panic!("not an errno: {other}"),
    }
}

fn err<T: std::fmt::Debug>(r: HostResult<T>) -> Errno {
    errno(r.unwrap_err())
}

const READ: Rights = Rights::FD_READ
    .union(Rights::FD_SEEK)
    .union(Rights::FD_FILESTAT_GET)
    .union(Rights::FD_READDIR);
const RW: Rights = READ.union(Rights::FD_WRITE);

fn open_creates_truncates_and_refuses_by_oflags() {
    let mut s = Sandbox::new();
    let fd = s.open("new", Oflags::CREAT, RW).unwrap();
    assert!(s.path("new").is_file());
    use std::io::Write;
    s.file(fd).write_all(b"hello").unwrap();
    assert_eq!(fs::read(s.path("new")).unwrap(), b"hello");
    assert_eq!(s.entry(fd).rights, RW & FILE_RIGHTS);

    assert_eq!(
        s.open("new", Oflags::CREAT | Oflags::EXCL, RW),
        Err(Errno::Exist)
    );
    // CREAT alone opens what exists, without truncating.
    s.open("new", Oflags::CREAT, READ).unwrap();
    assert_eq!(fs::read(s.path("new")).unwrap(), b"hello");
    s.open("new", Oflags::TRUNC, RW).unwrap();
    assert_eq!(fs::read(s.path("new")).unwrap(), b"");

    assert_eq!(s.open("missing", Oflags::empty(), READ), Err(Errno::Noent));
    assert_eq!(s.open("new", Oflags::DIRECTORY, READ), Err(Errno::Notdir));
    assert_eq!(s.open("new/", Oflags::empty(), READ), Err(Errno::Notdir));
    assert_eq!(
        s.open("d", Oflags::CREAT | Oflags::DIRECTORY, READ),
        Err(Errno::Inval)
    );
    assert!(!s.path("d").exists());
    s.mkdir("d");
    assert_eq!(s.open("d", Oflags::empty(), RW), Err(Errno::Isdir));
    assert_eq!(
        s.open("d", Oflags::CREAT | Oflags::EXCL, RW),
        Err(Errno::Exist)
    );
    let d = s.open("d", Oflags::DIRECTORY, READ).unwrap();
    assert!(matches!(*s.entry(d).kind, Kind::Dir(_)));
    // A new fd's rights are the requested ones that fit its type.
    assert_eq!(
        s.entry(d).rights,
        Rights::FD_READDIR | Rights::FD_FILESTAT_GET
    );
    let d2 = s.open("d/.", Oflags::DIRECTORY, READ).unwrap();
    assert!(matches!(*s.entry(d2).kind, Kind::Dir(_)));

    // Read-only requests open the host file read-only.
    let r = s.open("new", Oflags::empty(), READ).unwrap();
    assert!(s.file(r).write_all(b"x").is_err());
}

fn open_applies_fdflags() {
    let mut s = Sandbox::new();
    s.write("f", "abc");
    let flags_of = |s: &mut Sandbox, fd| rustix::fs::fcntl_getfl(s.file(fd)).unwrap();
    let all = [
        (Fdflags::APPEND, OFlags::APPEND),
        (Fdflags::NONBLOCK, OFlags::NONBLOCK),
        (Fdflags::DSYNC, OFlags::DSYNC),
        (Fdflags::SYNC, OFlags::SYNC),
        (Fdflags::RSYNC, OFlags::RSYNC),
    ];
    for (wasi, host) in all {
        let fd = s
            .open_at(PRE, FOLLOW, "f", Oflags::empty(), RW, wasi)
            .unwrap();
        assert!(flags_of(&mut s, fd).contains(host), "{wasi:?}");
        assert_eq!(s.entry(fd).flags, wasi);
    }
    let fd = s
        .open_at(PRE, FOLLOW, "f", Oflags::empty(), RW, Fdflags::APPEND)
        .unwrap();
    use std::io::Write;
    s.file(fd).write_all(b"def").unwrap();
    assert_eq!(fs::read(s.path("f")).unwrap(), b"abcdef");
}

fn open_rights() {
    let mut s = Sandbox::new();
    s.write("f", "x");
    // The directory must hold PATH_OPEN, PATH_CREATE_FILE for CREAT, and
    // PATH_FILESTAT_SET_SIZE for TRUNC.
    for (missing, oflags) in [
        (Rights::PATH_OPEN, Oflags::empty()),
        (Rights::PATH_CREATE_FILE, Oflags::CREAT),
        (Rights::PATH_FILESTAT_SET_SIZE, Oflags::TRUNC),
    ] {
        s.entry(PRE).rights.remove(missing);
        assert_eq!(
            s.open("f", oflags, READ),
            Err(Errno::Notcapable),
            "{missing:?}"
        );
        s.entry(PRE).rights.insert(missing);
    }
    assert_eq!(fs::read(s.path("f")).unwrap(), b"x");
    // Rights are capped by the directory's inheriting rights; inheriting too.
    s.entry(PRE)
        .inheriting
        .remove(Rights::FD_SEEK | Rights::PATH_OPEN);
    let fd = s.open("f", Oflags::empty(), READ).unwrap();
    assert_eq!(s.entry(fd).rights, (READ - Rights::FD_SEEK) & FILE_RIGHTS);
    assert!(!s.entry(fd).inheriting.contains(Rights::PATH_OPEN));
    // Write access the directory cannot pass on fails at open.
    s.entry(PRE).inheriting.remove(Rights::FD_WRITE);
    assert_eq!(s.open("f", Oflags::empty(), RW), Err(Errno::Notcapable));

    // Path calls on a file descriptor: ENOTDIR; on a closed one: EBADF.
    assert_eq!(
        s.open_at(fd, FOLLOW, "x", Oflags::empty(), READ, Fdflags::empty()),
        Err(Errno::Notdir)
    );
    assert_eq!(
        s.open_at(Fd(99), FOLLOW, "x", Oflags::empty(), READ, Fdflags::empty()),
        Err(Errno::Badf)
    );
    assert_eq!(err(create_directory(&mut s.ctx, fd, "x")), Errno::Notdir);
}

fn read_only_preopen_refuses_writes() {
    let mut s = Sandbox::new();
    let all = FILE_RIGHTS | DIR_RIGHTS;
    let o = |s: &mut Sandbox, path: &str, oflags: Oflags, rights: Rights| {
        open(
            &mut s.ctx,
            RO,
            FOLLOW,
            path,
            oflags,
            rights,
            all,
            Fdflags::empty(),
        )
        .map_err(errno)
    };
    assert_eq!(o(&mut s, "new", Oflags::CREAT, RW), Err(Errno::Notcapable));
    assert_eq!(o(&mut s, "data", Oflags::TRUNC, RW), Err(Errno::Notcapable));
    assert_eq!(
        o(&mut s, "data", Oflags::empty(), RW),
        Err(Errno::Notcapable)
    );
    let fd = o(
        &mut s,
        "data",
        Oflags::empty(),
        READ | Rights::FD_FILESTAT_SET_TIMES,
    )
    .unwrap();
    assert!(
        !s.entry(fd)
            .rights
            .intersects(crate::table::FILE_WRITE_RIGHTS)
    );
    use std::io::Read;
    let mut text = String::new();
    s.file(fd).read_to_string(&mut text).unwrap();
    assert_eq!(text, "read only");
    for r in [
        create_directory(&mut s.ctx, RO, "d"),
        remove_directory(&mut s.ctx, RO, "."),
        unlink_file(&mut s.ctx, RO, "data"),
        symlink(&mut s.ctx, "data", RO, "l"),
        rename(&mut s.ctx, RO, "data", RO, "moved"),
        link(&mut s.ctx, RO, NOFOLLOW, "data", RO, "hard"),
        rename(&mut s.ctx, RO, "data", PRE, "moved"),
        link(&mut s.ctx, RO, NOFOLLOW, "data", PRE, "hard"),
        filestat_set_times(&mut s.ctx, RO, NOFOLLOW, "data", 0, 0, Fstflags::MTIM),
    ] {
        assert_eq!(err(r), Errno::Notcapable);
    }
    assert_eq!(
        fs::read_dir(s.root.join("ro")).unwrap().count(),
        1,
        "nothing was created"
    );
    assert!(!s.path("moved").exists() && !s.path("hard").exists());
    filestat_get(&mut s.ctx, RO, NOFOLLOW, "data").unwrap();
}

fn single_component_and_nested_paths() {
    let mut s = Sandbox::new();
    s.mkdir("a/b/c/d");
    s.write("a/b/c/d/f", "deep");
    s.write("top", "top");
    for path in [
        "a/b/c/d/f",
        "./a/b/c/d/f",
        "a//b/./c/d/../d/f",
        "a/b/c/d/../../c/d/f",
    ] {
        let st = s.stat(path, FOLLOW).unwrap();
        assert_eq!(
            st.ino,
            fs::metadata(s.path("a/b/c/d/f")).unwrap().ino(),
            "{path}"
        );
        s.open(path, Oflags::empty(), READ).unwrap();
    }
    let st = s.stat("top", NOFOLLOW).unwrap();
    assert_eq!(st.size, 3);
    assert_eq!(st.filetype, Filetype::RegularFile);
    assert_eq!(s.stat(".", NOFOLLOW).unwrap().filetype, Filetype::Directory);
    assert_eq!(
        s.stat("a/b/..", NOFOLLOW).unwrap().ino,
        fs::metadata(s.path("a")).unwrap().ino()
    );
    assert_eq!(
        s.stat("a/..", NOFOLLOW).unwrap().ino,
        fs::metadata(s.path("")).unwrap().ino()
    );
    assert_eq!(
        s.stat("a/b/", NOFOLLOW).unwrap().filetype,
        Filetype::Directory
    );
    assert_eq!(s.stat("top/", NOFOLLOW), Err(Errno::Notdir));
    assert_eq!(s.stat("a/b/c/d/f/", NOFOLLOW), Err(Errno::Notdir));
    assert_eq!(s.stat("top/x", NOFOLLOW), Err(Errno::Notdir));
    assert_eq!(s.stat("", NOFOLLOW), Err(Errno::Noent));
    assert_eq!(s.stat("to\0p", NOFOLLOW), Err(Errno::Inval));
    assert_eq!(s.open("to\0p", Oflags::CREAT, RW), Err(Errno::Inval));
    assert_eq!(s.open("", Oflags::CREAT, RW), Err(Errno::Noent));
    assert!(!s.path("to").exists());
}

fn filestat_fields_and_times() {
    let mut s = Sandbox::new();
    s.write("f", "12345");
    fs::hard_link(s.path("f"), s.path("g")).unwrap();
    s.link("f", "l");
    let st = s.stat("f", NOFOLLOW).unwrap();
    let m = fs::metadata(s.path("f")).unwrap();
    assert_eq!(
        (st.dev, st.ino, st.nlink, st.size),
        (m.dev(), m.ino(), 2, 5)
    );
    assert_eq!(st.mtim, (m.mtime() * 1_000_000_000 + m.mtime_nsec()) as u64);
    assert_eq!(st.ctim, (m.ctime() * 1_000_000_000 + m.ctime_nsec()) as u64);
    let l = s.stat("l", NOFOLLOW).unwrap();
    assert_eq!((l.filetype, l.size), (Filetype::SymbolicLink, 1));
    assert_eq!(s.stat("l", FOLLOW).unwrap().ino, m.ino());

    let t1 = 1_234_567_890_123_456_789;
    let t2 = 987_654_321_987_654_321;
    filestat_set_times(
        &mut s.ctx,
        PRE,
        FOLLOW,
        "l",
        t1,
        t2,
        Fstflags::ATIM | Fstflags::MTIM,
    )
    .unwrap();
    let st = s.stat("f", NOFOLLOW).unwrap();
    assert_eq!((st.atim, st.mtim), (t1, t2));
    // Without following, the link's own times change.
    filestat_set_times(&mut s.ctx, PRE, NOFOLLOW, "l", 0, t1, Fstflags::MTIM).unwrap();
    assert_eq!(s.stat("l", NOFOLLOW).unwrap().mtim, t1);
    assert_eq!(s.stat("f", NOFOLLOW).unwrap().mtim, t2);
    // Only what fstflags names changes; *_NOW uses the clock.
    filestat_set_times(&mut s.ctx, PRE, NOFOLLOW, "f", 5, 0, Fstflags::ATIM).unwrap();
    let st = s.stat("f", NOFOLLOW).unwrap();
    assert_eq!((st.atim, st.mtim), (5, t2));
    filestat_set_times(&mut s.ctx, PRE, NOFOLLOW, "f", 0, 0, Fstflags::MTIM_NOW).unwrap();
    let st = s.stat("f", NOFOLLOW).unwrap();
    assert_eq!(st.atim, 5);
    assert!(st.mtim > t2);
    for bad in [
        Fstflags::ATIM | Fstflags::ATIM_NOW,
        Fstflags::MTIM | Fstflags::MTIM_NOW,
    ] {
        assert_eq!(
            err(filestat_set_times(
                &mut s.ctx, PRE, NOFOLLOW, "f", 1, 1, bad
            )),
            Errno::Inval
        );
    }
    assert_eq!(s.stat("f", NOFOLLOW).unwrap().atim, 5);
    s.mkdir("d");
    s.link("d", "ld");
    filestat_set_times(
        &mut s.ctx,
        PRE,
        NOFOLLOW,
        "ld/",
        7,
        7,
        Fstflags::ATIM | Fstflags::MTIM,
    )
    .unwrap();
    assert_eq!(s.stat("d", NOFOLLOW).unwrap().mtim, 7);
    assert_eq!(
        err(filestat_set_times(
            &mut s.ctx,
            PRE,
            NOFOLLOW,
            "f/",
            7,
            7,
            Fstflags::MTIM
        )),
        Errno::Notdir
    );
    s.entry(PRE).rights.remove(Rights::PATH_FILESTAT_GET);
    assert_eq!(s.stat("f", NOFOLLOW), Err(Errno::Notcapable));
}

fn directories_create_remove() {
    let mut s = Sandbox::new();
    create_directory(&mut s.ctx, PRE, "d").unwrap();
    create_directory(&mut s.ctx, PRE, "d/e/").unwrap();
    assert!(s.path("d/e").is_dir());
    assert_eq!(err(create_directory(&mut s.ctx, PRE, "d")), Errno::Exist);
    assert_eq!(err(create_directory(&mut s.ctx, PRE, ".")), Errno::Exist);
    assert_eq!(err(create_directory(&mut s.ctx, PRE, "x/y")), Errno::Noent);
    assert_eq!(err(remove_directory(&mut s.ctx, PRE, "d")), Errno::Notempty);
    assert_eq!(
        err(remove_directory(&mut s.ctx, PRE, "d/e/..")),
        Errno::Notempty
    );
    assert_eq!(err(remove_directory(&mut s.ctx, PRE, ".")), Errno::Inval);
    s.write("f", "");
    s.link("d", "ld");
    assert_eq!(err(remove_directory(&mut s.ctx, PRE, "f")), Errno::Notdir);
    assert_eq!(err(remove_directory(&mut s.ctx, PRE, "ld")), Errno::Notdir);
    assert_eq!(err(remove_directory(&mut s.ctx, PRE, "ld/")), Errno::Notdir);
    remove_directory(&mut s.ctx, PRE, "d/e/").unwrap();
    remove_directory(&mut s.ctx, PRE, "d").unwrap();
    assert!(!s.path("d").exists());
    assert_eq!(err(remove_directory(&mut s.ctx, PRE, "d")), Errno::Noent);
    s.entry(PRE).rights.remove(Rights::PATH_CREATE_DIRECTORY);
    assert_eq!(
        err(create_directory(&mut s.ctx, PRE, "z")),
        Errno::Notcapable
    );
}

fn unlink_and_symlink_and_readlink() {
    let mut s = Sandbox::new();
    s.write("f", "");
    s.mkdir("d");
    assert_eq!(err(unlink_file(&mut s.ctx, PRE, "d")), Errno::Isdir);
    assert_eq!(err(unlink_file(&mut s.ctx, PRE, "d/")), Errno::Isdir);
    assert_eq!(err(unlink_file(&mut s.ctx, PRE, "f/")), Errno::Notdir);
    assert_eq!(err(unlink_file(&mut s.ctx, PRE, ".")), Errno::Isdir);
    assert_eq!(err(unlink_file(&mut s.ctx, PRE, "nope")), Errno::Noent);
    symlink(&mut s.ctx, "f", PRE, "lf").unwrap();
    symlink(&mut s.ctx, "d", PRE, "d/../ld").unwrap();
    // An absolute target could never be followed inside the sandbox: EPERM, nothing made.
    for target in ["/", "/etc/passwd", "//x"] {
        assert_eq!(err(symlink(&mut s.ctx, target, PRE, "abs")), Errno::Perm);
        assert!(fs::symlink_metadata(s.path("abs")).is_err());
    }
    // Links the guest cannot make may still be there (made by the host).
    s.link("/etc/passwd", "abs");
    assert_eq!(err(symlink(&mut s.ctx, "x", PRE, "f")), Errno::Exist);
    assert_eq!(err(symlink(&mut s.ctx, "x", PRE, "f/")), Errno::Exist);
    assert_eq!(err(symlink(&mut s.ctx, "x", PRE, "d/")), Errno::Exist);
    // "new/" would have to be a directory, which a link is not (not EEXIST: nothing is there).
    assert_eq!(err(symlink(&mut s.ctx, "x", PRE, "new/")), Errno::Notdir);
    assert_eq!(err(symlink(&mut s.ctx, "", PRE, "e")), Errno::Noent);
    assert_eq!(err(symlink(&mut s.ctx, "a\0b", PRE, "e")), Errno::Inval);
    assert!(!s.path("e").exists() && !s.path("new").exists());

    assert_eq!(s.readlink("lf", 64).unwrap(), b"f");
    assert_eq!(s.readlink("abs", 64).unwrap(), b"/etc/passwd");
    // Truncated to the buffer, as readlink(2) does.
    assert_eq!(s.readlink("abs", 4).unwrap(), b"/etc");
    assert_eq!(s.readlink("abs", 0).unwrap(), b"");
    assert_eq!(s.readlink("f", 64), Err(Errno::Inval));
    assert_eq!(s.readlink("ld/", 64), Err(Errno::Inval));
    assert_eq!(s.readlink("lf/", 64), Err(Errno::Notdir));
    assert_eq!(s.readlink("nope", 64), Err(Errno::Noent));
    assert_eq!(s.readlink("nope", 0), Err(Errno::Noent));

    // Unlinking a symbolic link removes the link, never its target.
    unlink_file(&mut s.ctx, PRE, "lf").unwrap();
    unlink_file(&mut s.ctx, PRE, "ld").unwrap();
    assert!(s.path("f").exists() && s.path("d").is_dir());
    assert_eq!(err(unlink_file(&mut s.ctx, PRE, "ld/")), Errno::Noent);
    unlink_file(&mut s.ctx, PRE, "f").unwrap();
    assert!(!s.path("f").exists());
}

fn rename_and_link() {
    let mut s = Sandbox::new();
    s.write("f", "one");
    s.write("g", "two");
    s.mkdir("d/sub");
    s.mkdir("e");
    s.mkdir("full/x");
    rename(&mut s.ctx, PRE, "f", PRE, "d/f2").unwrap();
    assert_eq!(fs::read(s.path("d/f2")).unwrap(), b"one");
    // Onto an existing file replaces it.
    rename(&mut s.ctx, PRE, "g", PRE, "d/f2").unwrap();
    assert_eq!(fs::read(s.path("d/f2")).unwrap(), b"two");
    assert!(!s.path("g").exists());
    // Directories, onto an empty one, with trailing slashes.
    rename(&mut s.ctx, PRE, "d/sub/", PRE, "e/").unwrap();
    assert!(s.path("e").is_dir() && !s.path("d/sub").exists());
    assert_eq!(
        err(rename(&mut s.ctx, PRE, "e", PRE, "full")),
        Errno::Notempty
    );
    assert_eq!(err(rename(&mut s.ctx, PRE, "d/f2", PRE, "e")), Errno::Isdir);
    assert_eq!(
        err(rename(&mut s.ctx, PRE, "e", PRE, "d/f2")),
        Errno::Notdir
    );
    assert_eq!(
        err(rename(&mut s.ctx, PRE, "d/f2/", PRE, "x")),
        Errno::Notdir
    );
    assert_eq!(
        err(rename(&mut s.ctx, PRE, "d/f2", PRE, "x/")),
        Errno::Notdir
    );
    assert_eq!(err(rename(&mut s.ctx, PRE, ".", PRE, "x")), Errno::Busy);
    assert_eq!(
        err(rename(&mut s.ctx, PRE, "d/f2", PRE, "e/..")),
        Errno::Busy
    );
    assert_eq!(
        err(rename(&mut s.ctx, PRE, "d", PRE, "d/inside")),
        Errno::Inval
    );
    assert_eq!(err(rename(&mut s.ctx, PRE, "nope", PRE, "x")), Errno::Noent);
    // Across two descriptors.
    let d = s.open("d", Oflags::DIRECTORY, READ | DIR_RIGHTS).unwrap();
    rename(&mut s.ctx, d, "f2", PRE, "back").unwrap();
    assert_eq!(fs::read(s.path("back")).unwrap(), b"two");
    rename(&mut s.ctx, PRE, "back", d, "again").unwrap();
    assert_eq!(fs::read(s.path("d/again")).unwrap(), b"two");
    s.entry(d).rights.remove(Rights::PATH_RENAME_TARGET);
    assert_eq!(err(rename(&mut s.ctx, PRE, "e", d, "e")), Errno::Notcapable);
    assert!(s.path("e").exists());

    link(&mut s.ctx, d, NOFOLLOW, "again", PRE, "hard").unwrap();
    assert_eq!(fs::metadata(s.path("hard")).unwrap().nlink(), 2);
    assert_eq!(
        err(link(&mut s.ctx, PRE, NOFOLLOW, "hard", PRE, "d/again")),
        Errno::Exist
    );
    assert_eq!(
        err(link(&mut s.ctx, PRE, NOFOLLOW, "e", PRE, "e2")),
        Errno::Perm
    );
    assert_eq!(
        err(link(&mut s.ctx, PRE, NOFOLLOW, ".", PRE, "e2")),
        Errno::Perm
    );
    assert_eq!(
        err(link(&mut s.ctx, PRE, NOFOLLOW, "hard/", PRE, "h2")),
        Errno::Notdir
    );
    assert_eq!(
        err(link(&mut s.ctx, PRE, NOFOLLOW, "hard", PRE, "h2/")),
        Errno::Noent
    );
    assert_eq!(
        err(link(&mut s.ctx, PRE, NOFOLLOW, "hard", PRE, "e/")),
        Errno::Exist
    );
    assert!(!s.path("e2").exists() && !s.path("h2").exists());
    // A link to a symbolic link: the link itself, or with SYMLINK_FOLLOW its target.
    s.link("hard", "sym");
    link(&mut s.ctx, PRE, NOFOLLOW, "sym", PRE, "sym2").unwrap();
    assert!(fs::symlink_metadata(s.path("sym2")).unwrap().is_symlink());
    link(&mut s.ctx, PRE, FOLLOW, "sym", PRE, "target2").unwrap();
    let m = fs::symlink_metadata(s.path("target2")).unwrap();
    assert!(m.is_file());
    assert_eq!(m.ino(), fs::metadata(s.path("hard")).unwrap().ino());
    assert_eq!(m.nlink(), 3);
}

fn symlinks_inside_are_followed_only_when_asked() {
    let mut s = Sandbox::new();
    s.mkdir("d/e");
    s.write("d/e/f", "data");
    s.link("d/e/f", "lf");
    s.link("d", "ld");
    s.link("../e/f", "d/e/rel");
    s.link("ld/e", "chain");
    // Followed: through links at the end and in the middle, chained.
    for path in [
        "lf",
        "ld/e/f",
        "d/e/rel",
        "chain/f",
        "chain/rel",
        "ld/e/../e/rel",
    ] {
        let fd = s.open(path, Oflags::empty(), READ).unwrap();
        use std::io::Read;
        let mut text = String::new();
        s.file(fd).read_to_string(&mut text).unwrap();
        assert_eq!(text, "data", "{path}");
    }
    // Not followed: the final link is refused (ELOOP, as O_NOFOLLOW).
    let nofollow = |s: &mut Sandbox, p: &str, o: Oflags| {
        s.open_at(PRE, NOFOLLOW, p, o, READ, Fdflags::empty())
    };
    assert_eq!(nofollow(&mut s, "lf", Oflags::empty()), Err(Errno::Loop));
    assert_eq!(
        nofollow(&mut s, "ld/e/rel", Oflags::empty()),
        Err(Errno::Loop)
    );
    assert_eq!(
        nofollow(&mut s, "ld", Oflags::DIRECTORY),
        Err(Errno::Notdir)
    );
    // ... but links before the last component are.
    nofollow(&mut s, "ld/e/f", Oflags::empty()).unwrap();
    let d = s.open("ld", Oflags::DIRECTORY, READ).unwrap();
    assert!(matches!(*s.entry(d).kind, Kind::Dir(_)));
    // CREAT through a dangling link creates its target, inside the sandbox.
    s.link("d/created", "dangling");
    s.open("dangling", Oflags::CREAT, RW).unwrap();
    assert!(s.path("d/created").is_file());
    s.link("d/created2", "dangling2");
    assert_eq!(
        nofollow(&mut s, "dangling2", Oflags::CREAT),
        Err(Errno::Loop)
    );
    assert_eq!(
        s.open("dangling2", Oflags::CREAT | Oflags::EXCL, RW),
        Err(Errno::Exist)
    );
    assert!(!s.path("d/created2").exists());
}

/// Every way out of the sandbox, tried through every call; nothing outside may change.
fn escapes(s: &mut Sandbox) {
    let outside = s.root.join("outside");
    s.mkdir("sub/deeper");
    s.write("inside", "inside");
    s.link(outside.join("secret"), "abs_file");
    s.link(&outside, "abs_dir");
    s.link("../outside/secret", "rel_file");
    s.link("../outside", "rel_dir");
    s.link("../../../outside", "sub/deeper/rel_deep");
    s.link("/", "root");
    s.link("loop_b", "loop_a");
    s.link("loop_a", "loop_b");
    s.link("self", "self");
    let before = s.outside();

    let escaping = [
        "..",
        "../outside/secret",
        "../sandbox/inside",
        "sub/../../outside/secret",
        "sub/deeper/../../..",
        "/etc/passwd",
        "/",
        "abs_file",
        "abs_dir/secret",
        "rel_file",
        "rel_dir/secret",
        "rel_dir",
        "sub/deeper/rel_deep/secret",
        "root/etc/passwd",
        "root",
    ];
    for path in escaping {
        let follow_only = ["abs_file", "rel_file", "rel_dir", "root"].contains(&path);
        assert_eq!(
            s.open(path, Oflags::empty(), READ),
            Err(Errno::Notcapable),
            "{path}"
        );
        assert_eq!(
            s.open(path, Oflags::CREAT, RW),
            Err(Errno::Notcapable),
            "{path}"
        );
        assert_eq!(
            s.open(path, Oflags::TRUNC, RW),
            Err(Errno::Notcapable),
            "{path}"
        );
        assert_eq!(s.stat(path, FOLLOW), Err(Errno::Notcapable), "{path}");
        let times = filestat_set_times(&mut s.ctx, PRE, FOLLOW, path, 1, 1, Fstflags::MTIM);
        assert_eq!(err(times), Errno::Notcapable, "{path}");
        if follow_only {
            // The link itself is inside and may be looked at.
            s.stat(path, NOFOLLOW).unwrap();
            continue;
        }
        assert_eq!(s.stat(path, NOFOLLOW), Err(Errno::Notcapable), "{path}");
        let times = filestat_set_times(&mut s.ctx, PRE, NOFOLLOW, path, 1, 1, Fstflags::MTIM);
        assert_eq!(err(times), Errno::Notcapable, "{path}");
        for r in [
            create_directory(&mut s.ctx, PRE, path),
            remove_directory(&mut s.ctx, PRE, path),
            unlink_file(&mut s.ctx, PRE, path),
            symlink(&mut s.ctx, "x", PRE, path),
            rename(&mut s.ctx, PRE, path, PRE, "stolen"),
            rename(&mut s.ctx, PRE, "inside", PRE, path),
            link(&mut s.ctx, PRE, NOFOLLOW, path, PRE, "stolen"),
            link(&mut s.ctx, PRE, NOFOLLOW, "inside", PRE, path),
        ] {
            assert_eq!(err(r), Errno::Notcapable, "{path}");
        }
        assert_eq!(s.readlink(path, 64), Err(Errno::Notcapable), "{path}");
    }
    // New names under an escaping parent.
    for path in [
        "../new",
        "abs_dir/new",
        "rel_dir/new",
        "sub/deeper/rel_deep/new",
        "root/tmp/x",
    ] {
        assert_eq!(
            s.open(path, Oflags::CREAT, RW),
            Err(Errno::Notcapable),
            "{path}"
        );
        assert_eq!(
            err(create_directory(&mut s.ctx, PRE, path)),
            Errno::Notcapable,
            "{path}"
        );
        assert_eq!(
            err(symlink(&mut s.ctx, "inside", PRE, path)),
            Errno::Notcapable
        );
        assert_eq!(
            err(rename(&mut s.ctx, PRE, "inside", PRE, path)),
            Errno::Notcapable
        );
        assert_eq!(
            err(link(&mut s.ctx, PRE, NOFOLLOW, "inside", PRE, path)),
            Errno::Notcapable
        );
    }
    // Hard-linking through a link that points out.
    assert_eq!(
        err(link(&mut s.ctx, PRE, FOLLOW, "abs_file", PRE, "stolen")),
        Errno::Notcapable
    );
    assert_eq!(
        err(link(&mut s.ctx, PRE, FOLLOW, "rel_file", PRE, "stolen")),
        Errno::Notcapable
    );
    // Loops.
    for path in ["loop_a", "self", "loop_a/x", "sub/../loop_b"] {
        assert_eq!(
            s.open(path, Oflags::empty(), READ),
            Err(Errno::Loop),
            "{path}"
        );
        assert_eq!(s.stat(path, FOLLOW), Err(Errno::Loop), "{path}");
    }
    assert_eq!(
        s.stat("loop_a", NOFOLLOW).unwrap().filetype,
        Filetype::SymbolicLink
    );
    // A descriptor opened below the preopen is its own root.
    let sub = s.open("sub", Oflags::DIRECTORY, READ | DIR_RIGHTS).unwrap();
    let r = open(
        &mut s.ctx,
        sub,
        FOLLOW,
        "../inside",
        Oflags::empty(),
        READ,
        READ,
        Fdflags::empty(),
    );
    assert_eq!(err(r), Errno::Notcapable);
    assert_eq!(
        err(filestat_get(&mut s.ctx, sub, NOFOLLOW, "..")),
        Errno::Notcapable
    );

    assert_eq!(s.outside(), before);
    assert!(!s.path("stolen").exists());
    // Links were looked at, never through: they are all still there.
    assert_eq!(
        fs::read_link(s.path("abs_file")).unwrap(),
        outside.join("secret")
    );
}

fn escapes_are_refused() {
    escapes(&mut Sandbox::new());
}

/// A directory swapped for a symbolic link pointing out, over and over, while the guest opens
/// and stats through it: every call sees the real directory's file or is refused, never the
/// file outside.
///
/// Bounded by iterations, not time: the swapper makes a fixed number of swaps and the guest
/// keeps calling until it is done. How the calls interleave with the swaps depends on the
/// scheduler, so nothing is asserted about how many calls got through during the race; only
/// what the sandbox guarantees for each call, and that the directory, once restored, works.
fn swapped_symlink_race() {
    let mut s = Sandbox::new();
    s.mkdir("real");
    s.write("real/secret", "inside");
    s.mkdir("swap");
    s.write("swap/secret", "inside");
    // Renames keep inodes: the only file a call may reach is this one.
    let inside = fs::metadata(s.path("swap/secret")).unwrap().ino();
    let outside = s.root.join("outside");
    assert_ne!(fs::metadata(outside.join("secret")).unwrap().ino(), inside);
    let base = s.path("");
    let mid_swap = |e: Errno| matches!(e, Errno::Notcapable | Errno::Noent | Errno::Notdir);
    let check = |s: &mut Sandbox| -> bool {
        let opened = match s.open("swap/secret", Oflags::empty(), READ) {
            Ok(fd) => {
                use std::io::Read;
                let mut text = String::new();
                s.file(fd).read_to_string(&mut text).unwrap();
                assert_eq!(s.file(fd).metadata().unwrap().ino(), inside);
                assert_eq!(text, "inside");
                s.ctx.table.remove(fd).unwrap();
                true
            }
            // Refused (the link points out), not there (mid-swap), or, for the fallback walk,
            // not a directory (it opened `swap` an instant after it became the link). What is
            // guaranteed is that the file outside is never reached.
            Err(e) => {
                assert!(mid_swap(e), "{e:?}");
                false
            }
        };
        match s.stat("swap/secret", NOFOLLOW) {
            Ok(st) => assert_eq!(st.ino, inside),
            Err(e) => assert!(mid_swap(e), "{e:?}"),
        }
        opened
    };
    assert!(check(&mut s), "before the race");
    let swapper = std::thread::spawn(move || {
        let (swap, tmp, link) = (base.join("swap"), base.join("tmp"), base.join("link"));
        host_symlink(&outside, &link).unwrap();
        for _ in 0..2000 {
            // swap: directory -> link to outside -> directory.
            fs::rename(&swap, &tmp).unwrap();
            fs::rename(&link, &swap).unwrap();
            fs::rename(&swap, &link).unwrap();
            fs::rename(&tmp, &swap).unwrap();
        }
    });
    while !swapper.is_finished() {
        check(&mut s);
    }
    swapper.join().unwrap();
    assert!(check(&mut s), "after the race, with the directory back");
}

fn names(list: &[(String, u64, Filetype, u64)]) -> Vec<&str> {
    list.iter().map(|e| e.0.as_str()).collect()
}

fn readdir_lists_dot_dotdot_types_and_inodes() {
    let mut s = Sandbox::new();
    s.mkdir("d/sub");
    s.write("d/file", "x");
    s.link("file", "d/link");
    let d = s.open("d", Oflags::DIRECTORY, READ).unwrap();
    let list = s.list(d, 4096);
    let mut sorted = names(&list);
    sorted.sort();
    assert_eq!(sorted, [".", "..", "file", "link", "sub"]);
    assert_eq!(&names(&list)[..2], [".", ".."]);
    for (i, (name, ino, ty, next)) in list.iter().enumerate() {
        assert_eq!(*next, i as u64 + 1);
        let m = fs::symlink_metadata(s.path("d").join(name)).unwrap();
        assert_eq!(*ino, m.ino(), "{name}");
        let want = match name.as_str() {
            "." | ".." | "sub" => Filetype::Directory,
            "file" => Filetype::RegularFile,
            _ => Filetype::SymbolicLink,
        };
        assert_eq!(*ty, want, "{name}");
    }
    // The preopen's ".." is reported as itself.
    let list = s.list(PRE, 4096);
    let root_ino = fs::metadata(s.path("")).unwrap().ino();
    assert_eq!((list[0].1, list[1].1), (root_ino, root_ino));
    assert_ne!(fs::metadata(&s.root).unwrap().ino(), root_ino);

    // Copying-mode buffers give the same bytes.
    let direct = s.readdir(d, 0, 4096, true).unwrap();
    assert_eq!(s.readdir(d, 0, 4096, false).unwrap(), direct);
    // Rights and types.
    let f = s.open("d/file", Oflags::empty(), READ).unwrap();
    assert_eq!(s.readdir(f, 0, 64, true), Err(Errno::Notdir));
    s.entry(d).rights.remove(Rights::FD_READDIR);
    assert_eq!(s.readdir(d, 0, 64, true), Err(Errno::Notcapable));
    assert_eq!(s.readdir(Fd(77), 0, 64, true), Err(Errno::Badf));
}

fn readdir_cookies_truncation_and_rewind() {
    let mut s = Sandbox::new();
    s.mkdir("d");
    s.write("d/a_long_file_name", "");
    let d = s.open("d", Oflags::DIRECTORY, READ).unwrap();
    let all = s.readdir(d, 0, 4096, true).unwrap();
    // ".", "..", and the file: 3 headers and 1 + 2 + 16 name bytes.
    assert_eq!(all.len(), 3 * 24 + 19);
    // A buffer ending inside a header, or inside a name, is filled to the last byte with
    // the prefix of the complete output.
    for len in [1, 10, 24, 25, 26, 48, 60, 74, 75, 80, 91] {
        let part = s.readdir(d, 0, len, true).unwrap();
        assert_eq!(part, all[..len], "len {len}");
    }
    assert_eq!(s.readdir(d, 0, 92, true).unwrap(), all);
    // Cookie n starts at entry n.
    assert_eq!(s.readdir(d, 1, 4096, true).unwrap(), all[25..]);
    assert_eq!(s.readdir(d, 2, 4096, true).unwrap(), all[51..]);
    assert_eq!(s.readdir(d, 3, 4096, true).unwrap(), b"");
    assert_eq!(s.readdir(d, u64::MAX, 4096, true).unwrap(), b"");
    assert_eq!(s.readdir(d, 0, 0, true).unwrap(), b"");

    // A listing is kept until cookie 0 reads the directory again.
    s.write("d/later", "");
    assert_eq!(s.readdir(d, 2, 4096, true).unwrap(), all[51..]);
    let again = s.list(d, 4096);
    assert!(names(&again).contains(&"later"));
    // Tiny buffers work through the libc-style loop.
    assert_eq!(names(&s.list(d, 1)), names(&again));
    assert_eq!(names(&s.list(d, 30)), names(&again));
}

fn readdir_ten_thousand_entries() {
    let mut s = Sandbox::new();
    s.mkdir("big");
    for i in 0..10_000 {
        fs::write(s.path(&format!("big/entry-{i:05}")), "").unwrap();
    }
    let d = s.open("big", Oflags::DIRECTORY, READ).unwrap();
    let list = s.list(d, 4096);
    assert_eq!(list.len(), 10_002);
    let mut got: Vec<&str> = names(&list)[2..].to_vec();
    got.sort();
    let want: Vec<String> = (0..10_000).map(|i| format!("entry-{i:05}")).collect();
    assert_eq!(got, want);
    for (i, e) in list.iter().enumerate() {
        assert_eq!(e.3, i as u64 + 1);
    }
    let e = &list[5000];
    assert_eq!(e.1, fs::metadata(s.path("big").join(&e.0)).unwrap().ino());
    assert_eq!(e.2, Filetype::RegularFile);
}

#[test]
#[ignore = "timing report, not a check"]
fn timing_report() {
    use std::time::Instant;
    let mut s = Sandbox::new();
    s.mkdir("a/b/c/d");
    s.write("f1", "x");
    s.write("a/b/c/d/f5", "x");
    let n = 200_000;
    for (rel, path) in [("f1", "f1"), ("a/b/c/d/f5", "a/b/c/d/f5")] {
        let host = s.path(rel);
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(fs::symlink_metadata(&host).unwrap());
        }
        let native = t.elapsed().as_nanos() as f64 / n as f64;
        let t = Instant::now();
        for _ in 0..n {
            std::hint::black_box(s.stat(path, NOFOLLOW).unwrap());
        }
        let ours = t.elapsed().as_nanos() as f64 / n as f64;
        eprintln!("stat {path}: native {native:.0} ns, host call {ours:.0} ns");
        let t = Instant::now();
        for _ in 0..n {
            drop(std::hint::black_box(File::open(&host).unwrap()));
        }
        let native = t.elapsed().as_nanos() as f64 / n as f64;
        let t = Instant::now();
        for _ in 0..n {
            let fd = s.open(path, Oflags::empty(), READ).unwrap();
            s.ctx.table.remove(fd).unwrap();
        }
        let ours = t.elapsed().as_nanos() as f64 / n as f64;
        eprintln!("open+close {path}: native {native:.0} ns, host call {ours:.0} ns");
    }
}

#[path = "fs_hostile_tests.rs"]
mod hostile;
use hostile::*;

/// Runs the filesystem tests twice: with `openat2` (where the kernel has it) and with the
/// cap-std resolver that serves hosts without it. Both must give the same answers.
/// Whether this kernel answers `openat2`. Where it does not, the `openat2` run would quietly
/// test the fallback a second time: it says it skipped instead, and fails under CI (`CI` set),
/// whose machines have it.
fn openat2_missing() -> bool {
    let missing = matches!(
        rustix::fs::openat2(
            rustix::fs::CWD,
            ".",
            rustix::fs::OFlags::PATH | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
            rustix::fs::ResolveFlags::BENEATH,
        ),
        Err(rustix::io::Errno::NOSYS | rustix::io::Errno::PERM)
    );
    if missing {
        assert!(
            std::env::var_os("CI").is_none(),
            "openat2 is unavailable on this CI machine"
        );
        eprintln!("skipped: openat2 is unavailable; only the fallback resolver was tested");
    }
    missing
}

macro_rules! under_both_resolvers {
    ($($name:ident),* $(,)?) => {
        mod openat2 {
            $(
                #[test]
                fn $name() {
                    if super::openat2_missing() {
                        return;
                    }
                    super::$name()
                }
            )*
        }
        mod cap_std_fallback {
            $(
                #[test]
                fn $name() {
                    super::beneath::tests::FORCE_FALLBACK.with(|f| f.set(true));
                    super::$name()
                }
            )*
        }
    };
}

under_both_resolvers!(
    open_creates_truncates_and_refuses_by_oflags,
    open_applies_fdflags,
    open_rights,
    read_only_preopen_refuses_writes,
    single_component_and_nested_paths,
    filestat_fields_and_times,
    directories_create_remove,
    unlink_and_symlink_and_readlink,
    rename_and_link,
    symlinks_inside_are_followed_only_when_asked,
    escapes_are_refused,
    swapped_symlink_race,
    readdir_lists_dot_dotdot_types_and_inodes,
    readdir_cookies_truncation_and_rewind,
    readdir_ten_thousand_entries,
    symlinked_directories_work_as_parents,
    escapes_through_linked_parents,
    dotdot_of_the_sandbox_root_is_masked,
    long_paths_are_refused,
    open_directory_for_writing_is_eisdir,
);
