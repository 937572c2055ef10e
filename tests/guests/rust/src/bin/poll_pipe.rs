//! Waiting on pipes that another thread of the host feeds. stdin and stdout are pipes to the
//! test; stderr is a pipe whose reader the test has already closed. The guest says "waiting",
//! the test then writes "ping"; the guest says "got ping", the test then closes stdin. Exits
//! with the line number of the first failed check.

#[path = "../fd_common.rs"]
#[macro_use]
mod fd_common;

use fd_common::*;

const MS: u64 = 1_000_000;
const MINUTE: u64 = 60_000 * MS;

fn main() {
    // Nobody has written yet: the clock fires, stdin stays quiet.
    let start = now(MONOTONIC);
    let (e, events) = poll(&[fd_sub(1, FD_READ, 0), clock_sub(2, MONOTONIC, 10 * MS, 0)]);
    check_eq!(e, 0);
    check!(now(MONOTONIC) - start >= 10 * MS);
    check_eq!(events.len(), 1);
    check_eq!((events[0].userdata, events[0].type_), (2, CLOCK));

    // A writer with no reader: the write subscription reports EPIPE and a hangup.
    let (e, events) = poll(&[fd_sub(3, FD_WRITE, 2)]);
    check_eq!(e, 0);
    check_eq!((events[0].error, events[0].flags), (EPIPE, HANGUP));
    check_eq!(write_bufs(2, &[b"lost"]), Err(EPIPE));

    check_eq!(write_bufs(1, &[b"waiting\n"]), Ok(8));
    // Woken by the other thread's write, with the byte count.
    let (e, events) = poll(&[fd_sub(4, FD_READ, 0), clock_sub(5, MONOTONIC, MINUTE, 0)]);
    check_eq!(e, 0);
    check_eq!(events.len(), 1);
    let ev = events[0];
    check_eq!((ev.userdata, ev.error, ev.type_, ev.nbytes, ev.flags), (4, 0, FD_READ, 4, 0));
    let mut buf = [0u8; 16];
    let (head, tail) = buf.split_at_mut(2);
    check_eq!(read_bufs(0, &mut [head, tail]), Ok(4));
    check_eq!(&buf[..4], b"ping");

    // Non-blocking now: an empty pipe says EAGAIN instead of waiting.
    check_eq!(unsafe { fd_fdstat_set_flags(0, NONBLOCK) }, 0);
    check_eq!(read_bufs(0, &mut [&mut buf]), Err(EAGAIN));
    check_eq!(unsafe { fd_fdstat_set_flags(0, 0) }, 0);

    check_eq!(write_bufs(1, &[b"got ping\n"]), Ok(9));
    // The writer's close wakes the poll as a hangup; then end of file.
    let (e, events) = poll(&[fd_sub(6, FD_READ, 0), clock_sub(7, MONOTONIC, MINUTE, 0)]);
    check_eq!(e, 0);
    check_eq!(events.len(), 1);
    check_eq!((events[0].userdata, events[0].error, events[0].flags), (6, 0, HANGUP));
    check_eq!(events[0].nbytes, 0);
    check_eq!(read_bufs(0, &mut [&mut buf]), Ok(0));
    check_eq!(write_bufs(1, &[b"poll_pipe ok\n"]), Ok(13));
}
