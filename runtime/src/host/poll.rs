//! `poll_oneoff`: waiting for clocks and descriptors.
//!
//! Every subscription is decided up front where it can be (errors, regular files, expired
//! clocks), and the rest wait together in one `poll(2)` whose timeout is the nearest clock
//! deadline, so the host sleeps in the kernel and never spins. Semantics are described in
//! `docs/descriptors.md`.

use std::io;
use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;

use rustix::event::{PollFd, PollFlags, Timespec};
use smallvec::SmallVec;

use super::HostResult;
use super::fd::host_fd;
use crate::ctx::WasiCtx;
use crate::guest::{GuestArray, GuestArrayMut};
use crate::preview1::*;
use crate::table::Kind;

/// What one subscription waits for, once decoded and checked.
#[derive(Clone, Copy)]
enum Wait {
    /// Already decided: an error, a regular file, a directory or an unusable clock.
    Done(Event),
    /// A clock deadline, in host monotonic nanoseconds.
    Clock(u64),
    /// Readiness of a host descriptor, at `slot` in the poll set.
    Fd {
        slot: usize,
        read: bool,
        socket: bool,
    },
}

/// Subscriptions handled without allocating.
const INLINE: usize = 8;

pub(crate) fn oneoff(
    ctx: &mut WasiCtx,
    subscriptions: GuestArray<'_, Subscription>,
    mut events: GuestArrayMut<'_, Event>,
) -> HostResult<Size> {
    // Nothing to wait for would block forever.
    if subscriptions.is_empty() {
        return Err(Errno::Inval.into());
    }
    // The host keeps state per subscription for the whole call: a bounded number of them
    // (limits.rs), as `poll(2)` bounds its descriptors by `RLIMIT_NOFILE`.
    let count = subscriptions.len();
    if count > ctx.poll_limit {
        return Err(Errno::Inval.into());
    }
    // Decode every subscription before writing any event: the two arrays may overlap, and a
    // malformed subscription fails the whole call.
    let mut subs: SmallVec<[Subscription; INLINE]> = SmallVec::new();
    let mut fds: SmallVec<[(Arc<Kind>, PollFlags); INLINE]> = SmallVec::new();
    let mut waits: SmallVec<[(Userdata, Eventtype, Wait); INLINE]> = SmallVec::new();
    if count > INLINE {
        // Within the limit, but the host may still be short of memory: say so, don't abort.
        subs.try_reserve_exact(count).map_err(|_| Errno::Nomem)?;
        fds.try_reserve_exact(count).map_err(|_| Errno::Nomem)?;
        waits.try_reserve_exact(count).map_err(|_| Errno::Nomem)?;
    }
    for sub in subscriptions.iter() {
        subs.push(sub?);
    }

    let program = ctx.threads.as_ref().map(|t| Arc::clone(&t.spawner));
    let start = monotonic_ns();
    for sub in &subs {
        let (kind, wait) = match sub.u {
            SubscriptionU::Clock(clock) => (
                Eventtype::Clock,
                clock_wait(ctx, &clock, start, sub.userdata),
            ),
            SubscriptionU::FdRead(f) => (
                Eventtype::FdRead,
                fd_wait(ctx, f.file_descriptor, true, sub.userdata, &mut fds),
            ),
            SubscriptionU::FdWrite(f) => (
                Eventtype::FdWrite,
                fd_wait(ctx, f.file_descriptor, false, sub.userdata, &mut fds),
            ),
        };
        waits.push((sub.userdata, kind, wait));
    }

    loop {
        let now = monotonic_ns();
        let ready_now = waits.iter().any(|&(_, _, w)| match w {
            Wait::Done(_) => true,
            Wait::Clock(deadline) => deadline <= now,
            Wait::Fd { .. } => false,
        });
        // With something already ready, still look at the descriptors (without waiting) so
        // that every ready subscription is reported, not just the first.
        let timeout = if ready_now {
            Some(0)
        } else {
            waits
                .iter()
                .filter_map(|&(_, _, w)| match w {
                    Wait::Clock(deadline) => Some(deadline - now),
                    _ => None,
                })
                .min()
        };
        // Only kinds with a descriptor to poll are in `fds`; a host-defined one that stopped
        // having one (against its contract) fails the call rather than a subscription's slot.
        let mut pollfds: SmallVec<[PollFd<'_>; INLINE]> = fds
            .iter()
            .map(|(kind, flags)| poll_fd(kind).map(|fd| PollFd::from_borrowed_fd(fd, *flags)))
            .collect::<Option<_>>()
            .ok_or(Errno::Badf)?;
        // In a threaded program, the descriptor that becomes readable when the program ends
        // wakes this wait too (after the guest's own, so that their slots stay put).
        if let Some(program) = &program {
            pollfds.push(PollFd::from_borrowed_fd(program.ending_fd(), PollFlags::IN));
        }
        if !(pollfds.is_empty() && timeout == Some(0)) {
            let timeout = timeout.map(timespec);
            match rustix::event::poll(&mut pollfds, timeout.as_ref()) {
                Ok(_) => {}
                // A host signal: recompute the remaining time and wait again.
                Err(rustix::io::Errno::INTR) => continue,
                Err(e) => return Err(io::Error::from(e).into()),
            }
        }

        if program.is_some() && pollfds.last().is_some_and(|p| !p.revents().is_empty()) {
            // The program ended meanwhile: this thread ends quietly (the outcome is decided).
            return Err(crate::Trap::ExitThread(0).into());
        }
        let now = monotonic_ns();
        let mut n = 0usize;
        for &(userdata, type_, wait) in &waits {
            let event = match wait {
                Wait::Done(event) => Some(event),
                Wait::Clock(deadline) => {
                    (deadline <= now).then(|| event(userdata, type_, Errno::Success, 0, false))
                }
                Wait::Fd { slot, read, socket } => fd_event(
                    userdata,
                    type_,
                    pollfds[slot].as_fd(),
                    pollfds[slot].revents(),
                    read,
                    socket,
                ),
            };
            if let Some(event) = event {
                events.set(n, &event)?;
                n += 1;
            }
        }
        if n > 0 {
            return Ok(n as Size);
        }
        // Woken with nothing to report (a timeout that ended just short of a deadline):
        // go round again.
    }
}

/// An event record.
fn event(userdata: Userdata, type_: Eventtype, error: Errno, nbytes: u64, hangup: bool) -> Event {
    Event {
        userdata,
        error,
        type_,
        fd_readwrite: EventFdReadwrite {
            nbytes,
            flags: if hangup {
                Eventrwflags::FD_READWRITE_HANGUP
            } else {
                Eventrwflags::empty()
            },
        },
    }
}

/// A clock subscription as a host monotonic deadline.
///
/// Relative timeouts are durations and are measured on the host's monotonic clock, immune to
/// wall-clock changes. Absolute ones are readings of the guest's clock (`WasiCtx::clock`,
/// which an embedder may replace), converted once into the time left.
fn clock_wait(ctx: &WasiCtx, clock: &SubscriptionClock, start: u64, userdata: Userdata) -> Wait {
    let error = |e| Wait::Done(event(userdata, Eventtype::Clock, e, 0, false));
    match clock.id {
        Clockid::Realtime | Clockid::Monotonic => {}
        // Time a sleeping guest does not consume: waiting on it could never end.
        Clockid::ProcessCputimeId | Clockid::ThreadCputimeId => return error(Errno::Notsup),
    }
    let remaining = if clock
        .flags
        .contains(Subclockflags::SUBSCRIPTION_CLOCK_ABSTIME)
    {
        match ctx.clock.now(clock.id, 0) {
            Ok(now) => clock.timeout.saturating_sub(now),
            Err(e) => return error(e),
        }
    } else {
        clock.timeout
    };
    Wait::Clock(start.saturating_add(remaining))
}

/// The descriptor `poll(2)` waits on for `kind`: its own, or the one a host-defined kind
/// names for its readiness.
fn poll_fd(kind: &Kind) -> Option<BorrowedFd<'_>> {
    match kind {
        Kind::Host(h) => h.poll_fd(),
        other => host_fd(other),
    }
}

