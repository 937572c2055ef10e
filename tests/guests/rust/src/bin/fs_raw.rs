//! The path calls and fd_readdir through the raw preview1 imports, errno by errno, with the
//! sandbox preopened as fd 3 and a read-only directory as fd 4 (see tests/tests/fs_guests.rs
//! for the tree the host prepares). Exits with the line number of the first failed check;
//! when all pass, prints `checks passed: N` last.

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn path_open(
        fd: u32,
        dirflags: u32,
        path: *const u8,
        path_len: usize,
        oflags: u32,
        base: u64,
        inheriting: u64,
        fdflags: u32,
        out: *mut u32,
    ) -> u16;
    fn path_create_directory(fd: u32, path: *const u8, len: usize) -> u16;
    fn path_remove_directory(fd: u32, path: *const u8, len: usize) -> u16;
    fn path_unlink_file(fd: u32, path: *const u8, len: usize) -> u16;
    fn path_rename(fd: u32, old: *const u8, old_len: usize, new_fd: u32, new: *const u8, new_len: usize) -> u16;
    fn path_link(
        old_fd: u32,
        old_flags: u32,
        old: *const u8,
        old_len: usize,
        new_fd: u32,
        new: *const u8,
        new_len: usize,
    ) -> u16;
    fn path_symlink(old: *const u8, old_len: usize, fd: u32, new: *const u8, new_len: usize) -> u16;
    fn path_readlink(fd: u32, path: *const u8, len: usize, buf: *mut u8, buf_len: usize, out: *mut usize) -> u16;
    fn path_filestat_get(fd: u32, flags: u32, path: *const u8, len: usize, out: *mut Filestat) -> u16;
    fn path_filestat_set_times(fd: u32, flags: u32, path: *const u8, len: usize, atim: u64, mtim: u64, fst: u32) -> u16;
    fn fd_readdir(fd: u32, buf: *mut u8, len: usize, cookie: u64, out: *mut usize) -> u16;
}

#[repr(C)]
#[derive(Default, PartialEq, Debug)]
struct Filestat {
    dev: u64,
    ino: u64,
    filetype: u8,
    nlink: u64,
    size: u64,
    atim: u64,
    mtim: u64,
    ctim: u64,
}

const SANDBOX: u32 = 3;
const READ_ONLY: u32 = 4;
const FOLLOW: u32 = 1;

const EXIST: u16 = 20;
const INVAL: u16 = 28;
const ISDIR: u16 = 31;
const LOOP: u16 = 32;
const NOENT: u16 = 44;
const NOTDIR: u16 = 54;
const NOTEMPTY: u16 = 55;
const NOTCAPABLE: u16 = 76;

const CREAT: u32 = 1;
const DIRECTORY: u32 = 2;
const EXCL: u32 = 4;
const TRUNC: u32 = 8;

const FD_READ: u64 = 1 << 1;
const FD_WRITE: u64 = 1 << 6;
const FD_READDIR: u64 = 1 << 14;
const ALL: u64 = (1 << 29) - 1;

const REGULAR: u8 = 4;
const DIR: u8 = 3;
const SYMLINK: u8 = 7;

/// Checks run so far: the last line printed says how many passed, so the test can tell a
/// guest that finished from one that stopped early with status 0.
static CHECKS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

macro_rules! check {
    ($cond:expr) => {
        CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if !$cond {
            std::process::exit(line!() as i32);
        }
    };
}

/// A check whose number of runs depends on the host (how many `fd_readdir` calls a listing
/// takes depends on the order the file system returns names in): it fails like `check!` but
/// is not counted, so the count stays the same on every file system.
macro_rules! check_uncounted {
    ($cond:expr) => {
        if !$cond {
            std::process::exit(line!() as i32);
        }
    };
}

/// The completion line the test looks for.
fn finished() {
    println!(
        "checks passed: {}",
        CHECKS.load(std::sync::atomic::Ordering::Relaxed)
    );
}

fn open(dir: u32, flags: u32, path: &str, oflags: u32, rights: u64) -> Result<u32, u16> {
    let mut fd = 0;
    match unsafe {
        path_open(dir, flags, path.as_ptr(), path.len(), oflags, rights, ALL, 0, &mut fd)
    } {
        0 => Ok(fd),
        e => Err(e),
    }
}

