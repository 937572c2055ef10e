//! Unit tests of `poll_oneoff` (`super`).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use super::*;
use crate::call::CallError;
use crate::ctx::{Clock, Stdio};
use crate::host::fd::testing::{IOV, Mem, ctx, pipe};

/// The host's clocks, standing in for the clock area's `SystemClock`.
struct HostClock;

impl Clock for HostClock {
    fn resolution(&self, _id: Clockid) -> Result<Timestamp, Errno> {
        Ok(1)
    }
    fn now(&self, id: Clockid, _precision: Timestamp) -> Result<Timestamp, Errno> {
        use rustix::time::ClockId;
        let id = match id {
            Clockid::Realtime => ClockId::Realtime,
            Clockid::Monotonic => ClockId::Monotonic,
            _ => return Err(Errno::Inval),
        };
        let t = rustix::time::clock_gettime(id);
        Ok(t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64)
    }
}

fn clock(userdata: u64, id: Clockid, timeout: u64, abs: bool) -> Subscription {
    Subscription {
        userdata,
        u: SubscriptionU::Clock(SubscriptionClock {
            id,
            timeout,
            precision: 0,
            flags: if abs {
                Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME
            } else {
                Subclockflags::empty()
            },
        }),
    }
}

fn fd_read(userdata: u64, fd: u32) -> Subscription {
    Subscription {
        userdata,
        u: SubscriptionU::FdRead(SubscriptionFdReadwrite {
            file_descriptor: Fd(fd),
        }),
    }
}

fn fd_write(userdata: u64, fd: u32) -> Subscription {
    Subscription {
        userdata,
        u: SubscriptionU::FdWrite(SubscriptionFdReadwrite {
            file_descriptor: Fd(fd),
        }),
    }
}

/// Runs `poll_oneoff` and returns the events it wrote.
fn poll(ctx: &mut WasiCtx, subs: &[Subscription]) -> Vec<Event> {
    let mut m = Mem::new();
    let (in_, out) = m.poll_arrays(subs);
    let n = oneoff(ctx, in_, out).unwrap();
    (0..n).map(|i| m.event(i)).collect()
}

const SECOND: u64 = 1_000_000_000;
const MS: u64 = 1_000_000;

fn null_ctx() -> WasiCtx {
    WasiCtx::builder()
        .stdin(Stdio::Null)
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .clock(HostClock)
        .build()
        .unwrap()
}

#[test]
fn no_subscriptions_is_einval() {
    let mut ctx = null_ctx();
    let mut m = Mem::new();
    let (in_, out) = m.poll_arrays(&[]);
    assert!(matches!(
        oneoff(&mut ctx, in_, out),
        Err(CallError::Errno(Errno::Inval))
    ));
}

#[test]
fn a_malformed_subscription_fails_the_call() {
    let mut ctx = null_ctx();
    let mut m = Mem::new();
    let subs = [clock(1, Clockid::Monotonic, 0, false), fd_read(2, 0)];
    m.poll_arrays(&subs);
    // The second subscription's tag byte: no such event type.
    m.0[IOV as usize + 48 + 8] = 9;
    let mem = m.mem();
    let in_ = GuestArray::new(mem, IOV, 2).unwrap();
    let out = GuestArrayMut::new(mem, 0x1000, 2).unwrap();
    assert!(matches!(
        oneoff(&mut ctx, in_, out),
        Err(CallError::Guest(_))
    ));
    // Nothing was written.
    assert!(m.get(0x1000, 64).iter().all(|&b| b == 0));
}

#[test]
fn relative_clocks_wait_at_least_their_timeout() {
    let mut ctx = null_ctx();
    for id in [Clockid::Monotonic, Clockid::Realtime] {
        let start = Instant::now();
        let events = poll(&mut ctx, &[clock(7, id, 30 * MS, false)]);
        assert!(start.elapsed() >= Duration::from_millis(30));
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].userdata, 7);
        assert_eq!(events[0].type_, Eventtype::Clock);
        assert_eq!(events[0].error, Errno::Success);
    }
    // The nearer of two deadlines fires alone.
    let start = Instant::now();
    let events = poll(
        &mut ctx,
        &[
            clock(1, Clockid::Monotonic, 60 * SECOND, false),
            clock(2, Clockid::Monotonic, 20 * MS, false),
        ],
    );
    assert!(start.elapsed() >= Duration::from_millis(20));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].userdata, 2);
}

