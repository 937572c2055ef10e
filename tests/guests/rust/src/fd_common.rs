//! Raw preview1 imports, layouts and constants shared by the descriptor and poll guests
//! (`fd_*`, `poll_*`, `stdio_*`), included with `#[path]`. Checks exit with the failing line
//! number after printing both sides to stderr.
#![allow(dead_code)]

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    pub fn fd_read(fd: u32, iovs: *const Iovec, n: usize, nread: *mut usize) -> u16;
    pub fn fd_write(fd: u32, iovs: *const Iovec, n: usize, nwritten: *mut usize) -> u16;
    pub fn fd_pread(fd: u32, iovs: *const Iovec, n: usize, off: u64, nread: *mut usize) -> u16;
    pub fn fd_pwrite(fd: u32, iovs: *const Iovec, n: usize, off: u64, nw: *mut usize) -> u16;
    pub fn fd_seek(fd: u32, delta: i64, whence: u8, newoffset: *mut u64) -> u16;
    pub fn fd_tell(fd: u32, offset: *mut u64) -> u16;
    pub fn fd_fdstat_get(fd: u32, out: *mut Fdstat) -> u16;
    pub fn fd_fdstat_set_flags(fd: u32, flags: u16) -> u16;
    pub fn fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64) -> u16;
    pub fn fd_filestat_get(fd: u32, out: *mut Filestat) -> u16;
    pub fn fd_filestat_set_size(fd: u32, size: u64) -> u16;
    pub fn fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, flags: u16) -> u16;
    pub fn fd_allocate(fd: u32, off: u64, len: u64) -> u16;
    pub fn fd_advise(fd: u32, off: u64, len: u64, advice: u8) -> u16;
    pub fn fd_sync(fd: u32) -> u16;
    pub fn fd_datasync(fd: u32) -> u16;
    pub fn fd_close(fd: u32) -> u16;
    pub fn fd_renumber(from: u32, to: u32) -> u16;
    pub fn fd_prestat_get(fd: u32, out: *mut Prestat) -> u16;
    pub fn fd_prestat_dir_name(fd: u32, buf: *mut u8, len: usize) -> u16;
    pub fn poll_oneoff(
        subs: *const Subscription,
        events: *mut Event,
        n: usize,
        nevents: *mut usize,
    ) -> u16;
    pub fn clock_time_get(id: u32, precision: u64, out: *mut u64) -> u16;
}

pub const EAGAIN: u16 = 6;
pub const EBADF: u16 = 8;
pub const EFBIG: u16 = 22;
pub const EINVAL: u16 = 28;
pub const EISDIR: u16 = 31;
pub const ENAMETOOLONG: u16 = 37;
pub const ENOTSUP: u16 = 58;
pub const EPIPE: u16 = 64;
pub const ESPIPE: u16 = 70;
pub const ENOTCAPABLE: u16 = 76;

pub const R_FD_DATASYNC: u64 = 1 << 0;
pub const R_FD_READ: u64 = 1 << 1;
pub const R_FD_SEEK: u64 = 1 << 2;
pub const R_FD_FDSTAT_SET_FLAGS: u64 = 1 << 3;
pub const R_FD_SYNC: u64 = 1 << 4;
pub const R_FD_TELL: u64 = 1 << 5;
pub const R_FD_WRITE: u64 = 1 << 6;
pub const R_PATH_CREATE_FILE: u64 = 1 << 10;
pub const R_PATH_OPEN: u64 = 1 << 13;
pub const R_FD_FILESTAT_GET: u64 = 1 << 21;
pub const R_POLL_FD_READWRITE: u64 = 1 << 27;

pub const APPEND: u16 = 1;
pub const DSYNC: u16 = 2;
pub const NONBLOCK: u16 = 4;
pub const RSYNC: u16 = 8;
pub const SYNC: u16 = 16;

pub const FT_UNKNOWN: u8 = 0;
pub const FT_CHAR: u8 = 2;
pub const FT_DIR: u8 = 3;
pub const FT_REGULAR: u8 = 4;

pub const ATIM: u16 = 1;
pub const ATIM_NOW: u16 = 2;
pub const MTIM: u16 = 4;
pub const MTIM_NOW: u16 = 8;

pub const SET: u8 = 0;
pub const CUR: u8 = 1;
pub const END: u8 = 2;

pub const CLOCK: u8 = 0;
pub const FD_READ: u8 = 1;
pub const FD_WRITE: u8 = 2;
pub const HANGUP: u16 = 1;
pub const REALTIME: u32 = 0;
pub const MONOTONIC: u32 = 1;
pub const ABSTIME: u16 = 1;

