//! Sockets: `sock_accept`, `sock_recv`, `sock_send`, `sock_shutdown`.
//!
//! Preview1 cannot create sockets; the guest gets listening sockets preopened by the embedder
//! (`WasiCtxBuilder::tcp_listener`, `--tcplisten`) and accepts connections on them. Data moves
//! with `recvmsg`/`sendmsg` straight between the kernel and guest memory: no host buffer, no
//! heap allocation. The choices made where the spec is silent are in `docs/sockets.md`.

use std::io;
use std::net::{TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};
use std::time::Instant;

use super::HostResult;
use crate::ctx::WasiCtx;
use crate::ctx::threads::ending;
use crate::guest::{Iovecs, IovecsMut};
use crate::preview1::*;
use crate::table::{FdEntry, Kind, SOCKET_RIGHTS};

/// How many iovecs one `recvmsg`/`sendmsg` gets. The `iovec` array lives on the stack; longer
/// guest lists are served in chunks of this size (see [`recv`] and [`send`]).
pub(crate) const IOV_CHUNK: usize = 64;

/// `sock_accept`: takes one pending connection off a preopened listener.
///
/// `flags` are the new socket's fdflags; only `NONBLOCK` means anything for a socket, so any
/// other bit is `EINVAL` (checked before a connection is taken, so none is lost). The call
/// itself does not wait when either the listener's fdflags or `flags` hold `NONBLOCK`: with
/// nothing pending it returns `EAGAIN`.
pub(crate) fn accept(ctx: &mut WasiCtx, fd: Fd, flags: Fdflags) -> HostResult<Fd> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    let listener = match &*entry.kind {
        Kind::Listener(listener) => listener,
        // A connected socket, or a socket the host handed over as a plain descriptor: not
        // something this host accepts on, as `accept(2)` says of a socket that is not listening.
        Kind::Socket(_) => return Err(Errno::Inval.into()),
        // A socket the guest created: the WasmEdge accept, with preview1's errno.
        Kind::Net(_) => return super::wasmedge::sockets::accept(ctx, fd, flags),
        Kind::File(f) if is_socket(f.filetype) => return Err(Errno::Inval.into()),
        Kind::File(_) | Kind::Dir(_) | Kind::Host(_) => return Err(Errno::Notsock.into()),
    };
    if !entry.rights.contains(Rights::SOCK_ACCEPT) {
        return Err(Errno::Notcapable.into());
    }
    if !(flags - Fdflags::NONBLOCK).is_empty() {
        return Err(Errno::Inval.into());
    }
    let nonblocking = flags.contains(Fdflags::NONBLOCK);
    let wait = !(nonblocking || entry.flags.contains(Fdflags::NONBLOCK));
    let rights = SOCKET_RIGHTS & entry.inheriting;
    // Claim the new fd before taking the connection: if the table is full the connection
    // stays queued (`EMFILE`, as `accept(2)` leaves it) instead of being accepted and dropped.
    // A duplicate of the listener holds the slot, and is what accepts: it is the same socket.
    let dup = listener.try_clone()?;
    let new_fd = ctx.table.insert(FdEntry {
        kind: Kind::Listener(dup).into(),
        rights,
        inheriting: Rights::empty(),
        flags: flags & Fdflags::NONBLOCK,
        preopen: None,
    })?;
    let placeholder = ctx.table.get(new_fd, Rights::empty())?.kind.clone();
    let accepted = match &*placeholder {
        Kind::Listener(dup) => accept_stream(dup, wait, nonblocking),
        _ => Err(io::Error::from_raw_os_error(libc::EBADF)),
    };
    match accepted {
        Ok(stream) => {
            ctx.table
                .replace_kind(new_fd, &placeholder, Kind::Socket(stream))?;
            Ok(new_fd)
        }
        Err(e) => {
            let _ = ctx.table.remove(new_fd);
            Err(e.into())
        }
    }
}

