//! The sandboxed filesystem as Rust's std::fs sees it, with `/sandbox` read-write and `/ro`
//! read-only (tree in tests/tests/fs_guests.rs). Exits with the line of the first failed check;
//! when all pass, prints `checks passed: N` last.

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Read, Seek, SeekFrom, Write};

unsafe extern "C" {
    /// wasi-libc's (std's own wrapper is unstable).
    fn symlink(target: *const std::ffi::c_char, path: *const std::ffi::c_char) -> i32;
}

fn symlink_path(target: &str, path: &str) -> std::io::Result<()> {
    let (t, p) = (std::ffi::CString::new(target)?, std::ffi::CString::new(path)?);
    match unsafe { symlink(t.as_ptr(), p.as_ptr()) } {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    }
}

const NOTCAPABLE: i32 = 76;
const LOOP: i32 = 32;
const NOTEMPTY: i32 = 55;
const NOTDIR: i32 = 54;
const ISDIR: i32 = 31;

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

/// The completion line the test looks for.
fn finished() {
    println!(
        "checks passed: {}",
        CHECKS.load(std::sync::atomic::Ordering::Relaxed)
    );
}

fn errno<T>(r: std::io::Result<T>) -> i32 {
    match r {
        Ok(_) => 0,
        Err(e) => e.raw_os_error().unwrap_or(-1),
    }
}

fn main() {
    // Files: create, write, read, append, truncate, seek.
    fs::write("/sandbox/a.txt", "hello").unwrap();
    check!(fs::read_to_string("/sandbox/a.txt").unwrap() == "hello");
    let mut f = OpenOptions::new().append(true).open("/sandbox/a.txt").unwrap();
    f.write_all(b" world").unwrap();
    drop(f);
    check!(fs::read_to_string("/sandbox/a.txt").unwrap() == "hello world");
    let mut f = OpenOptions::new().read(true).write(true).open("/sandbox/a.txt").unwrap();
    f.seek(SeekFrom::Start(6)).unwrap();
    f.write_all(b"W").unwrap();
    f.seek(SeekFrom::Start(0)).unwrap();
    let mut text = String::new();
    f.read_to_string(&mut text).unwrap();
    check!(text == "hello World");
    check!(f.metadata().unwrap().len() == 11);
    drop(f);
    File::create("/sandbox/a.txt").unwrap();
    check!(fs::metadata("/sandbox/a.txt").unwrap().len() == 0);
    check!(File::create_new("/sandbox/a.txt").unwrap_err().kind() == ErrorKind::AlreadyExists);
    check!(File::open("/sandbox/none").unwrap_err().kind() == ErrorKind::NotFound);
    check!(errno(File::open("/sandbox/file/")) == NOTDIR);
    check!(errno(OpenOptions::new().write(true).open("/sandbox/dir")) == ISDIR);

    // Directories, deep.
    fs::create_dir_all("/sandbox/x/y/z/w").unwrap();
    fs::write("/sandbox/x/y/z/w/deep", "deep").unwrap();
    check!(fs::read_to_string("/sandbox/x/y/z/w/../w/./deep").unwrap() == "deep");
    check!(fs::metadata("/sandbox/x/y").unwrap().is_dir());
    check!(errno(fs::remove_dir("/sandbox/x")) == NOTEMPTY);
    fs::remove_dir_all("/sandbox/x").unwrap();
    check!(!fs::exists("/sandbox/x").unwrap());
    check!(fs::remove_file("/sandbox/dir").is_err());

    // Symbolic links and hard links.
    symlink_path("file", "/sandbox/sl").unwrap();
    check!(fs::read_link("/sandbox/sl").unwrap().to_str() == Some("file"));
    check!(fs::read_to_string("/sandbox/sl").unwrap() == "hello");
    check!(fs::symlink_metadata("/sandbox/sl").unwrap().file_type().is_symlink());
    check!(fs::metadata("/sandbox/sl").unwrap().is_file());
    fs::hard_link("/sandbox/file", "/sandbox/hl").unwrap();
    check!(fs::read_to_string("/sandbox/hl").unwrap() == "hello");
    fs::rename("/sandbox/hl", "/sandbox/dir/hl2").unwrap();
    check!(fs::read_to_string("/sandbox/dir/hl2").unwrap() == "hello");
    fs::remove_file("/sandbox/dir/hl2").unwrap();
    fs::remove_file("/sandbox/sl").unwrap();
    check!(fs::read_to_string("/sandbox/file").unwrap() == "hello");

    // Escapes.
    for path in [
        "/sandbox/../outside/secret",
        "/sandbox/abs_link",
        "/sandbox/rel_link",
        "/sandbox/abs_dir_link/secret",
        "/sandbox/dir/deep_link/secret",
        "/sandbox/dir/../../outside/secret",
    ] {
        check!(errno(File::open(path)) == NOTCAPABLE);
        check!(errno(fs::metadata(path)) == NOTCAPABLE);
        check!(errno(fs::write(path, "pwned")) == NOTCAPABLE);
    }
    check!(errno(fs::read_dir("/sandbox/abs_dir_link")) == NOTCAPABLE);
    check!(errno(fs::read_dir("/sandbox/..")) == NOTCAPABLE);
    check!(errno(fs::rename("/sandbox/file", "/sandbox/../outside/file")) == NOTCAPABLE);
    check!(errno(fs::hard_link("/sandbox/file", "/sandbox/abs_dir_link/file")) == NOTCAPABLE);
    check!(errno(fs::create_dir("/sandbox/dir/deep_link/d")) == NOTCAPABLE);
    check!(errno(File::open("/sandbox/loop")) == LOOP);
    // A path outside every preopen never reaches the host.
    check!(File::open("/etc/passwd").is_err());

    // The read-only preopen.
    check!(fs::read_to_string("/ro/data").unwrap() == "read only");
    check!(errno(File::create("/ro/new")) == NOTCAPABLE);
    check!(errno(fs::write("/ro/data", "x")) == NOTCAPABLE);
    // wasi-libc (under std) asks only for rights the directory can give: the open works
    // and the write is refused.
    let mut f = OpenOptions::new().append(true).open("/ro/data").unwrap();
    check!(f.write_all(b"x").is_err());
    check!(errno(fs::create_dir("/ro/d")) == NOTCAPABLE);
    check!(errno(fs::remove_file("/ro/data")) == NOTCAPABLE);
    check!(fs::read_dir("/ro").unwrap().count() == 1);

    // Listings.
    let mut names: Vec<String> = fs::read_dir("/sandbox/dir")
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    check!(names == ["deep_link", "inner"]);
    for e in fs::read_dir("/sandbox/dir").unwrap() {
        let e = e.unwrap();
        let ft = e.file_type().unwrap();
        check!(if e.file_name() == "inner" { ft.is_file() } else { ft.is_symlink() });
    }
    let mut seen = vec![false; 10_000];
    let mut count = 0;
    for e in fs::read_dir("/sandbox/big").unwrap() {
        let name = e.unwrap().file_name().into_string().unwrap();
        let n: usize = name[1..].parse().unwrap();
        check!(!seen[n]);
        seen[n] = true;
        count += 1;
    }
    check!(count == 10_000);
    finished();
}
