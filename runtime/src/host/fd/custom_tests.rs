//! Preview1's calls on a host-defined descriptor: the trait's answers where it has a method,
//! the errno of a descriptor without the ability everywhere else.

use std::io::SeekFrom;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::rw::*;
use super::stat::*;
use super::stdio::*;
use super::testing::{DATA, Mem};
use super::tests::errno;
use super::*;
use crate::HostDescriptor;
use crate::ctx::DescriptorRights;

/// A byte queue with no position: what it is given is read back in order.
#[derive(Default)]
struct Queue {
    bytes: Mutex<Vec<u8>>,
    /// The flags the last read or write was given (bits, `Fdflags` has no default).
    flags: Mutex<u16>,
    dropped: Arc<AtomicBool>,
}

impl HostDescriptor for Queue {
    fn filetype(&self) -> Filetype {
        Filetype::CharacterDevice
    }

    fn read(&self, buf: &mut [u8], flags: Fdflags) -> Result<usize, Errno> {
        *self.flags.lock().unwrap() = flags.bits();
        let mut bytes = self.bytes.lock().unwrap();
        if bytes.is_empty() && flags.contains(Fdflags::NONBLOCK) {
            return Err(Errno::Again);
        }
        let n = buf.len().min(bytes.len());
        buf[..n].copy_from_slice(&bytes[..n]);
        bytes.drain(..n);
        Ok(n)
    }