/// The `recvmsg` flags for the guest's receive flags, and `MSG_DONTWAIT` when the descriptor
/// does not block.
pub(crate) fn recv_msg_flags(ri_flags: Riflags, wait: bool) -> libc::c_int {
    let mut msg_flags = 0;
    if ri_flags.contains(Riflags::RECV_PEEK) {
        msg_flags |= libc::MSG_PEEK;
    }
    if ri_flags.contains(Riflags::RECV_WAITALL) {
        msg_flags |= libc::MSG_WAITALL;
    }
    // A thread of a threaded program waits in `retry`'s poll instead of in the kernel, so
    // that the program's end wakes it (a `WAITALL` receive still waits in the kernel: with
    // `MSG_DONTWAIT` it would return short).
    if !wait || (ending::serving() && !ri_flags.contains(Riflags::RECV_WAITALL)) {
        msg_flags |= libc::MSG_DONTWAIT;
    }
    msg_flags
}

/// `sock_recv`: reads into the guest's iovecs with one `recvmsg` (per [`IOV_CHUNK`] iovecs).
///
/// `RECV_PEEK` leaves the data queued; `RECV_WAITALL` waits until every buffer is full, the
/// peer shuts down its side, or an error arrives. `RECV_DATA_TRUNCATED` is reported when the
/// kernel reports `MSG_TRUNC`, which only datagram sockets do: it is never set for TCP.
pub(crate) fn recv(
    ctx: &mut WasiCtx,
    fd: Fd,
    mut ri_data: IovecsMut<'_>,
    ri_flags: Riflags,
) -> HostResult<(Size, Roflags)> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    let sock = connected_socket(&entry, Rights::FD_READ)?;
    let wait = !entry.flags.contains(Fdflags::NONBLOCK);
    let msg_flags = recv_msg_flags(ri_flags, wait);
    let kernel_waits = msg_flags & libc::MSG_DONTWAIT == 0;
    // Past the first chunk only a WAITALL read without PEEK goes on: a plain read may be short,
    // and a peek at a later chunk would see the same leading bytes again.
    let more_chunks = ri_flags == Riflags::RECV_WAITALL;

    let mut done = 0usize;
    let mut truncated = false;
    let mut first = 0;
    loop {
        let mut iov = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }; IOV_CHUNK];
        // Bound the total by `Size`, which the count is returned in; overlapping iovecs can
        // otherwise add up past 4 GiB.
        let (n_iov, next, want) = fill_chunk(&mut iov, first, ri_data.len(), done, |i| {
            ri_data.get_mut(i).map(|mut b| {
                let (ptr, len) = b.as_raw();
                (ptr.cast(), len)
            })
        });
        if n_iov == 0 && done > 0 {
            break;
        }
        let mut msg = msghdr(&mut iov[..n_iov]);
        let got = retry(sock, wait, kernel_waits, libc::POLLIN, || {
            // SAFETY: each iovec is a range of guest memory bounds-checked when the list was
            // decoded, and the memory stays mapped for the whole call. Only the kernel writes
            // through them, and no Rust reference to those bytes is alive during the call.
            unsafe { libc::recvmsg(sock.as_raw_fd(), &mut msg, msg_flags) }
        });
        match got {
            Ok(n) => {
                truncated |= msg.msg_flags & libc::MSG_TRUNC != 0;
                done += n;
                if !(more_chunks && n == want && next < ri_data.len()) {
                    break;
                }
                first = next;
            }
            // What was already read is the guest's: report it, not the later error.
            Err(_) if done > 0 => break,
            Err(e) => return Err(e.into()),
        }
    }
    let roflags = if truncated {
        Roflags::RECV_DATA_TRUNCATED
    } else {
        Roflags::empty()
    };
    Ok((done as Size, roflags))
}

