//! The operations the workloads time: raw preview1 imports under wasm, libc natively.
//! Failures the workloads do not expect end the process: a benchmark of a broken call is
//! meaningless.

#[cfg(target_os = "wasi")]
pub use wasi::*;

#[cfg(unix)]
pub use native::*;

/// `open_at` flags.
pub const WRITE: u32 = 1;
pub const CREATE: u32 = 2;
pub const TRUNC: u32 = 4;
pub const DIRECTORY: u32 = 8;

fn die(what: &str, errno: i32) -> ! {
    eprintln!("{what} failed: errno {errno}");
    std::process::exit(1)
}

#[cfg(target_os = "wasi")]
mod wasi {
    use super::{CREATE, DIRECTORY, TRUNC, WRITE, die};

    #[repr(C)]
    struct Iovec {
        buf: *const u8,
        len: usize,
    }

    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    unsafe extern "C" {
        fn clock_time_get(id: u32, precision: u64, out: *mut u64) -> i32;
        fn fd_write(fd: u32, iovs: *const Iovec, n: usize, out: *mut usize) -> i32;
        fn fd_read(fd: u32, iovs: *const Iovec, n: usize, out: *mut usize) -> i32;
        fn fd_pwrite(fd: u32, iovs: *const Iovec, n: usize, off: u64, out: *mut usize) -> i32;
        fn fd_pread(fd: u32, iovs: *const Iovec, n: usize, off: u64, out: *mut usize) -> i32;
        fn fd_seek(fd: u32, off: i64, whence: i32, out: *mut u64) -> i32;
        fn fd_filestat_get(fd: u32, out: *mut [u64; 8]) -> i32;
        fn fd_close(fd: u32) -> i32;
        fn fd_readdir(fd: u32, buf: *mut u8, len: usize, cookie: u64, out: *mut usize) -> i32;
        fn fd_prestat_get(fd: u32, out: *mut [u32; 2]) -> i32;
        fn fd_prestat_dir_name(fd: u32, path: *mut u8, len: usize) -> i32;
        fn path_filestat_get(fd: u32, flags: u32, p: *const u8, n: usize, o: *mut [u64; 8]) -> i32;
        fn path_open(
            fd: u32,
            dirflags: u32,
            path: *const u8,
            path_len: usize,
            oflags: i32,
            base: u64,
            inheriting: u64,
            fdflags: i32,
            out: *mut u32,
        ) -> i32;
        fn random_get(buf: *mut u8, len: usize) -> i32;
        fn poll_oneoff(subs: *const u8, events: *mut u8, n: usize, out: *mut usize) -> i32;
        fn environ_sizes_get(count: *mut usize, size: *mut usize) -> i32;
        fn args_sizes_get(count: *mut usize, size: *mut usize) -> i32;
        fn environ_get(environ: *mut *mut u8, buf: *mut u8) -> i32;
    }

    /// Every right: the host narrows what a descriptor actually gets.
    const ALL_RIGHTS: u64 = (1 << 29) - 1;
    /// Rights that need the host file open for writing: fd_write, fd_allocate,
    /// fd_filestat_set_size. Left out of read-only opens, as a libc's `O_RDONLY` would.
    const WRITE_RIGHTS: u64 = 1 << 6 | 1 << 8 | 1 << 22;
    const MONOTONIC: u32 = 1;

    /// Finds the preopen named `name`.
    pub fn open_dir(name: &str) -> u32 {
        for fd in 3..64 {
            let mut prestat = [0u32; 2];
            if unsafe { fd_prestat_get(fd, &mut prestat) } != 0 {
                break;
            }
            let mut path = vec![0u8; prestat[1] as usize];
            if unsafe { fd_prestat_dir_name(fd, path.as_mut_ptr(), path.len()) } == 0
                && path == name.as_bytes()
            {
                return fd;
            }
        }
        die("finding the preopen", 8)
    }

    pub fn now_ns() -> u64 {
        let mut t = 0;
        match unsafe { clock_time_get(MONOTONIC, 1, &mut t) } {
            0 => t,
            e => die("clock_time_get", e),
        }
    }