    fn write(&self, buf: &[u8], flags: Fdflags) -> Result<usize, Errno> {
        *self.flags.lock().unwrap() = flags.bits();
        self.bytes.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
}

impl Drop for Queue {
    fn drop(&mut self) {
        self.dropped.store(true, Ordering::SeqCst);
    }
}

/// A context with a [`Queue`] at fd 3 (every host right), and the queue.
fn queue_ctx() -> (WasiCtx, Arc<Queue>) {
    let mut ctx = super::testing::ctx(crate::ctx::Stdio::Null, crate::ctx::Stdio::Null);
    let queue = Arc::new(Queue::default());
    let fd = ctx
        .descriptors()
        .insert_host(queue.clone(), DescriptorRights::HOST)
        .unwrap();
    assert_eq!(fd, Fd(3));
    (ctx, queue)
}

#[test]
fn reads_and_writes_go_to_the_trait_one_buffer_per_call() {
    let (mut ctx, queue) = queue_ctx();
    let mut m = Mem::new();
    m.put(DATA, b"hello world");
    // An empty first buffer is skipped; only the first non-empty one is written.
    let iovs = m.iovecs(&[(DATA, 0), (DATA, 5), (DATA + 5, 6)]);
    assert_eq!(write(&mut ctx, Fd(3), iovs).unwrap(), 5);
    assert_eq!(&*queue.bytes.lock().unwrap(), b"hello");
    let iovs = m.iovecs_mut(&[(DATA + 100, 3), (DATA + 200, 10)]);
    assert_eq!(read(&mut ctx, Fd(3), iovs).unwrap(), 3);
    assert_eq!(m.get(DATA + 100, 3), b"hel");
    let iovs = m.iovecs_mut(&[(DATA + 100, 10)]);
    assert_eq!(read(&mut ctx, Fd(3), iovs).unwrap(), 2);
    assert_eq!(m.get(DATA + 100, 2), b"lo");
    // No buffer at all: nothing asked of the trait.
    let iovs = m.iovecs_mut(&[]);
    assert_eq!(read(&mut ctx, Fd(3), iovs).unwrap(), 0);
}

#[test]
fn flags_are_recorded_and_passed_with_each_call() {
    let (mut ctx, queue) = queue_ctx();
    let mut m = Mem::new();
    fdstat_set_flags(&mut ctx, Fd(3), Fdflags::NONBLOCK | Fdflags::APPEND).unwrap();
    assert_eq!(
        fdstat_get(&mut ctx, Fd(3)).unwrap().fs_flags,
        Fdflags::NONBLOCK | Fdflags::APPEND
    );
    let iovs = m.iovecs_mut(&[(DATA, 4)]);
    assert_eq!(errno(read(&mut ctx, Fd(3), iovs)), Errno::Again);
    assert_eq!(
        *queue.flags.lock().unwrap(),
        (Fdflags::NONBLOCK | Fdflags::APPEND).bits()
    );
    // The sync flags cannot change, as on a host file.
    assert_eq!(
        errno(fdstat_set_flags(&mut ctx, Fd(3), Fdflags::SYNC)),
        Errno::Notsup
    );
    // The embedder's `set_flags` is the same code.
    ctx.descriptors()
        .set_flags(Fd(3), Fdflags::empty())
        .unwrap();
    let iovs = m.iovecs(&[(DATA, 1)]);
    write(&mut ctx, Fd(3), iovs).unwrap();
    assert_eq!(*queue.flags.lock().unwrap(), 0);
}

#[test]
fn defaults_answer_as_a_stream_without_the_ability() {
    let (mut ctx, _queue) = queue_ctx();
    let mut m = Mem::new();
    let stat = fdstat_get(&mut ctx, Fd(3)).unwrap();
    assert_eq!(stat.fs_filetype, Filetype::CharacterDevice);
    assert_eq!(stat.fs_rights_base, crate::table::HOST_RIGHTS);
    assert_eq!(errno(seek(&mut ctx, Fd(3), 0, Whence::Set)), Errno::Spipe);
    assert_eq!(errno(tell(&mut ctx, Fd(3))), Errno::Spipe);
    let iovs = m.iovecs_mut(&[(DATA, 4)]);
    assert_eq!(errno(pread(&mut ctx, Fd(3), iovs, 0)), Errno::Spipe);
    let iovs = m.iovecs(&[(DATA, 4)]);
    assert_eq!(errno(pwrite(&mut ctx, Fd(3), iovs, 0)), Errno::Spipe);
    let filestat = filestat_get(&mut ctx, Fd(3)).unwrap();
    assert_eq!(filestat.filetype, Filetype::CharacterDevice);
    assert_eq!((filestat.nlink, filestat.size), (1, 0));
    assert_eq!(errno(sync(&mut ctx, Fd(3))), Errno::Inval);
    assert_eq!(errno(datasync(&mut ctx, Fd(3))), Errno::Inval);
    // Rights a host kind never holds: refused before anything is asked.
    assert_eq!(errno(allocate(&mut ctx, Fd(3), 0, 1)), Errno::Notcapable);
    assert_eq!(
        errno(filestat_set_size(&mut ctx, Fd(3), 0)),
        Errno::Notcapable
    );
    assert_eq!(
        errno(advise(&mut ctx, Fd(3), 0, 0, Advice::Normal)),
        Errno::Notcapable
    );
    assert_eq!(errno(prestat_get(&mut ctx, Fd(3))), Errno::Badf);
    // Given the rights anyway (only host code can), the calls still answer cleanly.
    ctx.table.test_mut(Fd(3), Rights::empty()).rights = crate::table::FILE_RIGHTS;
    assert_eq!(errno(allocate(&mut ctx, Fd(3), 0, 1)), Errno::Spipe);
    assert_eq!(errno(filestat_set_size(&mut ctx, Fd(3), 0)), Errno::Inval);
    assert_eq!(
        errno(filestat_set_times(
            &mut ctx,
            Fd(3),
            0,
            0,
            Fstflags::MTIM_NOW
        )),
        Errno::Notsup
    );
    advise(&mut ctx, Fd(3), 0, 0, Advice::Normal).unwrap();
}

#[test]
fn path_and_socket_calls_say_what_it_is_not() {
    let (mut ctx, _queue) = queue_ctx();
    let mut m = Mem::new();
    let opened = crate::host::path::open(
        &mut ctx,
        Fd(3),
        Lookupflags::empty(),
        "x",
        Oflags::empty(),
        Rights::FD_READ,
        Rights::empty(),
        Fdflags::empty(),
    );
    assert_eq!(errno(opened), Errno::Notdir);
    let buf = m.buf_mut(DATA, 64);
    assert_eq!(
        errno(crate::host::dir::readdir(&mut ctx, Fd(3), buf, 0)),
        Errno::Notdir
    );
    assert_eq!(
        errno(crate::host::sock::accept(&mut ctx, Fd(3), Fdflags::empty())),
        Errno::Notsock
    );
    let iovs = m.iovecs_mut(&[(DATA, 4)]);
    assert_eq!(
        errno(crate::host::sock::recv(
            &mut ctx,
            Fd(3),
            iovs,
            Riflags::empty()
        )),
        Errno::Notsock
    );
    assert_eq!(
        errno(crate::host::sock::shutdown(&mut ctx, Fd(3), Sdflags::WR)),
        Errno::Notsock
    );
    assert_eq!(
        crate::host::wasmedge::sockets::net(&mut ctx, Fd(3), Rights::empty()).err(),
        Some(Errno::Notsock)
    );
    assert_eq!(
        errno(crate::host::wasix::net::status(&mut ctx, Fd(3))),
        Errno::Notsock
    );
    // A WASIX duplicate is the same object: closing one leaves the other working.
    let dup = crate::host::wasix::fd::dup(&mut ctx, Fd(3), 0).unwrap();
    close(&mut ctx, Fd(3)).unwrap();
    let iovs = m.iovecs(&[(DATA, 2)]);
    assert_eq!(write(&mut ctx, dup, iovs).unwrap(), 2);
}

#[test]
fn close_drops_the_implementation_once_the_last_handle_goes() {
    let (mut ctx, queue) = queue_ctx();
    let dropped = Arc::clone(&queue.dropped);
    let view = ctx.descriptors();
    let found = view.get(Fd(3), Rights::empty()).unwrap();
    assert!(found.as_fd().is_none());
    assert!(found.host().unwrap().downcast_ref::<Queue>().is_some());
    drop(queue);
    assert!(!dropped.load(Ordering::SeqCst));
    close(&mut ctx, Fd(3)).unwrap();
    assert!(dropped.load(Ordering::SeqCst));
    assert_eq!(errno(close(&mut ctx, Fd(3))), Errno::Badf);
}

/// A descriptor with a position, over a vector.
struct Memory(Mutex<(Vec<u8>, u64)>);

impl HostDescriptor for Memory {
    fn seek(&self, pos: SeekFrom) -> Result<u64, Errno> {
        let mut state = self.0.lock().unwrap();
        let (len, at) = (state.0.len() as i64, state.1 as i64);
        let to = match pos {
            SeekFrom::Start(n) => n as i64,
            SeekFrom::Current(d) => at + d,
            SeekFrom::End(d) => len + d,
        };
        state.1 = u64::try_from(to).map_err(|_| Errno::Inval)?;
        Ok(state.1)
    }

    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let state = self.0.lock().unwrap();
        let from = (offset as usize).min(state.0.len());
        let n = buf.len().min(state.0.len() - from);
        buf[..n].copy_from_slice(&state.0[from..from + n]);
        Ok(n)
    }
}