/// `sock_send`: writes the guest's iovecs with one `sendmsg` (per [`IOV_CHUNK`] iovecs).
///
/// Preview1 defines no `siflags`; a nonzero value is `EINVAL`, as undefined flag bits are
/// everywhere else. A peer that has gone away gives `EPIPE`, never a `SIGPIPE` to the host.
pub(crate) fn send(
    ctx: &mut WasiCtx,
    fd: Fd,
    si_data: Iovecs<'_>,
    si_flags: Siflags,
) -> HostResult<Size> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    let sock = connected_socket(&entry, Rights::FD_WRITE)?;
    if si_flags != 0 {
        return Err(Errno::Inval.into());
    }
    let wait = !entry.flags.contains(Fdflags::NONBLOCK);
    // A thread of a threaded program does not let the kernel wait (the program's end could
    // not wake it): `send_in_program` waits in `poll` between partial sends instead.
    let in_program = wait && ending::serving();
    let mut msg_flags = os::SEND_FLAGS;
    if !wait || in_program {
        msg_flags |= libc::MSG_DONTWAIT;
    }
    let mut done = 0usize;
    let mut first = 0;
    loop {
        let mut iov = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }; IOV_CHUNK];
        let (n_iov, next, want) = fill_chunk(&mut iov, first, si_data.len(), done, |i| {
            si_data.get(i).map(|b| {
                let (ptr, len) = b.as_raw();
                (ptr.cast_mut().cast(), len)
            })
        });
        if n_iov == 0 && done > 0 {
            break;
        }
        let sent = if in_program {
            send_in_program(sock, &mut iov[..n_iov], msg_flags)
        } else {
            let msg = msghdr(&mut iov[..n_iov]);
            retry(sock, wait, wait, libc::POLLOUT, || {
                // SAFETY: the iovecs are bounds-checked ranges of guest memory, mapped for the
                // whole call; the kernel only reads through them.
                unsafe { libc::sendmsg(sock.as_raw_fd(), &msg, msg_flags) }
            })
        };
        match sent {
            Ok(n) => {
                done += n;
                // A short send means the socket buffer is full (nonblocking) or the call was
                // cut short; the guest sees a short write and retries, as with `writev`.
                if !(n == want && next < si_data.len()) {
                    break;
                }
                first = next;
            }
            Err(_) if done > 0 => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(done as Size)
}

/// A blocking send on a thread of a threaded program: `MSG_DONTWAIT` sends (in `msg_flags`)
/// until every byte of `iov` is sent, waiting in `poll` (which the program's end interrupts)
/// while the socket has no room, as the kernel would wait for a blocking send. The socket's
/// send timeout bounds the waits ([`Blocking`]); when it runs out, or on an error, what was
/// sent is reported if anything was. `iov` is advanced past what is sent.
fn send_in_program(
    sock: BorrowedFd<'_>,
    iov: &mut [libc::iovec],
    msg_flags: libc::c_int,
) -> io::Result<usize> {
    // One for the whole send: its timeout, like the kernel's, bounds all of its waits.
    let mut blocking = Blocking::new(sock, libc::POLLOUT, false);
    let mut total = 0;
    // The first entry not wholly sent.
    let mut at = 0;
    while at < iov.len() {
        let msg = msghdr(&mut iov[at..]);
        let sent = retry_in(&mut blocking, true, || {
            // SAFETY: the iovecs are bounds-checked ranges of guest memory (advanced only
            // within themselves below), mapped for the whole call; the kernel only reads them.
            unsafe { libc::sendmsg(sock.as_raw_fd(), &msg, msg_flags) }
        });
        let mut n = match sent {
            // Nothing left that the kernel counts (empty entries only).
            Ok(0) => break,
            Ok(n) => n,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e),
        };
        total += n;
        while at < iov.len() && n >= iov[at].iov_len {
            n -= iov[at].iov_len;
            at += 1;
        }
        if n > 0 {
            let entry = &mut iov[at];
            // SAFETY: `n` is less than the entry's length: still inside its buffer.
            entry.iov_base = unsafe { entry.iov_base.cast::<u8>().add(n) }.cast();
            entry.iov_len -= n;
        }
    }
    Ok(total)
}

