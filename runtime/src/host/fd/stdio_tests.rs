//! Standard streams: what each kind reports, their stream rights, and `NONBLOCK` kept off the
//! open file descriptions they share with the host.

use super::rw::*;
use super::stat::*;
use super::stdio::*;
use super::testing::{DATA, Mem, ctx, pipe};
use super::tests::{STDIO_WITH_TELL, errno};
use super::*;
use crate::ctx::Stdio;
use std::io::{Read, Seek, Write};

#[test]
fn stdio_kinds_report_their_filetype_and_rights() {
    let (r, _w) = pipe();
    let file = tempfile::tempfile().unwrap();
    let mut ctx = WasiCtx::builder()
        .stdin(Stdio::File(r))
        .stdout(Stdio::File(file))
        .stderr(Stdio::Null)
        .build()
        .unwrap();
    let pipe = fdstat_get(&mut ctx, Fd(0)).unwrap();
    assert_eq!(pipe.fs_filetype, Filetype::Unknown);
    assert!(
        !pipe
            .fs_rights_base
            .intersects(Rights::FD_SEEK | Rights::FD_TELL)
    );
    assert!(
        pipe.fs_rights_base
            .contains(Rights::FD_READ | Rights::FD_WRITE)
    );
    // A file as stdio is a stream: it tells its position, never seeks.
    let reg = fdstat_get(&mut ctx, Fd(1)).unwrap();
    assert_eq!(reg.fs_filetype, Filetype::RegularFile);
    assert!(reg.fs_rights_base.contains(Rights::FD_TELL));
    assert!(!reg.fs_rights_base.contains(Rights::FD_SEEK));
    // /dev/null is a character device with a position: not a tty for wasi-libc's isatty.
    let null = fdstat_get(&mut ctx, Fd(2)).unwrap();
    assert_eq!(null.fs_filetype, Filetype::CharacterDevice);
    assert!(null.fs_rights_base.contains(Rights::FD_TELL));
    for st in [pipe, reg, null] {
        assert!(st.fs_rights_base.difference(STDIO_WITH_TELL).is_empty());
    }
    assert_eq!(
        filestat_get(&mut ctx, Fd(2)).unwrap().filetype,
        Filetype::CharacterDevice
    );
    assert_eq!(
        filestat_get(&mut ctx, Fd(0)).unwrap().filetype,
        Filetype::Unknown
    );
    let mut m = Mem::new();
    let iovs = m.iovecs_mut(&[(DATA, 4)]);
    assert_eq!(read(&mut ctx, Fd(2), iovs).unwrap(), 0);
    m.put(DATA, b"gone");
    let iovs = m.iovecs(&[(DATA, 4)]);
    assert_eq!(write(&mut ctx, Fd(2), iovs).unwrap(), 4);
}

/// Issue 15: a redirected stdout is the user's file. Truncating, backdating, seeking over,
/// allocating or advising it is refused, and the file is left exactly as it was.
#[test]
fn stdio_has_stream_rights_only() {
    let mut log = tempfile::tempfile().unwrap();
    log.write_all(b"yesterday's log\n").unwrap();
    let before = log.metadata().unwrap();
    let mut ctx = ctx(Stdio::Null, Stdio::File(log.try_clone().unwrap()));
    assert_eq!(
        errno(filestat_set_size(&mut ctx, Fd(1), 0)),
        Errno::Notcapable
    );
    let fst = Fstflags::ATIM | Fstflags::MTIM;
    assert_eq!(
        errno(filestat_set_times(&mut ctx, Fd(1), 1, 1, fst)),
        Errno::Notcapable
    );
    assert_eq!(
        errno(seek(&mut ctx, Fd(1), 0, Whence::Set)),
        Errno::Notcapable
    );
    assert_eq!(
        errno(allocate(&mut ctx, Fd(1), 0, 1 << 20)),
        Errno::Notcapable
    );
    assert_eq!(
        errno(advise(&mut ctx, Fd(1), 0, 0, Advice::Dontneed)),
        Errno::Notcapable
    );
    let mut m = Mem::new();
    let iovs = m.iovecs(&[(DATA, 4)]);
    assert_eq!(errno(pwrite(&mut ctx, Fd(1), iovs, 0)), Errno::Notcapable);
    // Rights cannot be taken back either.
    assert_eq!(
        errno(fdstat_set_rights(
            &mut ctx,
            Fd(1),
            Rights::FD_FILESTAT_SET_SIZE,
            Rights::empty()
        )),
        Errno::Notcapable
    );
    // Appending output and asking the position still work.
    m.put(DATA, b"more");
    let iovs = m.iovecs(&[(DATA, 4)]);
    assert_eq!(write(&mut ctx, Fd(1), iovs).unwrap(), 4);
    assert_eq!(tell(&mut ctx, Fd(1)).unwrap(), 20);
    assert_eq!(seek(&mut ctx, Fd(1), 0, Whence::Cur).unwrap(), 20);
    let mut got = String::new();
    log.rewind().unwrap();
    log.read_to_string(&mut got).unwrap();
    assert_eq!(got, "yesterday's log\nmore");
    use std::os::unix::fs::MetadataExt;
    let after = log.metadata().unwrap();
    assert_eq!(after.atime(), before.atime());
    assert!(after.mtime() >= before.mtime());
}