/// An fd subscription: decided at once for errors, regular files, directories and host-defined
/// descriptors that are always ready, otherwise added to the poll set.
fn fd_wait(
    ctx: &mut WasiCtx,
    fd: Fd,
    read: bool,
    userdata: Userdata,
    fds: &mut SmallVec<[(Arc<Kind>, PollFlags); INLINE]>,
) -> Wait {
    let type_ = if read {
        Eventtype::FdRead
    } else {
        Eventtype::FdWrite
    };
    let done = |error, nbytes| Wait::Done(event(userdata, type_, error, nbytes, false));
    // A bad descriptor fails this subscription only, not the call.
    let entry = match ctx.table.get(fd, Rights::empty()) {
        Ok(entry) => entry,
        Err(e) => return done(e, 0),
    };
    let io_right = if read {
        Rights::FD_READ
    } else {
        Rights::FD_WRITE
    };
    if !entry
        .rights
        .intersects(Rights::POLL_FD_READWRITE | io_right)
    {
        return done(Errno::Notcapable, 0);
    }
    match &*entry.kind {
        // Regular files never block: ready now, with what is left to read.
        Kind::File(f) if f.filetype == Filetype::RegularFile => {
            if !read {
                return done(Errno::Success, 0);
            }
            match bytes_left(f.file.as_fd()) {
                Ok(n) => done(Errno::Success, n),
                Err(e) => done(Errno::from(e), 0),
            }
        }
        Kind::Dir(_) => done(Errno::Success, 0),
        // "Always ready" (`HostDescriptor::poll_fd`): like a regular file, with no count.
        Kind::Host(h) if h.poll_fd().is_none() => done(Errno::Success, 0),
        _ => {
            // A host-defined kind's poll descriptor is only a signal, whatever type it claims:
            // no socket error to ask it for.
            let socket = !matches!(*entry.kind, Kind::Host(_))
                && matches!(
                    entry.filetype(),
                    Filetype::SocketStream | Filetype::SocketDgram
                );
            let mut flags = if read { PollFlags::IN } else { PollFlags::OUT };
            // A peer's close shows up on a socket as RDHUP, not HUP (which needs both
            // directions shut); ask for it so the guest sees the hangup.
            #[cfg(any(target_os = "linux", target_os = "android"))]
            if read && socket {
                flags |= PollFlags::RDHUP;
            }
            // The entry's handle, held for the whole call: another thread closing the
            // descriptor meanwhile leaves it open until the poll is over.
            fds.push((Arc::clone(&entry.kind), flags));
            Wait::Fd {
                slot: fds.len() - 1,
                read,
                socket,
            }
        }
    }
}

