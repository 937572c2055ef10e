//! Creating, binding, connecting, listening, accepting, and datagrams with addresses
//! (`sock_recv_from`, `sock_send_to`): real host sockets in the shared descriptor table.

use std::io;
use std::net::SocketAddr;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};

use rustix::net::{AddressFamily as HostFamily, SocketFlags, SocketType};

use super::R;
use super::addr::{self, Forms};
use super::policy::NetOp;
use crate::ctx::WasiCtx;
use crate::guest::GuestPtr;
use crate::guest::{Iovecs, IovecsMut};
use crate::host::sock::{self as p1sock, IOV_CHUNK};
use crate::preview1::{Errno, Fd, Fdflags, Riflags, Rights, Roflags, Siflags, Size};
use crate::table::{EntryRef, FdEntry, Kind, NET_RIGHTS, NetSocket};
use crate::wasmedge::{Address, AddressFamily, SockType};

/// The guest-created socket at `fd`, if it holds `need`: `EBADF` if closed, `ENOTSOCK` for
/// anything but a socket, `ENOTSUP` for a socket this host did not create through these
/// calls (a preopened listener, a socket passed as stdio), `ENOTCAPABLE` without the right.
pub(crate) fn net(ctx: &mut WasiCtx, fd: Fd, need: Rights) -> Result<EntryRef<'_>, Errno> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    match &*entry.kind {
        Kind::Net(_) => {}
        Kind::Socket(_) | Kind::Listener(_) => return Err(Errno::Notsup),
        Kind::File(f) if p1sock::is_socket(f.filetype) => return Err(Errno::Notsup),
        Kind::File(_) | Kind::Dir(_) | Kind::Host(_) => return Err(Errno::Notsock),
    }
    if !entry.rights.contains(need) {
        return Err(Errno::Notcapable);
    }
    Ok(entry)
}

fn sock(entry: &FdEntry) -> &NetSocket {
    match &*entry.kind {
        Kind::Net(n) => n,
        _ => unreachable!("checked by `net`"),
    }
}

/// `sock_open`.
pub(crate) fn open(ctx: &mut WasiCtx, af: AddressFamily, ty: SockType) -> R<Fd> {
    let v6 = match af {
        AddressFamily::Inet4 => false,
        AddressFamily::Inet6 => true,
        AddressFamily::Unspec | AddressFamily::Unix => return Err(Errno::Afnosupport.into()),
    };
    let dgram = match ty {
        SockType::Stream => false,
        SockType::Dgram => true,
        SockType::Any => return Err(Errno::Inval.into()),
    };
    open_host(ctx, v6, dgram)
}

/// Creates an IPv4 or IPv6, TCP or UDP socket, if the policy allows sockets (shared with
/// WASIX's `sock_open`).
pub(crate) fn open_host(ctx: &mut WasiCtx, v6: bool, dgram: bool) -> R<Fd> {
    let family = if v6 {
        HostFamily::INET6
    } else {
        HostFamily::INET
    };
    let socktype = if dgram {
        SocketType::DGRAM
    } else {
        SocketType::STREAM
    };
    ctx.net.check(NetOp::Open)?;
    let fd = rustix::net::socket_with(family, socktype, SocketFlags::CLOEXEC, None)?;
    #[cfg(target_vendor = "apple")]
    rustix::net::sockopt::set_socket_nosigpipe(&fd, true)?;
    let fd = ctx.table.insert(FdEntry {
        kind: Kind::Net(NetSocket { fd, dgram, v6 }).into(),
        rights: NET_RIGHTS,
        inheriting: NET_RIGHTS,
        flags: Fdflags::empty(),
        preopen: None,
    })?;
    Ok(fd)
}

/// `sock_bind`.
pub(crate) fn bind(
    ctx: &mut WasiCtx,
    fd: Fd,
    a: GuestPtr<'_, Address>,
    port: u32,
    forms: Forms,
) -> R<()> {
    let sa = addr::read_input(a, port, forms)?;
    bind_addr(ctx, fd, sa)
}

/// `sock_bind` to an address already decoded (shared with WASIX).
pub(crate) fn bind_addr(ctx: &mut WasiCtx, fd: Fd, sa: SocketAddr) -> R<()> {
    net(ctx, fd, Rights::empty())?;
    ctx.net.check(NetOp::Bind(sa))?;
    let entry = net(ctx, fd, Rights::empty())?;
    rustix::net::bind(&sock(&entry).fd, &sa)?;
    Ok(())
}