#[test]
fn a_kind_with_a_position_seeks_and_reads_at_offsets() {
    let mut ctx = super::testing::ctx(crate::ctx::Stdio::Null, crate::ctx::Stdio::Null);
    let rights = DescriptorRights {
        base: Rights::FD_READ | Rights::FD_SEEK | Rights::FD_TELL,
        inheriting: Rights::empty(),
    };
    let memory = Memory(Mutex::new((b"0123456789".to_vec(), 0)));
    let fd = ctx
        .descriptors()
        .insert_host(Arc::new(memory), rights)
        .unwrap();
    assert_eq!(seek(&mut ctx, fd, -3, Whence::End).unwrap(), 7);
    assert_eq!(tell(&mut ctx, fd).unwrap(), 7);
    assert_eq!(errno(seek(&mut ctx, fd, -1, Whence::Set)), Errno::Inval);
    let mut m = Mem::new();
    let iovs = m.iovecs_mut(&[(DATA, 4)]);
    assert_eq!(pread(&mut ctx, fd, iovs, 2).unwrap(), 4);
    assert_eq!(m.get(DATA, 4), b"2345");
    // Not given the write right: refused before the trait (whose default is EBADF).
    let iovs = m.iovecs(&[(DATA, 4)]);
    assert_eq!(errno(write(&mut ctx, fd, iovs)), Errno::Notcapable);
    // The unknown filetype, and EBADF from a read the implementation lacks.
    assert_eq!(
        fdstat_get(&mut ctx, fd).unwrap().fs_filetype,
        Filetype::Unknown
    );
    let iovs = m.iovecs_mut(&[(DATA, 4)]);
    assert_eq!(errno(read(&mut ctx, fd, iovs)), Errno::Badf);
}