    pub fn write(fd: u32, data: &[u8]) -> usize {
        let iov = Iovec {
            buf: data.as_ptr(),
            len: data.len(),
        };
        let mut n = 0;
        match unsafe { fd_write(fd, &iov, 1, &mut n) } {
            0 => n,
            e => die("fd_write", e),
        }
    }

    pub fn read(fd: u32, data: &mut [u8]) -> usize {
        let iov = Iovec {
            buf: data.as_mut_ptr(),
            len: data.len(),
        };
        let mut n = 0;
        match unsafe { fd_read(fd, &iov, 1, &mut n) } {
            0 => n,
            e => die("fd_read", e),
        }
    }

    pub fn pwrite(fd: u32, data: &[u8], off: u64) -> usize {
        let iov = Iovec {
            buf: data.as_ptr(),
            len: data.len(),
        };
        let mut n = 0;
        match unsafe { fd_pwrite(fd, &iov, 1, off, &mut n) } {
            0 => n,
            e => die("fd_pwrite", e),
        }
    }

    pub fn pread(fd: u32, data: &mut [u8], off: u64) -> usize {
        let iov = Iovec {
            buf: data.as_mut_ptr(),
            len: data.len(),
        };
        let mut n = 0;
        match unsafe { fd_pread(fd, &iov, 1, off, &mut n) } {
            0 => n,
            e => die("fd_pread", e),
        }
    }

    fn seek(fd: u32, off: i64, whence: i32) -> u64 {
        let mut pos = 0;
        match unsafe { fd_seek(fd, off, whence, &mut pos) } {
            0 => pos,
            e => die("fd_seek", e),
        }
    }

    pub fn seek_cur(fd: u32) -> u64 {
        seek(fd, 0, 1)
    }

    pub fn seek_set(fd: u32, off: u64) -> u64 {
        seek(fd, off as i64, 0)
    }

    pub fn fstat_size(fd: u32) -> u64 {
        let mut st = [0u64; 8];
        match unsafe { fd_filestat_get(fd, &mut st) } {
            0 => st[4],
            e => die("fd_filestat_get", e),
        }
    }

    pub fn stat_at(dir: u32, path: &str) -> Result<u64, i32> {
        let mut st = [0u64; 8];
        match unsafe { path_filestat_get(dir, 1, path.as_ptr(), path.len(), &mut st) } {
            0 => Ok(st[4]),
            e => Err(e),
        }
    }

    pub fn open_at(dir: u32, path: &str, flags: u32) -> Result<u32, i32> {
        let mut oflags = 0;
        if flags & CREATE != 0 {
            oflags |= 1;
        }
        if flags & TRUNC != 0 {
            oflags |= 8;
        }
        if flags & DIRECTORY != 0 {
            oflags |= 2;
        }
        let rights = if flags & WRITE != 0 {
            ALL_RIGHTS
        } else {
            ALL_RIGHTS & !WRITE_RIGHTS
        };
        let mut fd = 0;
        match unsafe {
            path_open(
                dir,
                1,
                path.as_ptr(),
                path.len(),
                oflags,
                rights,
                rights,
                0,
                &mut fd,
            )
        } {
            0 => Ok(fd),
            e => Err(e),
        }
    }

    pub fn close(fd: u32) {
        if let e @ 1.. = unsafe { fd_close(fd) } {
            die("fd_close", e)
        }
    }

    /// Lists one directory from the start on every call, as a program reading it would.
    pub struct Lister {
        fd: u32,
    }

    impl Lister {
        pub fn new(dir: u32, path: &str) -> Lister {
            let fd = open_at(dir, path, super::DIRECTORY)
                .unwrap_or_else(|e| die("opening the directory", e));
            Lister { fd }
        }