#[test]
fn absolute_clocks_wait_until_the_deadline() {
    let mut ctx = null_ctx();
    for id in [Clockid::Monotonic, Clockid::Realtime] {
        let deadline = HostClock.now(id, 0).unwrap() + 30 * MS;
        let events = poll(&mut ctx, &[clock(3, id, deadline, true)]);
        // The wall clock may be stepped meanwhile; the monotonic one may not.
        if id == Clockid::Monotonic {
            assert!(HostClock.now(id, 0).unwrap() >= deadline);
        }
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].userdata, 3);
    }
    // A deadline in the past fires at once, alongside every other expired one.
    let events = poll(
        &mut ctx,
        &[
            clock(4, Clockid::Monotonic, 1, true),
            clock(5, Clockid::Realtime, 0, false),
            clock(6, Clockid::Monotonic, 60 * SECOND, false),
        ],
    );
    let ids: Vec<u64> = events.iter().map(|e| e.userdata).collect();
    assert_eq!(ids, [4, 5]);
}

#[test]
fn cpu_time_clocks_are_not_supported() {
    let mut ctx = null_ctx();
    for id in [Clockid::ProcessCputimeId, Clockid::ThreadCputimeId] {
        let events = poll(&mut ctx, &[clock(9, id, SECOND, false)]);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].error, Errno::Notsup);
        assert_eq!(events[0].type_, Eventtype::Clock);
    }
}

#[test]
fn a_bad_descriptor_is_an_event_not_a_failure() {
    let mut ctx = null_ctx();
    let events = poll(
        &mut ctx,
        &[
            fd_read(1, 77),
            fd_write(2, 78),
            clock(3, Clockid::Monotonic, 60 * SECOND, false),
        ],
    );
    assert_eq!(events.len(), 2);
    assert_eq!(
        (events[0].userdata, events[0].type_, events[0].error),
        (1, Eventtype::FdRead, Errno::Badf)
    );
    assert_eq!(
        (events[1].userdata, events[1].type_, events[1].error),
        (2, Eventtype::FdWrite, Errno::Badf)
    );
}

#[test]
fn regular_files_are_ready_with_the_bytes_left() {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(b"0123456789").unwrap();
    let mut ctx = ctx(Stdio::GuestFile(file), Stdio::Null);
    crate::host::fd::seek(&mut ctx, Fd(0), 4, Whence::Set).unwrap();
    let events = poll(&mut ctx, &[fd_read(1, 0), fd_write(2, 0)]);
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].fd_readwrite.nbytes, 6);
    assert_eq!(events[0].error, Errno::Success);
    assert_eq!(events[1].type_, Eventtype::FdWrite);
    assert_eq!(events[1].error, Errno::Success);
    // Past the end: ready, nothing to read.
    crate::host::fd::seek(&mut ctx, Fd(0), 50, Whence::Set).unwrap();
    let events = poll(&mut ctx, &[fd_read(1, 0)]);
    assert_eq!(events[0].fd_readwrite.nbytes, 0);
    // /dev/null (stdout) is writable at once.
    let events = poll(&mut ctx, &[fd_write(5, 1)]);
    assert_eq!((events[0].userdata, events[0].error), (5, Errno::Success));
}

#[test]
fn a_pipe_wakes_the_poll_when_written_from_another_thread() {
    let (r, mut w) = pipe();
    let mut ctx = ctx(Stdio::File(r), Stdio::Null);
    let writer = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        w.write_all(b"hello").unwrap();
        w
    });
    let events = poll(
        &mut ctx,
        &[
            fd_read(1, 0),
            clock(2, Clockid::Monotonic, 60 * SECOND, false),
        ],
    );
    let w = writer.join().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].userdata, 1);
    assert_eq!(events[0].type_, Eventtype::FdRead);
    assert_eq!(events[0].error, Errno::Success);
    assert_eq!(events[0].fd_readwrite.nbytes, 5);
    assert!(events[0].fd_readwrite.flags.is_empty());

    // The writer's close is a hangup, still readable.
    drop(w);
    let events = poll(&mut ctx, &[fd_read(1, 0)]);
    assert_eq!(events[0].fd_readwrite.nbytes, 5);
    assert_eq!(
        events[0].fd_readwrite.flags,
        Eventrwflags::FD_READWRITE_HANGUP
    );
}