/// Issue 15: `NONBLOCK` set by the guest on a stream shared with the host never reaches the
/// host's open file description, yet the guest sees non-blocking behaviour.
#[test]
fn nonblock_on_shared_stdio_leaves_the_host_description_alone() {
    let (r, mut w) = pipe();
    let (out_r, out_w) = pipe();
    let (r_ours, out_ours) = (r.try_clone().unwrap(), out_w.try_clone().unwrap());
    let flags_in = rustix::fs::fcntl_getfl(&r_ours).unwrap();
    let flags_out = rustix::fs::fcntl_getfl(&out_ours).unwrap();
    {
        let mut ctx = ctx(Stdio::File(r), Stdio::File(out_w));
        fdstat_set_flags(&mut ctx, Fd(0), Fdflags::NONBLOCK).unwrap();
        fdstat_set_flags(&mut ctx, Fd(1), Fdflags::NONBLOCK).unwrap();
        assert_eq!(
            fdstat_get(&mut ctx, Fd(0)).unwrap().fs_flags,
            Fdflags::NONBLOCK
        );
        // The host's descriptions are as they were, while the guest holds the flag.
        assert_eq!(rustix::fs::fcntl_getfl(&r_ours).unwrap(), flags_in);
        assert_eq!(rustix::fs::fcntl_getfl(&out_ours).unwrap(), flags_out);
        // An empty pipe says EAGAIN instead of blocking; data is read.
        let mut m = Mem::new();
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(errno(read(&mut ctx, Fd(0), iovs)), Errno::Again);
        w.write_all(b"ok").unwrap();
        let iovs = m.iovecs_mut(&[(DATA, 4)]);
        assert_eq!(read(&mut ctx, Fd(0), iovs).unwrap(), 2);
        // A full pipe says EAGAIN too, after short writes, never blocking.
        let mut total = 0usize;
        let full = loop {
            let iovs = m.iovecs(&[(DATA, 16384)]);
            match write(&mut ctx, Fd(1), iovs) {
                Ok(n) => {
                    assert!(n > 0 && n as usize <= crate::limits::EMULATED_NONBLOCK_WRITE);
                    total += n as usize;
                }
                Err(e) => break errno::<()>(Err(e)),
            }
            assert!(total < 64 << 20, "the pipe never filled");
        };
        assert_eq!(full, Errno::Again);
        // APPEND cannot be emulated: a change of it is refused and nothing changes.
        assert_eq!(
            errno(fdstat_set_flags(
                &mut ctx,
                Fd(1),
                Fdflags::NONBLOCK | Fdflags::APPEND
            )),
            Errno::Notsup
        );
        assert_eq!(
            fdstat_get(&mut ctx, Fd(1)).unwrap().fs_flags,
            Fdflags::NONBLOCK
        );
    }
    // After the instance, the pipes' file status flags are unchanged.
    assert_eq!(rustix::fs::fcntl_getfl(&r_ours).unwrap(), flags_in);
    assert_eq!(rustix::fs::fcntl_getfl(&out_ours).unwrap(), flags_out);
    drop(out_r);
}

/// A stream the host shares non-blocking reads as blocking for a guest that clears
/// `NONBLOCK`, still without touching the host's flags.
#[test]
fn blocking_guest_on_a_nonblocking_shared_stream_waits() {
    let (r, mut w) = pipe();
    let r_ours = r.try_clone().unwrap();
    let mut flags = rustix::fs::fcntl_getfl(&r).unwrap();
    flags |= rustix::fs::OFlags::NONBLOCK;
    rustix::fs::fcntl_setfl(&r, flags).unwrap();
    let mut ctx = ctx(Stdio::File(r), Stdio::Null);
    assert_eq!(
        fdstat_get(&mut ctx, Fd(0)).unwrap().fs_flags,
        Fdflags::NONBLOCK
    );
    let mut m = Mem::new();
    let iovs = m.iovecs_mut(&[(DATA, 4)]);
    assert_eq!(errno(read(&mut ctx, Fd(0), iovs)), Errno::Again);
    fdstat_set_flags(&mut ctx, Fd(0), Fdflags::empty()).unwrap();
    assert_eq!(rustix::fs::fcntl_getfl(&r_ours).unwrap(), flags);
    let writer = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        w.write_all(b"late").unwrap();
    });
    let iovs = m.iovecs_mut(&[(DATA, 4)]);
    assert_eq!(read(&mut ctx, Fd(0), iovs).unwrap(), 4);
    assert_eq!(m.get(DATA, 4), b"late");
    writer.join().unwrap();
}