/// `sock_shutdown`: shuts down reading (`RD`), writing (`WR`) or both on a connected socket.
pub(crate) fn shutdown(ctx: &mut WasiCtx, fd: Fd, how: Sdflags) -> HostResult<()> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    let sock = connected_socket(&entry, Rights::SOCK_SHUTDOWN)?;
    let how = if how == Sdflags::RD | Sdflags::WR {
        rustix::net::Shutdown::Both
    } else if how == Sdflags::RD {
        rustix::net::Shutdown::Read
    } else if how == Sdflags::WR {
        rustix::net::Shutdown::Write
    } else {
        // No direction at all: nothing POSIX `shutdown` accepts.
        return Err(Errno::Inval.into());
    };
    rustix::net::shutdown(sock, how)?;
    Ok(())
}

pub(crate) fn is_socket(filetype: Filetype) -> bool {
    matches!(filetype, Filetype::SocketStream | Filetype::SocketDgram)
}

/// The socket behind `entry` for data calls, once `entry` is known to be a socket and to hold
/// `need`. A listener has no peer to exchange data with: `ENOTCONN`, as `recv(2)` says.
/// Sockets the embedder passed as stdio (`Kind::File` of a socket type) work too.
pub(crate) fn connected_socket(entry: &FdEntry, need: Rights) -> Result<BorrowedFd<'_>, Errno> {
    let fd = match &*entry.kind {
        Kind::Socket(stream) => stream.as_fd(),
        Kind::Net(n) => n.fd.as_fd(),
        Kind::File(f) if is_socket(f.filetype) => f.file.as_fd(),
        Kind::Listener(_) => return Err(Errno::Notconn),
        Kind::File(_) | Kind::Dir(_) | Kind::Host(_) => return Err(Errno::Notsock),
    };
    if !entry.rights.contains(need) {
        return Err(Errno::Notcapable);
    }
    Ok(fd)
}

/// Fills `iov` with guest buffers `first..` (as `buf(i)` gives them), keeping the running total
/// `done` plus this chunk within `Size`. Returns how many entries were filled, the index of the
/// first buffer not taken, and the chunk's byte count.
pub(crate) fn fill_chunk(
    iov: &mut [libc::iovec; IOV_CHUNK],
    first: usize,
    count: usize,
    done: usize,
    mut buf: impl FnMut(usize) -> Option<(*mut libc::c_void, usize)>,
) -> (usize, usize, usize) {
    let mut budget = (Size::MAX as usize).saturating_sub(done);
    let mut n = 0;
    let mut want = 0;
    let mut i = first;
    while i < count && n < IOV_CHUNK && budget > 0 {
        if let Some((ptr, len)) = buf(i) {
            let len = len.min(budget);
            iov[n] = libc::iovec {
                iov_base: ptr,
                iov_len: len,
            };
            budget -= len;
            want += len;
            n += 1;
        }
        i += 1;
    }
    (n, i, want)
}

/// A `msghdr` with no address and no control data, over the entries of `iov`.
pub(crate) fn msghdr(iov: &mut [libc::iovec]) -> libc::msghdr {
    // SAFETY: `msghdr` is plain data (pointers and integers, on some systems padding fields
    // libc keeps private); all zeroes is its "nothing" value.
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_iov = iov.as_mut_ptr();
    msg.msg_iovlen = iov.len() as _;
    msg
}