#[test]
fn the_longest_timeouts_are_valid() {
    let (r, mut w) = pipe();
    w.write_all(b"x").unwrap();
    let mut ctx = ctx(Stdio::File(r), Stdio::Null);
    let events = poll(
        &mut ctx,
        &[
            clock(1, Clockid::Monotonic, u64::MAX, false),
            clock(2, Clockid::Realtime, u64::MAX, true),
            fd_read(3, 0),
        ],
    );
    let ids: Vec<u64> = events.iter().map(|e| e.userdata).collect();
    assert_eq!(ids, [3]);
}

#[test]
fn an_empty_pipe_times_out() {
    let (r, _w) = pipe();
    let mut ctx = ctx(Stdio::File(r), Stdio::Null);
    let start = Instant::now();
    let events = poll(
        &mut ctx,
        &[fd_read(1, 0), clock(2, Clockid::Monotonic, 30 * MS, false)],
    );
    assert!(start.elapsed() >= Duration::from_millis(30));
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].userdata, 2);
}

#[test]
fn writing_to_a_pipe_nobody_reads_is_epipe() {
    let (r, w) = pipe();
    let mut ctx = ctx(Stdio::Null, Stdio::File(w));
    let events = poll(&mut ctx, &[fd_write(1, 1)]);
    assert_eq!(
        (events[0].error, events[0].type_),
        (Errno::Success, Eventtype::FdWrite)
    );
    drop(r);
    let events = poll(&mut ctx, &[fd_write(1, 1)]);
    assert_eq!(events[0].error, Errno::Pipe);
    assert_eq!(
        events[0].fd_readwrite.flags,
        Eventrwflags::FD_READWRITE_HANGUP
    );
}

#[test]
fn several_subscriptions_ready_together() {
    let (r, mut w) = pipe();
    let (_r2, w2) = pipe();
    w.write_all(b"abc").unwrap();
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(b"xy").unwrap();
    let mut ctx = WasiCtx::builder()
        .stdin(Stdio::File(r))
        .stdout(Stdio::File(w2))
        .stderr(Stdio::GuestFile(file))
        .build()
        .unwrap();
    crate::host::fd::seek(&mut ctx, Fd(2), 0, Whence::Set).unwrap();
    let events = poll(
        &mut ctx,
        &[
            fd_read(10, 0),
            fd_write(11, 1),
            fd_read(12, 2),
            clock(13, Clockid::Monotonic, 0, false),
            fd_read(14, 99),
        ],
    );
    let got: Vec<(u64, Errno, u64)> = events
        .iter()
        .map(|e| (e.userdata, e.error, e.fd_readwrite.nbytes))
        .collect();
    assert_eq!(
        got,
        [
            (10, Errno::Success, 3),
            (11, Errno::Success, 0),
            (12, Errno::Success, 2),
            (13, Errno::Success, 0),
            (14, Errno::Badf, 0),
        ]
    );
}

#[test]
fn rights_decide_what_may_be_polled() {
    let dir = tempfile::tempdir().unwrap();
    let (r, mut w) = pipe();
    w.write_all(b"!").unwrap();
    let mut ctx = WasiCtx::builder()
        .stdin(Stdio::File(r))
        .preopen_dir(dir.path(), "/d")
        .build()
        .unwrap();
    // Directories hold neither fd_read nor poll_fd_readwrite.
    let events = poll(&mut ctx, &[fd_read(1, 3)]);
    assert_eq!(events[0].error, Errno::Notcapable);
    // fd_read alone is enough to poll for reading, but not for writing.
    let entry = ctx.table.test_mut(Fd(0), Rights::empty());
    entry.rights = Rights::FD_READ;
    let events = poll(&mut ctx, &[fd_read(1, 0), fd_write(2, 0)]);
    assert_eq!(events[0].error, Errno::Success);
    assert_eq!(events[1].error, Errno::Notcapable);
    ctx.table.test_mut(Fd(0), Rights::empty()).rights = Rights::empty();
    let events = poll(&mut ctx, &[fd_read(1, 0)]);
    assert_eq!(events[0].error, Errno::Notcapable);
}