/// Bytes between a regular file's offset and its end.
fn bytes_left(fd: BorrowedFd<'_>) -> io::Result<u64> {
    let size = rustix::fs::fstat(fd)?.st_size.max(0) as u64;
    let pos = rustix::fs::tell(fd)?;
    Ok(size.saturating_sub(pos))
}

/// The event for a polled descriptor, if `poll(2)` reported anything.
fn fd_event(
    userdata: Userdata,
    type_: Eventtype,
    fd: BorrowedFd<'_>,
    revents: PollFlags,
    read: bool,
    socket: bool,
) -> Option<Event> {
    if revents.is_empty() {
        return None;
    }
    if revents.contains(PollFlags::NVAL) {
        return Some(event(userdata, type_, Errno::Badf, 0, false));
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let hup = revents.intersects(PollFlags::HUP | PollFlags::RDHUP);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let hup = revents.contains(PollFlags::HUP);
    // A pending socket error (a refused connection, a reset) is the most precise answer.
    let socket_error = || -> Option<Errno> {
        if !socket {
            return None;
        }
        match rustix::net::sockopt::socket_error(fd) {
            Ok(Err(e)) => Some(Errno::from(e)),
            _ => None,
        }
    };
    Some(if read {
        if revents.intersects(PollFlags::IN | PollFlags::PRI) || hup {
            // Data, or the end of it: a read will not block. The count is a hint; devices
            // without FIONREAD report 0.
            let nbytes = rustix::io::ioctl_fionread(fd).unwrap_or(0);
            event(userdata, type_, Errno::Success, nbytes, hup)
        } else {
            let error = socket_error().unwrap_or(Errno::Io);
            event(userdata, type_, error, 0, false)
        }
    } else if hup || revents.contains(PollFlags::ERR) {
        // Nobody reads the other end: a write would fail with EPIPE, so report that now
        // (wasi-libc's `poll` turns it into POLLHUP).
        let error = socket_error().unwrap_or(Errno::Pipe);
        event(userdata, type_, error, 0, true)
    } else {
        event(userdata, type_, Errno::Success, 0, false)
    })
}

/// The host monotonic clock, in nanoseconds.
fn monotonic_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    (t.tv_sec.max(0) as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(t.tv_nsec as u64)
}

/// Nanoseconds as a `poll` timeout.
fn timespec(ns: u64) -> Timespec {
    Timespec {
        tv_sec: (ns / 1_000_000_000) as i64,
        tv_nsec: (ns % 1_000_000_000) as _,
    }
}

#[cfg(test)]
#[path = "poll_tests.rs"]
mod tests;