fn stat(dir: u32, flags: u32, path: &str) -> Result<Filestat, u16> {
    let mut st = Filestat::default();
    match unsafe { path_filestat_get(dir, flags, path.as_ptr(), path.len(), &mut st) } {
        0 => Ok(st),
        e => Err(e),
    }
}

fn mkdir(dir: u32, path: &str) -> u16 {
    unsafe { path_create_directory(dir, path.as_ptr(), path.len()) }
}

fn rmdir(dir: u32, path: &str) -> u16 {
    unsafe { path_remove_directory(dir, path.as_ptr(), path.len()) }
}

fn unlink(dir: u32, path: &str) -> u16 {
    unsafe { path_unlink_file(dir, path.as_ptr(), path.len()) }
}

fn rename(a: u32, old: &str, b: u32, new: &str) -> u16 {
    unsafe { path_rename(a, old.as_ptr(), old.len(), b, new.as_ptr(), new.len()) }
}

fn link(a: u32, flags: u32, old: &str, b: u32, new: &str) -> u16 {
    unsafe { path_link(a, flags, old.as_ptr(), old.len(), b, new.as_ptr(), new.len()) }
}

fn symlink(target: &str, dir: u32, new: &str) -> u16 {
    unsafe { path_symlink(target.as_ptr(), target.len(), dir, new.as_ptr(), new.len()) }
}

fn readlink(dir: u32, path: &str, len: usize) -> Result<Vec<u8>, u16> {
    let mut buf = vec![0u8; len];
    let mut n = 0;
    match unsafe { path_readlink(dir, path.as_ptr(), path.len(), buf.as_mut_ptr(), len, &mut n) } {
        0 => {
            buf.truncate(n);
            Ok(buf)
        }
        e => Err(e),
    }
}

fn set_times(dir: u32, flags: u32, path: &str, atim: u64, mtim: u64, fst: u32) -> u16 {
    unsafe { path_filestat_set_times(dir, flags, path.as_ptr(), path.len(), atim, mtim, fst) }
}

/// Lists `fd` like wasi-libc: whole entries per call, again from the last whole entry's
/// cookie while the buffer comes back full, doubling a buffer too small for one entry.
fn list(fd: u32, start_len: usize) -> Vec<(String, u64, u8)> {
    let mut out = Vec::new();
    let mut cookie = 0u64;
    let mut buf = vec![0u8; start_len];
    loop {
        let mut used = 0;
        let e = unsafe { fd_readdir(fd, buf.as_mut_ptr(), buf.len(), cookie, &mut used) };
        check_uncounted!(e == 0);
        check_uncounted!(used <= buf.len());
        let mut at = 0;
        let mut whole = 0;
        while at + 24 <= used {
            let next = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
            let ino = u64::from_le_bytes(buf[at + 8..at + 16].try_into().unwrap());
            let namlen = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
            if at + 24 + namlen > used {
                break;
            }
            let name = String::from_utf8(buf[at + 24..at + 24 + namlen].to_vec()).unwrap();
            out.push((name, ino, buf[at + 20]));
            check_uncounted!(next == cookie + 1 || whole > 0);
            cookie = next;
            at += 24 + namlen;
            whole += 1;
        }
        if used < buf.len() {
            return out;
        }
        if whole == 0 {
            let len = buf.len() * 2;
            buf.resize(len, 0);
        }
    }
}