        /// Reads every entry (64 KiB per call); returns how many there were.
        pub fn count(&mut self, buf: &mut [u8]) -> u64 {
            let (mut cookie, mut entries) = (0u64, 0u64);
            loop {
                let mut used = 0;
                let e =
                    unsafe { fd_readdir(self.fd, buf.as_mut_ptr(), buf.len(), cookie, &mut used) };
                if e != 0 {
                    die("fd_readdir", e);
                }
                let mut at = 0;
                // Whole entries only: a truncated last one is read again from its cookie.
                while at + 24 <= used {
                    let namlen = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap());
                    if at + 24 + namlen as usize > used {
                        break;
                    }
                    cookie = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
                    entries += 1;
                    at += 24 + namlen as usize;
                }
                if used < buf.len() {
                    return entries;
                }
            }
        }
    }

    pub fn random(buf: &mut [u8]) {
        if let e @ 1.. = unsafe { random_get(buf.as_mut_ptr(), buf.len()) } {
            die("random_get", e)
        }
    }

    /// Waits on a relative monotonic clock that has already elapsed (a timeout of 0).
    pub fn poll_elapsed() -> u64 {
        let mut sub = [0u8; 48];
        sub[0] = 7; // userdata
        sub[8] = 0; // eventtype clock
        sub[16..20].copy_from_slice(&MONOTONIC.to_le_bytes());
        let mut event = [0u8; 32];
        let mut n = 0;
        match unsafe { poll_oneoff(sub.as_ptr(), event.as_mut_ptr(), 1, &mut n) } {
            0 => n as u64 + event[0] as u64,
            e => die("poll_oneoff", e),
        }
    }

    /// A call the host answers without a syscall: the per-call floor.
    pub fn floor() -> u64 {
        let (mut count, mut size) = (0, 0);
        match unsafe { args_sizes_get(&mut count, &mut size) } {
            0 => count as u64,
            e => die("args_sizes_get", e),
        }
    }

    /// Reads the environment the way a libc does at startup; returns its size in bytes.
    pub fn environ_bytes(buf: &mut Vec<u8>) -> u64 {
        let (mut count, mut size) = (0, 0);
        if let e @ 1.. = unsafe { environ_sizes_get(&mut count, &mut size) } {
            die("environ_sizes_get", e)
        }
        if buf.len() < size {
            buf.resize(size, 0);
        }
        let mut ptrs = vec![std::ptr::null_mut::<u8>(); count];
        if let e @ 1.. = unsafe { environ_get(ptrs.as_mut_ptr(), buf.as_mut_ptr()) } {
            die("environ_get", e)
        }
        size as u64
    }
}

#[cfg(unix)]
mod native {
    use super::{CREATE, DIRECTORY, TRUNC, WRITE, die};
    use std::ffi::CString;

    fn errno() -> i32 {
        std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
    }

    fn cstr(path: &str) -> CString {
        CString::new(path).unwrap()
    }

    pub fn open_dir(path: &str) -> u32 {
        let fd = unsafe { libc::open(cstr(path).as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) };
        if fd < 0 {
            die("opening the data directory", errno());
        }
        fd as u32
    }

    pub fn now_ns() -> u64 {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
        ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
    }

    fn check(what: &str, n: isize) -> usize {
        if n < 0 {
            die(what, errno());
        }
        n as usize
    }

    pub fn write(fd: u32, data: &[u8]) -> usize {
        check("write", unsafe {
            libc::write(fd as i32, data.as_ptr().cast(), data.len())
        })
    }

    pub fn read(fd: u32, data: &mut [u8]) -> usize {
        check("read", unsafe {
            libc::read(fd as i32, data.as_mut_ptr().cast(), data.len())
        })
    }

    pub fn pwrite(fd: u32, data: &[u8], off: u64) -> usize {
        let n = unsafe { libc::pwrite(fd as i32, data.as_ptr().cast(), data.len(), off as _) };
        check("pwrite", n)
    }

    pub fn pread(fd: u32, data: &mut [u8], off: u64) -> usize {
        let n = unsafe { libc::pread(fd as i32, data.as_mut_ptr().cast(), data.len(), off as _) };
        check("pread", n)
    }

    pub fn seek_cur(fd: u32) -> u64 {
        check(
            "lseek",
            unsafe { libc::lseek(fd as i32, 0, libc::SEEK_CUR) } as isize,
        ) as u64
    }

    pub fn seek_set(fd: u32, off: u64) -> u64 {
        let n = unsafe { libc::lseek(fd as i32, off as _, libc::SEEK_SET) };
        check("lseek", n as isize) as u64
    }

    pub fn fstat_size(fd: u32) -> u64 {
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        check("fstat", unsafe { libc::fstat(fd as i32, &mut st) } as isize);
        st.st_size as u64
    }