#[test]
fn listeners_and_sockets() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut ctx = WasiCtx::builder()
        .stdin(Stdio::Null)
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .tcp_listener(listener)
        .build()
        .unwrap();
    // A pending connection makes the listener readable.
    let connector = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        TcpStream::connect(addr).unwrap()
    });
    let events = poll(
        &mut ctx,
        &[
            fd_read(1, 3),
            clock(2, Clockid::Monotonic, 60 * SECOND, false),
        ],
    );
    let mut peer = connector.join().unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!((events[0].userdata, events[0].error), (1, Errno::Success));

    let Kind::Listener(l) = &*ctx.table.get(Fd(3), Rights::empty()).unwrap().kind else {
        unreachable!()
    };
    let (ours, _) = l.accept().unwrap();
    let fd = ctx
        .table
        .insert(crate::table::FdEntry {
            kind: Kind::Socket(ours).into(),
            rights: crate::table::SOCKET_RIGHTS,
            inheriting: Rights::empty(),
            flags: Fdflags::empty(),
            preopen: None,
        })
        .unwrap();
    let events = poll(
        &mut ctx,
        &[
            fd_read(1, fd.0),
            fd_write(2, fd.0),
            clock(3, Clockid::Monotonic, 60 * SECOND, false),
        ],
    );
    let got: Vec<u64> = events.iter().map(|e| e.userdata).collect();
    assert_eq!(got, [2]);
    peer.write_all(b"12345678").unwrap();
    let events = poll(&mut ctx, &[fd_read(1, fd.0)]);
    assert_eq!(events[0].fd_readwrite.nbytes, 8);
    assert!(events[0].fd_readwrite.flags.is_empty());
    // The peer closing is a hangup; buffered bytes are still counted.
    drop(peer);
    let events = poll(&mut ctx, &[fd_read(1, fd.0)]);
    assert_eq!(events[0].error, Errno::Success);
    assert_eq!(events[0].fd_readwrite.nbytes, 8);
    assert_eq!(
        events[0].fd_readwrite.flags,
        Eventrwflags::FD_READWRITE_HANGUP
    );
    let mut m = Mem::new();
    let iovs = m.iovecs_mut(&[(0x1000, 16)]);
    assert_eq!(crate::host::fd::read(&mut ctx, fd, iovs).unwrap(), 8);
}

/// Issue 15: the host keeps state per subscription, so their number is bounded (4096 with
/// the default descriptor limit, or twice the limit); one more is EINVAL, decided before
/// anything is allocated or decoded. Exactly the bound works.
#[test]
fn subscriptions_past_the_bound_are_einval() {
    use crate::guest::GuestMemory;
    let mut ctx = null_ctx();
    let limit = crate::limits::poll_subscriptions(ctx.table.limit());
    assert_eq!(limit, 4096);
    let n = limit + 1;
    let events_at = (n * 48) as u32;
    let mut bytes = vec![0u8; n * 48 + n * 32];
    let m = GuestMemory::unshared(&mut bytes);
    for i in 0..n {
        m.write(
            (i * 48) as u32,
            &clock(i as u64, Clockid::Monotonic, 0, false),
        )
        .unwrap();
    }
    let arrays = |count: usize| {
        (
            GuestArray::new(m, 0, count as u32).unwrap(),
            GuestArrayMut::new(m, events_at, count as u32).unwrap(),
        )
    };
    let (in_, out) = arrays(n);
    assert!(matches!(
        oneoff(&mut ctx, in_, out),
        Err(CallError::Errno(Errno::Inval))
    ));
    let (in_, out) = arrays(limit);
    assert_eq!(oneoff(&mut ctx, in_, out).unwrap() as usize, limit);
    // A larger descriptor limit raises the bound with it.
    let mut big = WasiCtx::builder()
        .stdin(Stdio::Null)
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .fd_limit(3000)
        .build()
        .unwrap();
    let (in_, out) = arrays(n);
    assert_eq!(oneoff(&mut big, in_, out).unwrap() as usize, n);
}