fn main() {
    // Opening, creating, truncating.
    let f = open(SANDBOX, FOLLOW, "file", 0, FD_READ);
    check!(f.is_ok_and(|fd| fd > 4));
    check!(open(SANDBOX, FOLLOW, "created", CREAT | EXCL, FD_READ | FD_WRITE).is_ok());
    check!(open(SANDBOX, FOLLOW, "created", CREAT | EXCL, FD_READ | FD_WRITE) == Err(EXIST));
    check!(open(SANDBOX, FOLLOW, "trunc_me", TRUNC, FD_WRITE).is_ok());
    check!(open(SANDBOX, FOLLOW, "missing", 0, FD_READ) == Err(NOENT));
    check!(open(SANDBOX, FOLLOW, "file/", 0, FD_READ) == Err(NOTDIR));
    check!(open(SANDBOX, FOLLOW, "file", DIRECTORY, FD_READ) == Err(NOTDIR));
    check!(open(SANDBOX, FOLLOW, "dir", 0, FD_WRITE) == Err(ISDIR));
    check!(open(SANDBOX, FOLLOW, "", 0, FD_READ) == Err(NOENT));
    check!(open(SANDBOX, FOLLOW, "fi\0le", 0, FD_READ) == Err(INVAL));
    // Asking for a directory with the write right is EISDIR, as open(O_DIRECTORY|O_WRONLY).
    check!(open(SANDBOX, FOLLOW, "dir", DIRECTORY, ALL) == Err(ISDIR));
    let dir = open(SANDBOX, FOLLOW, "dir", DIRECTORY, ALL & !FD_WRITE);
    check!(dir.is_ok());
    let dir = dir.unwrap();
    // A descriptor below the preopen resolves beneath itself.
    check!(stat(dir, 0, "inner").is_ok_and(|s| s.filetype == REGULAR && s.size == 5));
    check!(stat(dir, 0, "../file") == Err(NOTCAPABLE));

    // Escapes: absolute paths, "..", symbolic links pointing out (absolute, relative, in
    // the middle of the path), and the same through every call.
    for path in [
        "/etc/passwd",
        "..",
        "../outside/secret",
        "dir/../../outside/secret",
        "abs_link",
        "rel_link",
        "abs_dir_link/secret",
        "dir/deep_link/secret",
    ] {
        check!(open(SANDBOX, FOLLOW, path, 0, FD_READ) == Err(NOTCAPABLE));
        check!(open(SANDBOX, FOLLOW, path, CREAT | TRUNC, FD_WRITE) == Err(NOTCAPABLE));
        check!(stat(SANDBOX, FOLLOW, path) == Err(NOTCAPABLE));
        check!(set_times(SANDBOX, FOLLOW, path, 1, 1, 5) == NOTCAPABLE);
    }
    for path in ["../outside/new", "abs_dir_link/new", "dir/deep_link/new", "/tmp/new"] {
        check!(mkdir(SANDBOX, path) == NOTCAPABLE);
        check!(symlink("file", SANDBOX, path) == NOTCAPABLE);
        check!(rename(SANDBOX, "file", SANDBOX, path) == NOTCAPABLE);
        check!(link(SANDBOX, 0, "file", SANDBOX, path) == NOTCAPABLE);
        check!(open(SANDBOX, FOLLOW, path, CREAT, FD_WRITE) == Err(NOTCAPABLE));
    }
    check!(unlink(SANDBOX, "../outside/secret") == NOTCAPABLE);
    check!(unlink(SANDBOX, "abs_dir_link/secret") == NOTCAPABLE);
    check!(rmdir(SANDBOX, "../outside") == NOTCAPABLE);
    check!(rename(SANDBOX, "../outside/secret", SANDBOX, "stolen") == NOTCAPABLE);
    check!(link(SANDBOX, 0, "../outside/secret", SANDBOX, "stolen") == NOTCAPABLE);
    check!(link(SANDBOX, FOLLOW, "abs_link", SANDBOX, "stolen") == NOTCAPABLE);
    check!(readlink(SANDBOX, "../outside/link", 64) == Err(NOTCAPABLE));
    // Not following, a link that points out is only looked at.
    check!(stat(SANDBOX, 0, "abs_link").is_ok_and(|s| s.filetype == SYMLINK));
    check!(open(SANDBOX, 0, "abs_link", 0, FD_READ) == Err(LOOP));
    check!(readlink(SANDBOX, "rel_link", 64).is_ok_and(|t| t == b"../outside/secret"));
    // Loops.
    check!(open(SANDBOX, FOLLOW, "loop", 0, FD_READ) == Err(LOOP));
    check!(stat(SANDBOX, FOLLOW, "loop/x") == Err(LOOP));

    // Directories.
    check!(mkdir(SANDBOX, "new_dir") == 0);
    check!(mkdir(SANDBOX, "new_dir/sub/") == 0);
    check!(mkdir(SANDBOX, "new_dir") == EXIST);
    check!(rmdir(SANDBOX, "new_dir") == NOTEMPTY);
    check!(unlink(SANDBOX, "new_dir") == ISDIR);
    check!(rmdir(SANDBOX, "new_dir/sub") == 0);
    check!(rmdir(SANDBOX, "file") == NOTDIR);
    check!(unlink(SANDBOX, "file/") == NOTDIR);
    check!(stat(SANDBOX, 0, "new_dir/.").is_ok_and(|s| s.filetype == DIR));
    check!(stat(SANDBOX, 0, "new_dir/..").is_ok_and(|s| s.filetype == DIR));

    // Symbolic links, readlink truncation, links and renames.
    check!(symlink("file", SANDBOX, "my_link") == 0);
    check!(symlink("file", SANDBOX, "my_link") == EXIST);
    check!(readlink(SANDBOX, "my_link", 64).is_ok_and(|t| t == b"file"));
    check!(readlink(SANDBOX, "my_link", 2).is_ok_and(|t| t == b"fi"));
    check!(readlink(SANDBOX, "file", 64) == Err(INVAL));
    check!(stat(SANDBOX, 0, "my_link").is_ok_and(|s| s.filetype == SYMLINK && s.size == 4));
    check!(stat(SANDBOX, FOLLOW, "my_link").is_ok_and(|s| s.filetype == REGULAR && s.size == 5));
    check!(link(SANDBOX, 0, "file", SANDBOX, "hard") == 0);
    check!(stat(SANDBOX, 0, "file").is_ok_and(|s| s.nlink == 2));
    check!(rename(SANDBOX, "created", dir, "renamed") == 0);
    check!(rename(dir, "renamed", SANDBOX, "new_dir/renamed") == 0);
    check!(rename(SANDBOX, "new_dir/renamed", SANDBOX, "hard") == 0);
    check!(stat(SANDBOX, 0, "file").is_ok_and(|s| s.nlink == 1));
    check!(unlink(SANDBOX, "my_link") == 0);
    check!(stat(SANDBOX, 0, "file").is_ok());

    // Times, to the nanosecond, and conflicting flags.
    let (t1, t2) = (1_600_000_000_123_456_789, 1_700_000_000_987_654_321);
    check!(set_times(SANDBOX, 0, "file", t1, t2, 1 | 4) == 0);
    check!(stat(SANDBOX, 0, "file").is_ok_and(|s| s.atim == t1 && s.mtim == t2));
    check!(set_times(SANDBOX, 0, "file", 1, 1, 1 | 2) == INVAL);
    check!(set_times(SANDBOX, 0, "file", 1, 1, 4 | 8) == INVAL);
    check!(stat(SANDBOX, 0, "file").is_ok_and(|s| s.atim == t1 && s.mtim == t2));

    // The read-only preopen.
    check!(open(READ_ONLY, FOLLOW, "data", 0, FD_READ).is_ok());
    check!(open(READ_ONLY, FOLLOW, "data", 0, FD_READ | FD_WRITE) == Err(NOTCAPABLE));
    check!(open(READ_ONLY, FOLLOW, "new", CREAT, FD_READ) == Err(NOTCAPABLE));
    check!(open(READ_ONLY, FOLLOW, "data", TRUNC, FD_READ) == Err(NOTCAPABLE));
    check!(mkdir(READ_ONLY, "d") == NOTCAPABLE);
    check!(unlink(READ_ONLY, "data") == NOTCAPABLE);
    check!(rename(READ_ONLY, "data", SANDBOX, "taken") == NOTCAPABLE);
    check!(set_times(READ_ONLY, 0, "data", 1, 1, 5) == NOTCAPABLE);

    // Listings: "." and "..", types, inodes, in any buffer size.
    let entries = list(dir, 4096);
    check!(entries.len() == 4);
    check!(entries[0].0 == "." && entries[1].0 == "..");
    let dot_ino = stat(SANDBOX, 0, "dir").unwrap().ino;
    check!(entries[0].1 == dot_ino);
    check!(entries[1].1 == stat(SANDBOX, 0, ".").unwrap().ino);
    for (name, ino, ty) in &entries[2..] {
        let st = stat(dir, 0, name).unwrap();
        check!(st.ino == *ino && st.filetype == *ty);
    }
    for len in [1, 23, 24, 25, 30, 60] {
        let small = list(dir, len);
        check!(small == entries);
    }
    // 10,000 entries, each once.
    let big = open(SANDBOX, FOLLOW, "big", DIRECTORY, FD_READDIR);
    check!(big.is_ok());
    let all = list(big.unwrap(), 4096);
    check!(all.len() == 10_002);
    let mut seen = vec![false; 10_000];
    for (name, _, ty) in &all[2..] {
        check!(*ty == REGULAR);
        let n: usize = name.strip_prefix("e").unwrap().parse().unwrap();
        check!(!seen[n]);
        seen[n] = true;
    }
    check!(seen.iter().all(|s| *s));
    finished();
}
