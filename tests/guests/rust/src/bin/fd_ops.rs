//! Reads, writes, seeks, metadata and flags on fd 0, which the test makes a read-write
//! regular file holding "0123456789". Uses std's `File` where std has the call and raw
//! preview1 imports for the rest. Exits with the line number of the first failed check.

#[path = "../fd_common.rs"]
#[macro_use]
mod fd_common;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::mem::ManuallyDrop;
use std::os::fd::FromRawFd;
use std::time::{Duration, UNIX_EPOCH};

use fd_common::*;

fn contents(f: &mut File) -> Vec<u8> {
    let pos = f.stream_position().unwrap();
    let mut all = Vec::new();
    f.seek(SeekFrom::Start(0)).unwrap();
    f.read_to_end(&mut all).unwrap();
    f.seek(SeekFrom::Start(pos)).unwrap();
    all
}

fn main() {
    // Borrowed, never closed: fd 0 belongs to the host's setup.
    let mut f = ManuallyDrop::new(unsafe { File::from_raw_fd(0) });

    // fdstat: a regular file with every file right and no flags.
    let st = fdstat(0).unwrap();
    check_eq!(st.filetype, FT_REGULAR);
    check_eq!(st.flags, 0);
    for r in [R_FD_READ, R_FD_WRITE, R_FD_SEEK, R_FD_TELL, R_FD_FILESTAT_GET] {
        check!(st.rights_base & r == r);
    }

    // Sequential reads, then end of file.
    let mut s = String::new();
    check_eq!(f.read_to_string(&mut s).unwrap(), 10);
    check_eq!(s, "0123456789");
    let mut buf = [0u8; 4];
    check_eq!(f.read(&mut buf).unwrap(), 0);
    check_eq!(read_bufs(0, &mut [&mut buf]), Ok(0));

    // Seeking.
    check_eq!(f.seek(SeekFrom::Start(2)).unwrap(), 2);
    let mut three = [0u8; 3];
    f.read_exact(&mut three).unwrap();
    check_eq!(&three, b"234");
    check_eq!(f.stream_position().unwrap(), 5);
    check_eq!(seek(0, -1, SET), Err(EINVAL));
    check_eq!(seek(0, -6, CUR), Err(EINVAL));
    check_eq!(seek(0, -11, END), Err(EINVAL));
    check_eq!(tell(0), Ok(5));
    check_eq!(seek(0, 0, END), Ok(10));
    check_eq!(seek(0, 5, END), Ok(15));
    check_eq!(seek(0, -3, CUR), Ok(12));
    check_eq!(tell(0), Ok(12));
    check_eq!(seek(0, i64::MAX, CUR), Err(EINVAL));

    // Vectored positioned reads leave the offset alone.
    let (mut a, mut b, mut c) = ([0u8; 2], [0u8; 0], [0u8; 3]);
    check_eq!(pread_bufs(0, &mut [&mut a, &mut b, &mut c], 1), Ok(5));
    check_eq!((&a, &c), (b"12", b"345"));
    check_eq!(pread_bufs(0, &mut [&mut a], 9), Ok(1));
    check_eq!(pread_bufs(0, &mut [&mut a], 100), Ok(0));
    check_eq!(pread_bufs(0, &mut [&mut a], 1 << 63), Err(EINVAL));
    check_eq!(tell(0), Ok(12));

    // Positioned writes past the end leave a hole of zeros and the offset alone.
    check_eq!(pwrite_bufs(0, &[b"AB", b"", b"CD"], 20), Ok(4));
    check_eq!(tell(0), Ok(12));
    check_eq!(contents(&mut f), b"0123456789\0\0\0\0\0\0\0\0\0\0ABCD");
    check_eq!(pwrite_bufs(0, &[b"x"], u64::MAX), Err(EINVAL));

    // Zero-length I/O.
    check_eq!(write_bufs(0, &[]), Ok(0));
    check_eq!(write_bufs(0, &[b""]), Ok(0));
    check_eq!(read_bufs(0, &mut []), Ok(0));
    check_eq!(tell(0), Ok(12));

    // A gather write of more buffers than the host keeps inline.
    let pieces: Vec<Vec<u8>> = (0..40u8).map(|i| vec![b'a' + i % 26; 3]).collect();
    let refs: Vec<&[u8]> = pieces.iter().map(|p| p.as_slice()).collect();
    check_eq!(seek(0, 0, SET), Ok(0));
    check_eq!(write_bufs(0, &refs), Ok(120));
    check_eq!(tell(0), Ok(120));
    let expected: Vec<u8> = pieces.concat();
    check_eq!(contents(&mut f), expected);
    // And a scatter read into as many.
    let mut outs: Vec<[u8; 3]> = vec![[0; 3]; 40];
    let mut views: Vec<&mut [u8]> = outs.iter_mut().map(|o| o.as_mut_slice()).collect();
    check_eq!(pread_bufs(0, &mut views, 0), Ok(120));
    check_eq!(outs.concat(), expected);

    // Sizes.
    f.set_len(4).unwrap();
    check_eq!(f.metadata().unwrap().len(), 4);
    let fs = filestat(0).unwrap();
    check_eq!((fs.filetype, fs.size), (FT_REGULAR, 4));
    check!(fs.nlink <= 1);
    check_eq!(unsafe { fd_filestat_set_size(0, 1 << 20) }, 0);
    check_eq!(filestat(0).unwrap().size, 1 << 20);
    check_eq!(unsafe { fd_filestat_set_size(0, u64::MAX) }, EINVAL);
    f.set_len(0).unwrap();

    // Times, to the nanosecond.
    let (atim, mtim) = (1_000_000_123, 2_000_000_456);
    check_eq!(unsafe { fd_filestat_set_times(0, atim, mtim, ATIM | MTIM) }, 0);
    let fs = filestat(0).unwrap();
    check_eq!((fs.atim, fs.mtim), (atim, mtim));
    check_eq!(unsafe { fd_filestat_set_times(0, 5, 5, ATIM | ATIM_NOW) }, EINVAL);
    check_eq!(unsafe { fd_filestat_set_times(0, 5, 5, MTIM | MTIM_NOW) }, EINVAL);
    check_eq!(filestat(0).unwrap().atim, atim);
    // Only mtime, through std; atime stays.
    let t = UNIX_EPOCH + Duration::new(3, 7);
    f.set_times(std::fs::FileTimes::new().set_modified(t)).unwrap();
    let md = f.metadata().unwrap();
    check_eq!(md.modified().unwrap(), t);
    check_eq!(filestat(0).unwrap().atim, atim);
    // "Now" moves past anything in 1970.
    check_eq!(unsafe { fd_filestat_set_times(0, 0, 0, ATIM_NOW | MTIM_NOW) }, 0);
    let fs = filestat(0).unwrap();
    check!(fs.atim > 1_600_000_000_000_000_000 && fs.mtim > 1_600_000_000_000_000_000);

    // Allocation, advice, syncing.
    check_eq!(unsafe { fd_allocate(0, 100, 28) }, 0);
    check_eq!(filestat(0).unwrap().size, 128);
    check_eq!(unsafe { fd_allocate(0, 0, 10) }, 0);
    check_eq!(filestat(0).unwrap().size, 128);
    check_eq!(unsafe { fd_allocate(0, 0, 0) }, EINVAL);
    check_eq!(unsafe { fd_allocate(0, i64::MAX as u64, 1) }, EFBIG);
    for advice in 0..6 {
        check_eq!(unsafe { fd_advise(0, 0, 128, advice) }, 0);
    }
    check_eq!(unsafe { fd_advise(0, 0, 0, 6) }, EINVAL);
    f.sync_all().unwrap();
    f.sync_data().unwrap();
    check_eq!(unsafe { fd_sync(0) }, 0);
    check_eq!(unsafe { fd_datasync(0) }, 0);

    // APPEND: every write goes to the end, whatever the offset.
    f.set_len(0).unwrap();
    f.seek(SeekFrom::Start(0)).unwrap();
    f.write_all(b"0123").unwrap();
    check_eq!(unsafe { fd_fdstat_set_flags(0, APPEND) }, 0);
    check_eq!(fdstat(0).unwrap().flags, APPEND);
    check_eq!(seek(0, 0, SET), Ok(0));
    f.write_all(b"xy").unwrap();
    check_eq!(tell(0), Ok(6));
    // pwrite on an APPEND descriptor appends too (as on Linux) and keeps the offset.
    check_eq!(seek(0, 1, SET), Ok(1));
    check_eq!(pwrite_bufs(0, &[b"Z"], 0), Ok(1));
    check_eq!(tell(0), Ok(1));
    check_eq!(contents(&mut f), b"0123xyZ");
    // Cleared, writes land at the offset again.
    check_eq!(unsafe { fd_fdstat_set_flags(0, 0) }, 0);
    check_eq!(fdstat(0).unwrap().flags, 0);
    check_eq!(seek(0, 0, SET), Ok(0));
    f.write_all(b"ab").unwrap();
    check_eq!(contents(&mut f), b"ab23xyZ");
    check_eq!(pwrite_bufs(0, &[b"!"], 0), Ok(1));
    check_eq!(contents(&mut f), b"!b23xyZ");

    // NONBLOCK toggles; the sync flags cannot change after opening.
    check_eq!(unsafe { fd_fdstat_set_flags(0, NONBLOCK | APPEND) }, 0);
    check_eq!(fdstat(0).unwrap().flags, NONBLOCK | APPEND);
    check_eq!(unsafe { fd_fdstat_set_flags(0, 0) }, 0);
    for flag in [DSYNC, RSYNC, SYNC, SYNC | APPEND] {
        check_eq!(unsafe { fd_fdstat_set_flags(0, flag) }, ENOTSUP);
    }
    check_eq!(fdstat(0).unwrap().flags, 0);
    check_eq!(unsafe { fd_fdstat_set_flags(0, 1 << 7) }, EINVAL);

    // Rights: dropping fd_seek keeps fd_tell (and `seek(0, CUR)`, which ftell uses).
    let all = fdstat(0).unwrap().rights_base;
    check_eq!(unsafe { fd_fdstat_set_rights(0, all & !R_FD_SEEK, 0) }, 0);
    check_eq!(seek(0, 1, SET), Err(ENOTCAPABLE));
    check_eq!(seek(0, 0, CUR), Ok(2));
    check_eq!(tell(0), Ok(2));
    check_eq!(pread_bufs(0, &mut [&mut a], 0), Err(ENOTCAPABLE));
    check_eq!(pwrite_bufs(0, &[b"a"], 0), Err(ENOTCAPABLE));
    // They never come back.
    check_eq!(unsafe { fd_fdstat_set_rights(0, all, 0) }, ENOTCAPABLE);
    check_eq!(unsafe { fd_fdstat_set_rights(0, all & !R_FD_SEEK, R_FD_READ) }, ENOTCAPABLE);
    check_eq!(fdstat(0).unwrap().rights_base, all & !R_FD_SEEK);
    check_eq!(
        unsafe { fd_fdstat_set_rights(0, all & !(R_FD_SEEK | R_FD_WRITE | R_FD_TELL), 0) },
        0
    );
    check_eq!(write_bufs(0, &[b"no"]), Err(ENOTCAPABLE));
    check_eq!(tell(0), Err(ENOTCAPABLE));
    check!(f.write(b"no").is_err());
    check_eq!(read_bufs(0, &mut [&mut a]), Ok(2));
    check_eq!(&a, b"23");

    // Closed and never-open descriptors.
    for fd in [99, u32::MAX] {
        check_eq!(fdstat(fd).unwrap_err(), EBADF);
        check_eq!(filestat(fd).unwrap_err(), EBADF);
        check_eq!(seek(fd, 0, SET), Err(EBADF));
        check_eq!(tell(fd), Err(EBADF));
        check_eq!(read_bufs(fd, &mut []), Err(EBADF));
        check_eq!(write_bufs(fd, &[]), Err(EBADF));
        check_eq!(unsafe { fd_sync(fd) }, EBADF);
        check_eq!(unsafe { fd_close(fd) }, EBADF);
    }

    println!("fd_ops ok");
}
