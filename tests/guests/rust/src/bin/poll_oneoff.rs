//! `poll_oneoff` through the raw import: clocks (relative and absolute), regular files, bad
//! descriptors, rights, several subscriptions at once and malformed input. The test gives it
//! stdin holding "hello" and a preopened directory at fd 3. Exits with the line number of the
//! first failed check.

#[path = "../fd_common.rs"]
#[macro_use]
mod fd_common;

use fd_common::*;

const MS: u64 = 1_000_000;
const HOUR: u64 = 3_600_000_000_000;

fn main() {
    // Nothing to wait for.
    let mut n = 0usize;
    let mut ev = Event::default();
    check_eq!(unsafe { poll_oneoff(std::ptr::null(), &mut ev, 0, &mut n) }, EINVAL);

    // Relative timeouts, on both clocks: at least that long passes.
    for id in [MONOTONIC, REALTIME] {
        let start = now(MONOTONIC);
        let (e, events) = poll(&[clock_sub(42, id, 20 * MS, 0)]);
        check_eq!(e, 0);
        check!(now(MONOTONIC) - start >= 20 * MS);
        check_eq!(events.len(), 1);
        let ev = events[0];
        check_eq!((ev.userdata, ev.error, ev.type_, ev.nbytes, ev.flags), (42, 0, CLOCK, 0, 0));
    }

    // Absolute deadlines.
    let deadline = now(MONOTONIC) + 20 * MS;
    let (e, events) = poll(&[clock_sub(1, MONOTONIC, deadline, ABSTIME)]);
    check_eq!((e, events.len()), (0, 1));
    check!(now(MONOTONIC) >= deadline);
    let deadline = now(REALTIME) + 20 * MS;
    let (e, events) = poll(&[clock_sub(2, REALTIME, deadline, ABSTIME)]);
    check_eq!((e, events.len(), events[0].userdata), (0, 1, 2));
    // Deadlines already past fire at once, all of them; the far one does not.
    let (e, events) = poll(&[
        clock_sub(3, MONOTONIC, 1, ABSTIME),
        clock_sub(4, MONOTONIC, HOUR, 0),
        clock_sub(5, REALTIME, 0, 0),
    ]);
    check_eq!(e, 0);
    let ids: Vec<u64> = events.iter().map(|e| e.userdata).collect();
    check_eq!(ids, [3, 5]);
    // The nearer of two relative timeouts.
    let (_, events) = poll(&[clock_sub(6, MONOTONIC, HOUR, 0), clock_sub(7, MONOTONIC, MS, 0)]);
    check_eq!(events.len(), 1);
    check_eq!(events[0].userdata, 7);
    // CPU-time clocks cannot be waited on.
    for id in [2, 3] {
        let (e, events) = poll(&[clock_sub(8, id, MS, 0)]);
        check_eq!((e, events.len()), (0, 1));
        check_eq!((events[0].error, events[0].type_), (ENOTSUP, CLOCK));
    }

    // Bad descriptors are events, not failures, and do not wait for the clock.
    let (e, events) = poll(&[
        fd_sub(10, FD_READ, 99),
        clock_sub(11, MONOTONIC, HOUR, 0),
        fd_sub(12, FD_WRITE, u32::MAX),
    ]);
    check_eq!(e, 0);
    check_eq!(events.len(), 2);
    check_eq!((events[0].userdata, events[0].error, events[0].type_), (10, EBADF, FD_READ));
    check_eq!((events[1].userdata, events[1].error, events[1].type_), (12, EBADF, FD_WRITE));

    // A regular file is ready at once, with the bytes left after the offset.
    let (e, events) = poll(&[fd_sub(20, FD_READ, 0), clock_sub(21, MONOTONIC, HOUR, 0)]);
    check_eq!((e, events.len()), (0, 1));
    check_eq!((events[0].userdata, events[0].error, events[0].nbytes), (20, 0, 5));
    check_eq!(seek(0, 2, SET), Ok(2));
    let (_, events) = poll(&[fd_sub(20, FD_READ, 0)]);
    check_eq!(events[0].nbytes, 3);
    check_eq!(seek(0, 9, SET), Ok(9));
    let (_, events) = poll(&[fd_sub(20, FD_READ, 0)]);
    check_eq!((events[0].error, events[0].nbytes), (0, 0));

    // Several ready together, reported in subscription order.
    let (e, events) = poll(&[
        fd_sub(30, FD_WRITE, 1),
        clock_sub(31, MONOTONIC, 0, 0),
        fd_sub(32, FD_READ, 3),
        fd_sub(33, FD_WRITE, 2),
        fd_sub(34, FD_READ, 77),
    ]);
    check_eq!(e, 0);
    let got: Vec<(u64, u16, u8)> = events.iter().map(|e| (e.userdata, e.error, e.type_)).collect();
    // A directory has neither fd_read nor poll_fd_readwrite.
    check_eq!(
        got,
        [
            (30, 0, FD_WRITE),
            (31, 0, CLOCK),
            (32, ENOTCAPABLE, FD_READ),
            (33, 0, FD_WRITE),
            (34, EBADF, FD_READ),
        ]
    );

    // Rights: fd_read alone allows an fd_read subscription, not an fd_write one.
    check_eq!(unsafe { fd_fdstat_set_rights(0, R_FD_READ, 0) }, 0);
    let (_, events) = poll(&[fd_sub(40, FD_READ, 0), fd_sub(41, FD_WRITE, 0)]);
    check_eq!((events[0].error, events[1].error), (0, ENOTCAPABLE));
    check_eq!(unsafe { fd_fdstat_set_rights(0, 0, 0) }, 0);
    let (_, events) = poll(&[fd_sub(42, FD_READ, 0)]);
    check_eq!(events[0].error, ENOTCAPABLE);

    // Malformed subscriptions fail the call and write nothing.
    let mut bad = [clock_sub(50, MONOTONIC, 0, 0)];
    bad[0].tag = 3;
    let (e, events) = poll(&bad);
    check_eq!((e, events.len()), (EINVAL, 0));
    let mut bad = [clock_sub(51, 9, 0, 0)];
    let (e, _) = poll(&bad);
    check_eq!(e, EINVAL);
    bad[0] = clock_sub(52, MONOTONIC, 0, 1 << 4);
    let (e, _) = poll(&bad);
    check_eq!(e, EINVAL);
    // An event array reaching past memory.
    let sub = clock_sub(53, MONOTONIC, 0, 0);
    let far = (usize::MAX - 15) & !7;
    check_eq!(unsafe { poll_oneoff(&sub, far as *mut Event, 1, &mut n) }, 21);

    println!("poll_oneoff ok");
}