#[test]
fn insert_host_keeps_to_the_host_rights() {
    let mut ctx = super::testing::ctx(crate::ctx::Stdio::Null, crate::ctx::Stdio::Null);
    let mut fds = ctx.descriptors();
    let too_much = DescriptorRights {
        base: Rights::FD_READ | Rights::FD_ALLOCATE,
        inheriting: Rights::empty(),
    };
    assert_eq!(
        fds.insert_host(Arc::new(Queue::default()), too_much)
            .unwrap_err(),
        Errno::Notcapable
    );
    let inheriting = DescriptorRights {
        base: Rights::FD_READ,
        inheriting: Rights::FD_READ,
    };
    assert_eq!(
        fds.insert_host(Arc::new(Queue::default()), inheriting)
            .unwrap_err(),
        Errno::Inval
    );
}

/// A queue whose readiness is a pipe: readable while the pipe holds a byte.
struct Signalled {
    ready: std::fs::File,
}

impl HostDescriptor for Signalled {
    fn poll_fd(&self) -> Option<std::os::fd::BorrowedFd<'_>> {
        use std::os::fd::AsFd;
        Some(self.ready.as_fd())
    }
}

/// `poll_oneoff` on `subs`, the events it wrote.
fn poll(ctx: &mut WasiCtx, subs: &[Subscription]) -> Vec<Event> {
    let mut m = Mem::new();
    let (subs, events) = m.poll_arrays(subs);
    let n = crate::host::poll::oneoff(ctx, subs, events).unwrap();
    (0..n).map(|i| m.event(i)).collect()
}

fn on_fd(userdata: u64, fd: Fd, read: bool) -> Subscription {
    let f = SubscriptionFdReadwrite {
        file_descriptor: fd,
    };
    Subscription {
        userdata,
        u: if read {
            SubscriptionU::FdRead(f)
        } else {
            SubscriptionU::FdWrite(f)
        },
    }
}

/// A relative monotonic timeout of `ms` milliseconds.
fn after_ms(userdata: u64, ms: u64) -> Subscription {
    Subscription {
        userdata,
        u: SubscriptionU::Clock(SubscriptionClock {
            id: Clockid::Monotonic,
            timeout: ms * 1_000_000,
            precision: 0,
            flags: Subclockflags::empty(),
        }),
    }
}

#[test]
fn poll_is_always_ready_without_a_descriptor_and_waits_on_one_given() {
    let (mut ctx, _queue) = queue_ctx();
    let events = poll(&mut ctx, &[on_fd(1, Fd(3), true), on_fd(2, Fd(3), false)]);
    let got: Vec<_> = events.iter().map(|e| (e.userdata, e.error)).collect();
    assert_eq!(got, [(1, Errno::Success), (2, Errno::Success)]);

    let (r, mut w) = super::testing::pipe();
    let fd = ctx
        .descriptors()
        .insert_host(Arc::new(Signalled { ready: r }), DescriptorRights::HOST)
        .unwrap();
    // Nothing signalled: the clock fires first.
    let events = poll(&mut ctx, &[on_fd(1, fd, true), after_ms(2, 20)]);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].userdata, 2);
    std::io::Write::write_all(&mut w, b"!").unwrap();
    let events = poll(&mut ctx, &[on_fd(1, fd, true), after_ms(2, 10_000)]);
    assert_eq!((events[0].userdata, events[0].error), (1, Errno::Success));
}