/// `sock_connect`. A nonblocking socket returns `EINPROGRESS` while the connection is under
/// way; a blocking one waits for the outcome, even across a host signal.
pub(crate) fn connect(
    ctx: &mut WasiCtx,
    fd: Fd,
    a: GuestPtr<'_, Address>,
    port: u32,
    forms: Forms,
) -> R<()> {
    let sa = addr::read_input(a, port, forms)?;
    connect_addr(ctx, fd, sa)
}

/// `sock_connect` to an address already decoded (shared with WASIX).
pub(crate) fn connect_addr(ctx: &mut WasiCtx, fd: Fd, sa: SocketAddr) -> R<()> {
    net(ctx, fd, Rights::empty())?;
    ctx.net.check(NetOp::Connect(sa))?;
    let entry = net(ctx, fd, Rights::empty())?;
    let blocking = !entry.flags.contains(Fdflags::NONBLOCK);
    let s = sock(&entry).fd.as_fd();
    match rustix::net::connect(s, &sa) {
        Ok(()) => Ok(()),
        // Interrupted, or a blocking guest on a host socket someone made nonblocking: the
        // connection goes on; wait for it and report its outcome.
        Err(rustix::io::Errno::INTR | rustix::io::Errno::INPROGRESS) if blocking => {
            p1sock::wait_for(s, libc::POLLOUT)?;
            match rustix::net::sockopt::socket_error(s)? {
                Ok(()) => Ok(()),
                Err(e) => Err(e.into()),
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// `sock_listen`. Listening on a socket never bound binds it to the wildcard address and
/// a port of the system's choosing, so the policy is asked about that bind.
pub(crate) fn listen(ctx: &mut WasiCtx, fd: Fd, backlog: u32) -> R<()> {
    let entry = net(ctx, fd, Rights::empty())?;
    let s = sock(&entry);
    if s.dgram {
        return Err(Errno::Notsup.into());
    }
    let local = addr::name_of(s.fd.as_fd(), false)?;
    if local.port() == 0 {
        ctx.net.check(NetOp::Bind(local))?;
    }
    let entry = net(ctx, fd, Rights::empty())?;
    let backlog = i32::try_from(backlog).unwrap_or(i32::MAX);
    rustix::net::listen(&sock(&entry).fd, backlog)?;
    Ok(())
}

/// `sock_accept` on a guest-created listener (both versions, and preview1's call on such a
/// socket): as preview1's `sock_accept` on a preopened one (`docs/sockets.md`), the new
/// descriptor's slot claimed first so that a full table leaves the connection queued.
pub(crate) fn accept(ctx: &mut WasiCtx, fd: Fd, flags: Fdflags) -> R<Fd> {
    let entry = net(ctx, fd, Rights::SOCK_ACCEPT)?;
    if !(flags - Fdflags::NONBLOCK).is_empty() {
        return Err(Errno::Inval.into());
    }
    let nonblocking = flags.contains(Fdflags::NONBLOCK);
    let wait = !(nonblocking || entry.flags.contains(Fdflags::NONBLOCK));
    let rights = NET_RIGHTS & entry.inheriting;
    let s = sock(&entry);
    let v6 = s.v6;
    if s.dgram {
        return Err(Errno::Notsup.into());
    }
    let dup = s.fd.try_clone()?;
    let new_fd = ctx.table.insert(FdEntry {
        kind: Kind::Net(NetSocket {
            fd: dup,
            dgram: false,
            v6,
        })
        .into(),
        rights,
        inheriting: rights,
        flags: flags & Fdflags::NONBLOCK,
        preopen: None,
    })?;
    let placeholder = ctx.table.get(new_fd, Rights::empty())?.kind.clone();
    let accepted = match &*placeholder {
        Kind::Net(listener) => accept_one(listener.fd.as_fd(), wait, nonblocking),
        _ => Err(io::Error::from_raw_os_error(libc::EBADF)),
    };
    match accepted {
        Ok(conn) => {
            let conn = Kind::Net(NetSocket {
                fd: conn,
                dgram: false,
                v6,
            });
            ctx.table.replace_kind(new_fd, &placeholder, conn)?;
            Ok(new_fd)
        }
        Err(e) => {
            let _ = ctx.table.remove(new_fd);
            Err(e.into())
        }
    }
}

fn accept_one(listener: BorrowedFd<'_>, wait: bool, nonblocking: bool) -> io::Result<OwnedFd> {
    if !wait || crate::ctx::threads::ending::serving() {
        // No per-call "don't wait" for accept: the listener itself must not block. Blocking
        // accepts below cope with a nonblocking listener (and wait where a threaded program's
        // end interrupts them).
        let mut fl = rustix::fs::fcntl_getfl(listener)?;
        fl.insert(rustix::fs::OFlags::NONBLOCK);
        rustix::fs::fcntl_setfl(listener, fl)?;
    }
    // Whether the kernel waited is the listener's `O_NONBLOCK`, which `Blocking` reads.
    let mut blocking = p1sock::Blocking::new(listener, libc::POLLIN, true);
    loop {
        match accept_raw(listener, nonblocking) {
            Ok(fd) => {
                #[cfg(target_vendor = "apple")]
                rustix::net::sockopt::set_socket_nosigpipe(&fd, true)?;
                return Ok(fd);
            }
            Err(rustix::io::Errno::INTR) => continue,
            Err(rustix::io::Errno::AGAIN) if wait => {
                if !blocking.again()? {
                    return Err(rustix::io::Errno::AGAIN.into());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// One `accept4`, close-on-exec and with `O_NONBLOCK` as asked, in one system call.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos"
))]
fn accept_raw(listener: BorrowedFd<'_>, nonblocking: bool) -> rustix::io::Result<OwnedFd> {
    let mut flags = SocketFlags::CLOEXEC;
    if nonblocking {
        flags |= SocketFlags::NONBLOCK;
    }
    rustix::net::accept_with(listener, flags)
}

/// Without `accept4`, whether the new socket inherits the listener's `O_NONBLOCK` varies, so
/// both flags are set explicitly.
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos"
)))]
fn accept_raw(listener: BorrowedFd<'_>, nonblocking: bool) -> rustix::io::Result<OwnedFd> {
    let fd = rustix::net::accept(listener)?;
    rustix::io::fcntl_setfd(&fd, rustix::io::FdFlags::CLOEXEC)?;
    let mut fl = rustix::fs::fcntl_getfl(&fd)?;
    fl.set(rustix::fs::OFlags::NONBLOCK, nonblocking);
    rustix::fs::fcntl_setfl(&fd, fl)?;
    Ok(fd)
}

/// `sock_recv_from`: one `recvmsg` into the guest's buffers (up to [`IOV_CHUNK`] of them),
/// the sender's address written in the form the guest's buffer has, and its port returned.
/// The address buffer is checked before anything is received. A stream socket reports its
/// peer.
pub(crate) fn recv_from(
    ctx: &mut WasiCtx,
    fd: Fd,
    ri_data: IovecsMut<'_>,
    a: GuestPtr<'_, Address>,
    ri_flags: Riflags,
    forms: Forms,
) -> R<(u32, Size, Roflags)> {
    let mut out = None;
    let (from, got, roflags) = recv_from_addr(ctx, fd, ri_data, ri_flags, |v6| {
        out = Some(addr::check_output(a, forms, v6)?);
        Ok(())
    })?;
    if let Some(out) = out {
        out.write(&a.memory(), from)?;
    }
    Ok((u32::from(from.port()), got, roflags))
}

/// One `recvmsg` into the guest's buffers (up to [`IOV_CHUNK`] of them), returning the sender
/// (shared with WASIX). `check` sees whether the socket is IPv6 before anything is received,
/// to check where the address will go.
pub(crate) fn recv_from_addr(
    ctx: &mut WasiCtx,
    fd: Fd,
    mut ri_data: IovecsMut<'_>,
    ri_flags: Riflags,
    check: impl FnOnce(bool) -> R<()>,
) -> R<(SocketAddr, Size, Roflags)> {
    let entry = net(ctx, fd, Rights::FD_READ)?;
    let wait = !entry.flags.contains(Fdflags::NONBLOCK);
    let s = sock(&entry);
    check(s.v6)?;
    let host = s.fd.as_fd();
    let msg_flags = p1sock::recv_msg_flags(ri_flags, wait);
    let mut iov = [libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }; IOV_CHUNK];
    let (n_iov, _, _) = p1sock::fill_chunk(&mut iov, 0, ri_data.len(), 0, |i| {
        ri_data.get_mut(i).map(|mut b| {
            let (ptr, len) = b.as_raw();
            (ptr.cast(), len)
        })
    });
    // SAFETY: plain data; zeroes are "no address".
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut msg = p1sock::msghdr(&mut iov[..n_iov]);
    msg.msg_name = (&raw mut storage).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let kernel_waits = msg_flags & libc::MSG_DONTWAIT == 0;
    let got = p1sock::retry(host, wait, kernel_waits, libc::POLLIN, || {
        // SAFETY: the iovecs are bounds-checked ranges of guest memory, mapped for the whole
        // call, written only by the kernel; `msg_name` points at `storage`, of the size given.
        unsafe { libc::recvmsg(host.as_raw_fd(), &mut msg, msg_flags) }
    })?;
    let from = match addr::from_raw(&storage, msg.msg_namelen) {
        Some(sa) => sa,
        // A connected stream names no sender: its peer sent it.
        None => addr::name_of(host, true).unwrap_or_else(|_| unspecified(s.v6)),
    };
    let roflags = if msg.msg_flags & libc::MSG_TRUNC != 0 {
        Roflags::RECV_DATA_TRUNCATED
    } else {
        Roflags::empty()
    };
    Ok((from, got as Size, roflags))
}

fn unspecified(v6: bool) -> SocketAddr {
    if v6 {
        SocketAddr::from(([0u16; 8], 0))
    } else {
        SocketAddr::from(([0u8; 4], 0))
    }
}

/// `sock_send_to`: one `sendmsg` of the guest's buffers (up to [`IOV_CHUNK`]) to an address.
pub(crate) fn send_to(
    ctx: &mut WasiCtx,
    fd: Fd,
    si_data: Iovecs<'_>,
    a: GuestPtr<'_, Address>,
    port: u32,
    si_flags: Siflags,
    forms: Forms,
) -> R<Size> {
    let to = addr::read_input(a, port, forms)?;
    send_to_addr(ctx, fd, si_data, to, si_flags)
}

/// One `sendmsg` of the guest's buffers (up to [`IOV_CHUNK`]) to a decoded address (shared
/// with WASIX).
pub(crate) fn send_to_addr(
    ctx: &mut WasiCtx,
    fd: Fd,
    si_data: Iovecs<'_>,
    to: SocketAddr,
    si_flags: Siflags,
) -> R<Size> {
    if si_flags != 0 {
        return Err(Errno::Inval.into());
    }
    net(ctx, fd, Rights::FD_WRITE)?;
    ctx.net.check(NetOp::Connect(to))?;
    let entry = net(ctx, fd, Rights::FD_WRITE)?;
    let wait = !entry.flags.contains(Fdflags::NONBLOCK);
    let host = sock(&entry).fd.as_fd();
    let mut msg_flags = p1sock::os::SEND_FLAGS;
    if !wait {
        msg_flags |= libc::MSG_DONTWAIT;
    }
    let mut iov = [libc::iovec {
        iov_base: std::ptr::null_mut(),
        iov_len: 0,
    }; IOV_CHUNK];
    let (n_iov, _, _) = p1sock::fill_chunk(&mut iov, 0, si_data.len(), 0, |i| {
        si_data.get(i).map(|b| {
            let (ptr, len) = b.as_raw();
            (ptr.cast_mut().cast(), len)
        })
    });
    let (mut storage, len) = addr::to_raw(to);
    let mut msg = p1sock::msghdr(&mut iov[..n_iov]);
    msg.msg_name = (&raw mut storage).cast();
    msg.msg_namelen = len;
    let sent = p1sock::retry(host, wait, wait, libc::POLLOUT, || {
        // SAFETY: the iovecs are bounds-checked ranges of guest memory, only read by the
        // kernel; `msg_name` points at `storage`, of length `len`.
        unsafe { libc::sendmsg(host.as_raw_fd(), &msg, msg_flags) }
    })?;
    Ok(sent as Size)
}

/// `sock_getlocaladdr` / `sock_getpeeraddr`: the address in the buffer's form, its IP version
/// (4 or 6) and port.
pub(crate) fn get_addr(
    ctx: &mut WasiCtx,
    fd: Fd,
    a: GuestPtr<'_, Address>,
    peer: bool,
    forms: Forms,
) -> R<(u32, u32)> {
    let sa = name_of_fd(ctx, fd, peer)?;
    let out = addr::check_output(a, forms, false)?;
    out.write(&a.memory(), sa)?;
    let version = if sa.is_ipv4() { 4 } else { 6 };
    Ok((version, u32::from(sa.port())))
}

/// The local or peer address of any socket descriptor (shared with WASIX).
pub(crate) fn name_of_fd(ctx: &mut WasiCtx, fd: Fd, peer: bool) -> R<SocketAddr> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    let host = match &*entry.kind {
        Kind::Net(n) => n.fd.as_fd(),
        Kind::Socket(s) => s.as_fd(),
        Kind::Listener(l) => l.as_fd(),
        Kind::File(f) if p1sock::is_socket(f.filetype) => f.file.as_fd(),
        Kind::File(_) | Kind::Dir(_) | Kind::Host(_) => return Err(Errno::Notsock.into()),
    };
    Ok(addr::name_of(host, peer)?)
}