#[repr(C)]
#[derive(Clone, Copy)]
pub struct Iovec {
    pub buf: *const u8,
    pub len: usize,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Fdstat {
    pub filetype: u8,
    pub flags: u16,
    pub rights_base: u64,
    pub rights_inheriting: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Filestat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Prestat {
    pub tag: u8,
    pub name_len: u32,
}

/// `subscription`: the union's payload fields overlaid (`a` is the clock id or the fd).
#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Subscription {
    pub userdata: u64,
    pub tag: u8,
    pub _pad0: [u8; 7],
    pub a: u32,
    pub _pad1: u32,
    pub timeout: u64,
    pub precision: u64,
    pub flags: u16,
}

#[repr(C)]
#[derive(Clone, Copy, Default, Debug)]
pub struct Event {
    pub userdata: u64,
    pub error: u16,
    pub type_: u8,
    pub nbytes: u64,
    pub flags: u16,
}

const _: () = assert!(std::mem::size_of::<Subscription>() == 48);
const _: () = assert!(std::mem::offset_of!(Subscription, a) == 16);
const _: () = assert!(std::mem::offset_of!(Subscription, timeout) == 24);
const _: () = assert!(std::mem::offset_of!(Subscription, flags) == 40);
const _: () = assert!(std::mem::offset_of!(Event, nbytes) == 16);
const _: () = assert!(std::mem::size_of::<Event>() == 32);
const _: () = assert!(std::mem::size_of::<Filestat>() == 64);
const _: () = assert!(std::mem::size_of::<Fdstat>() == 24);

pub fn clock_sub(userdata: u64, id: u32, timeout: u64, flags: u16) -> Subscription {
    Subscription {
        userdata,
        tag: CLOCK,
        a: id,
        timeout,
        flags,
        ..Default::default()
    }
}

pub fn fd_sub(userdata: u64, tag: u8, fd: u32) -> Subscription {
    Subscription {
        userdata,
        tag,
        a: fd,
        ..Default::default()
    }
}

/// Runs `poll_oneoff`, returning the errno and the events written.
pub fn poll(subs: &[Subscription]) -> (u16, Vec<Event>) {
    let mut events = vec![Event::default(); subs.len().max(1)];
    let mut n = 0usize;
    let e = unsafe { poll_oneoff(subs.as_ptr(), events.as_mut_ptr(), subs.len(), &mut n) };
    events.truncate(n);
    (e, events)
}

pub fn now(id: u32) -> u64 {
    let mut t = 0;
    assert_eq!(unsafe { clock_time_get(id, 1, &mut t) }, 0);
    t
}

pub fn fdstat(fd: u32) -> Result<Fdstat, u16> {
    let mut st = Fdstat::default();
    match unsafe { fd_fdstat_get(fd, &mut st) } {
        0 => Ok(st),
        e => Err(e),
    }
}

pub fn filestat(fd: u32) -> Result<Filestat, u16> {
    let mut st = Filestat::default();
    match unsafe { fd_filestat_get(fd, &mut st) } {
        0 => Ok(st),
        e => Err(e),
    }
}

pub fn seek(fd: u32, delta: i64, whence: u8) -> Result<u64, u16> {
    let mut pos = 0;
    match unsafe { fd_seek(fd, delta, whence, &mut pos) } {
        0 => Ok(pos),
        e => Err(e),
    }
}

pub fn tell(fd: u32) -> Result<u64, u16> {
    let mut pos = 0;
    match unsafe { fd_tell(fd, &mut pos) } {
        0 => Ok(pos),
        e => Err(e),
    }
}

pub fn write_bufs(fd: u32, bufs: &[&[u8]]) -> Result<usize, u16> {
    let iovs: Vec<Iovec> = bufs
        .iter()
        .map(|b| Iovec {
            buf: b.as_ptr(),
            len: b.len(),
        })
        .collect();
    let mut n = 0;
    match unsafe { fd_write(fd, iovs.as_ptr(), iovs.len(), &mut n) } {
        0 => Ok(n),
        e => Err(e),
    }
}

pub fn read_bufs(fd: u32, bufs: &mut [&mut [u8]]) -> Result<usize, u16> {
    let iovs: Vec<Iovec> = bufs
        .iter_mut()
        .map(|b| Iovec {
            buf: b.as_mut_ptr(),
            len: b.len(),
        })
        .collect();
    let mut n = 0;
    match unsafe { fd_read(fd, iovs.as_ptr(), iovs.len(), &mut n) } {
        0 => Ok(n),
        e => Err(e),
    }
}

pub fn pread_bufs(fd: u32, bufs: &mut [&mut [u8]], off: u64) -> Result<usize, u16> {
    let iovs: Vec<Iovec> = bufs
        .iter_mut()
        .map(|b| Iovec {
            buf: b.as_mut_ptr(),
            len: b.len(),
        })
        .collect();
    let mut n = 0;
    match unsafe { fd_pread(fd, iovs.as_ptr(), iovs.len(), off, &mut n) } {
        0 => Ok(n),
        e => Err(e),
    }
}

pub fn pwrite_bufs(fd: u32, bufs: &[&[u8]], off: u64) -> Result<usize, u16> {
    let iovs: Vec<Iovec> = bufs
        .iter()
        .map(|b| Iovec {
            buf: b.as_ptr(),
            len: b.len(),
        })
        .collect();
    let mut n = 0;
    match unsafe { fd_pwrite(fd, iovs.as_ptr(), iovs.len(), off, &mut n) } {
        0 => Ok(n),
        e => Err(e),
    }
}

/// Exits with the line number unless `a == b`, printing both.
#[macro_export]
macro_rules! check_eq {
    ($a:expr, $b:expr) => {{
        let (a, b) = (&$a, &$b);
        if a != b {
            eprintln!(
                "line {}: {} = {:?}, expected {:?}",
                line!(),
                stringify!($a),
                a,
                b
            );
            std::process::exit(line!() as i32);
        }
    }};
}

/// Exits with the line number unless `cond` holds.
#[macro_export]
macro_rules! check {
    ($cond:expr) => {
        if !$cond {
            eprintln!("line {}: {} failed", line!(), stringify!($cond));
            std::process::exit(line!() as i32);
        }
    };
}