/// Runs a socket system call, retrying after `EINTR`. When the guest's descriptor is blocking
/// (`wait`) but the host socket reports `EAGAIN` (the call did not let the kernel wait, or the
/// host socket's `O_NONBLOCK` is set), waits for `events` with `poll` and tries again, so the
/// guest sees blocking semantics, the socket's own timeout included (see [`Blocking`]).
/// `kernel_waits`: the call lets the kernel wait (no `MSG_DONTWAIT`).
pub(crate) fn retry(
    sock: BorrowedFd<'_>,
    wait: bool,
    kernel_waits: bool,
    events: libc::c_short,
    call: impl FnMut() -> isize,
) -> io::Result<usize> {
    retry_in(&mut Blocking::new(sock, events, kernel_waits), wait, call)
}

/// [`retry`] with the waits' state given, for a call made several times that one timeout
/// bounds.
fn retry_in(
    blocking: &mut Blocking<'_>,
    wait: bool,
    mut call: impl FnMut() -> isize,
) -> io::Result<usize> {
    loop {
        let r = call();
        if r >= 0 {
            return Ok(r as usize);
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(code) if wait && (code == libc::EAGAIN || code == libc::EWOULDBLOCK) => {
                if !blocking.again()? {
                    return Err(e);
                }
            }
            _ => return Err(e),
        }
    }
}

/// The waits of one blocking socket call that the kernel did not make itself (see [`retry`]).
///
/// A socket may carry a receive or send timeout (`SO_RCVTIMEO`/`SO_SNDTIMEO`, which the guest
/// sets through WASIX's `sock_set_opt_time` or WasmEdge's `sock_setsockopt`). The kernel
/// honours it only when it waits itself; these waits honour it too, and its end is the call's
/// `EAGAIN`, as from the kernel. Linux applies the receive timeout to `accept` as well. The
/// timeout is read from the socket at the first `EAGAIN` only, so calls that never wait make no
/// extra system call.
pub(crate) struct Blocking<'a> {
    sock: BorrowedFd<'a>,
    events: libc::c_short,
    kernel_waits: bool,
    /// Unset until the first `EAGAIN`; then the timeout's end, if the socket has a timeout.
    deadline: Option<Option<Instant>>,
}

impl<'a> Blocking<'a> {
    /// For a call on `sock` waiting for `events` (`POLLIN`: the receive timeout; `POLLOUT`: the
    /// send timeout); `kernel_waits` as for [`retry`].
    pub(crate) fn new(sock: BorrowedFd<'a>, events: libc::c_short, kernel_waits: bool) -> Self {
        Blocking {
            sock,
            events,
            kernel_waits,
            deadline: None,
        }
    }

    /// After the call's `EAGAIN`: waits until the socket is ready for the events and says
    /// whether to call again. `Ok(false)`: the socket's timeout has run out, and `EAGAIN` is
    /// the call's answer. A threaded program's end interrupts the wait (`ECANCELED`).
    pub(crate) fn again(&mut self) -> io::Result<bool> {
        use rustix::net::sockopt::{Timeout, socket_timeout};
        let deadline = match self.deadline {
            Some(deadline) => deadline,
            None => {
                let which = if self.events == libc::POLLIN {
                    Timeout::Recv
                } else {
                    Timeout::Send
                };
                let timeout = socket_timeout(self.sock, which).ok().flatten();
                let host_blocks = rustix::fs::fcntl_getfl(self.sock)
                    .is_ok_and(|f| !f.contains(rustix::fs::OFlags::NONBLOCK));
                if timeout.is_some() && self.kernel_waits && host_blocks {
                    // The kernel waited itself, for the whole timeout, before this EAGAIN.
                    return Ok(false);
                }
                let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
                self.deadline = Some(deadline);
                deadline
            }
        };
        let Some(deadline) = deadline else {
            wait_for(self.sock, self.events)?;
            return Ok(true);
        };
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(false);
        }
        let timeout = rustix::time::Timespec {
            tv_sec: left.as_secs().min(i64::MAX as u64) as i64,
            tv_nsec: i64::from(left.subsec_nanos()),
        };
        ending::wait_ready(self.sock, poll_flags(self.events), Some(&timeout))
    }
}