    pub fn stat_at(dir: u32, path: &str) -> Result<u64, i32> {
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let path = cstr(path);
        match unsafe { libc::fstatat(dir as i32, path.as_ptr(), &mut st, 0) } {
            0 => Ok(st.st_size as u64),
            _ => Err(errno()),
        }
    }

    /// A stat that cannot leave `dir`, the way a sandboxing host must do it when `path` has
    /// more than one component: `openat2` with `RESOLVE_BENEATH` for an `O_PATH` descriptor,
    /// `fstat`, `close`. Native only: the kernel's floor for wasi-host's `path_filestat_get`.
    #[cfg(target_os = "linux")]
    pub fn stat_beneath(dir: u32, path: &str) -> Result<u64, i32> {
        let path = cstr(path);
        // SAFETY: `open_how` is plain data; all-zero is its default.
        let mut how: libc::open_how = unsafe { std::mem::zeroed() };
        how.flags = (libc::O_PATH | libc::O_CLOEXEC | libc::O_NOFOLLOW) as u64;
        how.resolve = libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS;
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                dir as libc::c_long,
                path.as_ptr(),
                &how as *const libc::open_how,
                std::mem::size_of::<libc::open_how>(),
            )
        };
        if fd < 0 {
            return Err(errno());
        }
        let mut st: libc::stat = unsafe { std::mem::zeroed() };
        let r = unsafe { libc::fstat(fd as i32, &mut st) };
        unsafe { libc::close(fd as i32) };
        match r {
            0 => Ok(st.st_size as u64),
            _ => Err(errno()),
        }
    }

    pub fn open_at(dir: u32, path: &str, flags: u32) -> Result<u32, i32> {
        let mut oflags = libc::O_CLOEXEC;
        oflags |= if flags & WRITE != 0 {
            libc::O_RDWR
        } else {
            libc::O_RDONLY
        };
        if flags & CREATE != 0 {
            oflags |= libc::O_CREAT;
        }
        if flags & TRUNC != 0 {
            oflags |= libc::O_TRUNC;
        }
        if flags & DIRECTORY != 0 {
            oflags |= libc::O_DIRECTORY;
        }
        let path = cstr(path);
        match unsafe { libc::openat(dir as i32, path.as_ptr(), oflags, 0o644) } {
            fd @ 0.. => Ok(fd as u32),
            _ => Err(errno()),
        }
    }

    pub fn close(fd: u32) {
        unsafe { libc::close(fd as i32) };
    }

    /// Lists one directory from the start on every call, as a program reading it would.
    pub struct Lister {
        dir: *mut libc::DIR,
    }

    impl Lister {
        pub fn new(dir: u32, path: &str) -> Lister {
            let fd = open_at(dir, path, super::DIRECTORY)
                .unwrap_or_else(|e| die("opening the directory", e));
            let dir = unsafe { libc::fdopendir(fd as i32) };
            if dir.is_null() {
                die("fdopendir", errno());
            }
            Lister { dir }
        }

        pub fn count(&mut self, _buf: &mut [u8]) -> u64 {
            unsafe { libc::rewinddir(self.dir) };
            let mut entries = 0;
            while !unsafe { libc::readdir(self.dir) }.is_null() {
                entries += 1;
            }
            entries
        }
    }

    pub fn random(buf: &mut [u8]) {
        let n = unsafe { libc::getrandom(buf.as_mut_ptr().cast(), buf.len(), 0) };
        check("getrandom", n);
    }

    /// The native counterpart of an elapsed clock subscription: a poll with a zero timeout.
    pub fn poll_elapsed() -> u64 {
        check("poll", unsafe { libc::poll(std::ptr::null_mut(), 0, 0) }
            as isize) as u64
    }

    /// Natively there is no host call to make: a plain function call (no native ratio).
    pub fn floor() -> u64 {
        std::hint::black_box(4)
    }

    /// Natively the environment is already in memory: copying it is the comparable work.
    pub fn environ_bytes(buf: &mut Vec<u8>) -> u64 {
        buf.clear();
        for (k, v) in std::env::vars_os() {
            buf.extend_from_slice(k.as_encoded_bytes());
            buf.extend_from_slice(v.as_encoded_bytes());
        }
        buf.len() as u64
    }
}