fn poll_flags(events: libc::c_short) -> rustix::event::PollFlags {
    if events == libc::POLLIN {
        rustix::event::PollFlags::IN
    } else {
        rustix::event::PollFlags::OUT
    }
}

/// Blocks until `fd` is ready for `events` (or has an error or hang-up to report).
pub(crate) fn wait_for(fd: BorrowedFd<'_>, events: libc::c_short) -> io::Result<()> {
    // A threaded program's end interrupts the wait (`ECANCELED`).
    ending::wait_ready(fd, poll_flags(events), None).map(drop)
}

/// Takes one connection off `listener`, with the new socket's host `O_NONBLOCK` set to
/// `nonblocking` (so reads through `fd_read` behave as its fdflags say). With `wait`, blocks
/// until a connection arrives; without, `EAGAIN` when none is pending.
fn accept_stream(listener: &TcpListener, wait: bool, nonblocking: bool) -> io::Result<TcpStream> {
    if !wait || ending::serving() {
        // `accept` has no per-call "don't wait" flag: the listener itself must not block.
        // Blocking accepts below cope with a nonblocking listener (they wait in `poll`, which
        // a threaded program's end interrupts), so it can stay that way.
        listener.set_nonblocking(true)?;
    }
    // Whether the kernel waited is the listener's `O_NONBLOCK`, which `Blocking` reads.
    let mut blocking = Blocking::new(listener.as_fd(), libc::POLLIN, true);
    loop {
        match os::accept(listener, nonblocking) {
            Ok(stream) => return Ok(stream),
            Err(e) => match e.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(code) if wait && (code == libc::EAGAIN || code == libc::EWOULDBLOCK) => {
                    if !blocking.again()? {
                        return Err(e);
                    }
                }
                // A connection reset while queued is gone; the next one may be fine, but the
                // caller decides whether to try again, as with `accept(2)`.
                _ => return Err(e),
            },
        }
    }
}

/// The few socket details that differ between Unix systems.
pub(crate) mod os {
    use std::io;
    use std::net::{TcpListener, TcpStream};

    /// `sendmsg` flags for every send: no `SIGPIPE` when the peer is gone, just `EPIPE`.
    #[cfg(not(target_vendor = "apple"))]
    pub const SEND_FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
    /// Apple systems lack `MSG_NOSIGNAL`; accepted sockets get `SO_NOSIGPIPE` instead.
    #[cfg(target_vendor = "apple")]
    pub const SEND_FLAGS: libc::c_int = 0;

    /// `accept4` sets close-on-exec and the new socket's `O_NONBLOCK` in one system call.
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos"
    ))]
    pub fn accept(listener: &TcpListener, nonblocking: bool) -> io::Result<TcpStream> {
        use rustix::net::SocketFlags;
        let mut flags = SocketFlags::CLOEXEC;
        if nonblocking {
            flags |= SocketFlags::NONBLOCK;
        }
        let fd = rustix::net::accept_with(listener, flags)?;
        Ok(TcpStream::from(fd))
    }

    /// Without `accept4`, whether an accepted socket inherits the listener's `O_NONBLOCK`
    /// varies (BSD-derived systems: it does), so it is always set explicitly.
    #[cfg(not(any(
        target_os = "linux",
        target_os = "android",
        target_os = "freebsd",
        target_os = "netbsd",
        target_os = "openbsd",
        target_os = "dragonfly",
        target_os = "illumos"
    )))]
    pub fn accept(listener: &TcpListener, nonblocking: bool) -> io::Result<TcpStream> {
        let (stream, _) = listener.accept()?;
        stream.set_nonblocking(nonblocking)?;
        #[cfg(target_vendor = "apple")]
        rustix::net::sockopt::set_socket_nosigpipe(&stream, true)?;
        Ok(stream)
    }
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod wait_tests;
