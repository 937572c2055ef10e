//! WASIX sockets: the WasmEdge extension's socket code (`host::wasmedge::sockets`) behind
//! WASIX's argument forms. Creating, binding, connecting, sending to and resolving pass the
//! same deny-by-default network policy (`docs/sockets.md`). Addresses are `addr_port`
//! records whose ports are little-endian both ways.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6, ToSocketAddrs};
use std::os::fd::{AsFd, BorrowedFd};
use std::time::Duration;

use super::R;
use crate::ctx::WasiCtx;
use crate::guest::{GuestArrayMut, GuestPtr, Iovecs, IovecsMut};
use crate::host::wasmedge::policy::NetOp;
use crate::host::wasmedge::sockets;
use crate::preview1::{Errno, Fd, Fdflags, Riflags, Rights, Roflags, Siflags, Size};
use crate::table::{EntryRef, FdEntry, Kind};
use crate::wasix::{
    AddrIp, AddrPort, AddrPortInet4, AddrPortInet6, AddressFamily, Ip4, Ip6, OptionTimestamp,
    SockOption, SockProto, SockStatus, SockType,
};

/// IANA protocol numbers `sock_open` accepts beside 0.
const IPPROTO_TCP: u16 = 6;
const IPPROTO_UDP: u16 = 17;

/// The longest host name `resolve` accepts (DNS names are at most 253 bytes).
const HOST_MAX: usize = 253;

fn ip6_bytes(a: &Ip6) -> [u8; 16] {
    let halves = [a.h0, a.h1, a.h2, a.h3, a.h4, a.h5, a.h6, a.h7];
    let mut out = [0; 16];
    for (k, h) in halves.iter().enumerate() {
        out[2 * k..2 * k + 2].copy_from_slice(&h.to_le_bytes());
    }
    out
}

fn ip6_of(bytes: [u8; 16]) -> Ip6 {
    let h = |k: usize| u16::from_le_bytes([bytes[2 * k], bytes[2 * k + 1]]);
    Ip6 {
        h0: h(0),
        h1: h(1),
        h2: h(2),
        h3: h(3),
        h4: h(4),
        h5: h(5),
        h6: h(6),
        h7: h(7),
    }
}

fn ip4_of(a: Ipv4Addr) -> Ip4 {
    let [o0, o1, o2, o3] = a.octets();
    Ip4 { o0, o1, o2, o3 }
}

/// An `addr_port` as a host address: `EAFNOSUPPORT` for `unspec` and `unix`.
pub(crate) fn socket_addr(a: &AddrPort) -> R<SocketAddr> {
    match a {
        AddrPort::Inet4(v4) => {
            let ip = Ipv4Addr::new(v4.addr.o0, v4.addr.o1, v4.addr.o2, v4.addr.o3);
            Ok(SocketAddr::from((ip, v4.port)))
        }
        AddrPort::Inet6(v6) => {
            let ip = Ipv6Addr::from(ip6_bytes(&v6.addr));
            let flow = (u32::from(v6.flow_info1) << 16) | u32::from(v6.flow_info0);
            let scope = (u32::from(v6.scope_id1) << 16) | u32::from(v6.scope_id0);
            Ok(SocketAddr::V6(SocketAddrV6::new(ip, v6.port, flow, scope)))
        }
        AddrPort::Unspec | AddrPort::Unix(_) => Err(Errno::Afnosupport.into()),
    }
}

/// A host address as an `addr_port`.
pub(crate) fn addr_port(sa: SocketAddr) -> AddrPort {
    match sa {
        SocketAddr::V4(v4) => AddrPort::Inet4(AddrPortInet4 {
            port: v4.port(),
            addr: ip4_of(*v4.ip()),
        }),
        SocketAddr::V6(v6) => AddrPort::Inet6(AddrPortInet6 {
            port: v6.port(),
            addr: ip6_of(v6.ip().octets()),
            flow_info1: (v6.flowinfo() >> 16) as u16,
            flow_info0: v6.flowinfo() as u16,
            scope_id1: (v6.scope_id() >> 16) as u16,
            scope_id0: v6.scope_id() as u16,
        }),
    }
}

/// `sock_open`: IPv4 or IPv6, stream (TCP) or datagram (UDP); the protocol 0 or the one the
/// type implies.
pub(crate) fn open(ctx: &mut WasiCtx, af: AddressFamily, ty: SockType, proto: SockProto) -> R<Fd> {
    let v6 = match af {
        AddressFamily::Inet4 => false,
        AddressFamily::Inet6 => true,
        AddressFamily::Unspec | AddressFamily::Unix => return Err(Errno::Afnosupport.into()),
    };
    let dgram = match ty {
        SockType::Stream => false,
        SockType::Dgram => true,
        SockType::Raw | SockType::Seqpacket => return Err(Errno::Notsup.into()),
        SockType::Unused => return Err(Errno::Inval.into()),
    };
    let implied = if dgram { IPPROTO_UDP } else { IPPROTO_TCP };
    if proto != 0 && proto != implied {
        return Err(Errno::Protonosupport.into());
    }
    sockets::open_host(ctx, v6, dgram)
}

/// `sock_pair`: two connected local (Unix domain) sockets, `socketpair(2)`. Nothing reaches
/// the network, so the network policy is not asked. They are plain socket descriptors:
/// preview1's reads, writes, `sock_recv`, `sock_send`, `sock_shutdown` and `poll_oneoff`
/// serve them.
pub(crate) fn pair(
    ctx: &mut WasiCtx,
    af: AddressFamily,
    ty: SockType,
    proto: SockProto,
) -> R<(Fd, Fd)> {
    use rustix::net::{AddressFamily as HostFamily, SocketFlags, SocketType};
    if af != AddressFamily::Unix {
        return Err(Errno::Afnosupport.into());
    }
    let ty = match ty {
        SockType::Stream => SocketType::STREAM,
        SockType::Dgram => SocketType::DGRAM,
        SockType::Seqpacket => SocketType::SEQPACKET,
        SockType::Raw => return Err(Errno::Notsup.into()),
        SockType::Unused => return Err(Errno::Inval.into()),
    };
    if proto != 0 {
        return Err(Errno::Protonosupport.into());
    }
    let (a, b) = rustix::net::socketpair(HostFamily::UNIX, ty, SocketFlags::CLOEXEC, None)?;
    let entry = |fd: std::os::fd::OwnedFd| {
        let file = std::fs::File::from(fd);
        let filetype = crate::host::fd::filetype_of(&file);
        crate::table::FdEntry {
            kind: Kind::File(crate::table::FileEntry::owned(file, filetype)).into(),
            rights: crate::table::SOCKET_RIGHTS,
            inheriting: Rights::empty(),
            flags: Fdflags::empty(),
            preopen: None,
        }
    };
    super::fd::insert_pair(ctx, entry(a), entry(b))
}

/// `sock_bind`.
pub(crate) fn bind(ctx: &mut WasiCtx, fd: Fd, a: GuestPtr<'_, AddrPort>) -> R<()> {
    let sa = socket_addr(&a.read()?)?;
    sockets::bind_addr(ctx, fd, sa)
}

/// `sock_connect`.
pub(crate) fn connect(ctx: &mut WasiCtx, fd: Fd, a: GuestPtr<'_, AddrPort>) -> R<()> {
    let sa = socket_addr(&a.read()?)?;
    sockets::connect_addr(ctx, fd, sa)
}

/// `sock_accept_v2`: preview1's accept (any listener this host knows), then the peer.
pub(crate) fn accept(ctx: &mut WasiCtx, fd: Fd, flags: Fdflags) -> R<(Fd, AddrPort)> {
    let new = crate::host::sock::accept(ctx, fd, flags)?;
    let peer = sockets::name_of_fd(ctx, new, true)
        .map(addr_port)
        .unwrap_or(AddrPort::Unspec);
    Ok((new, peer))
}

/// `sock_addr_local` / `sock_addr_peer`.
pub(crate) fn name(ctx: &mut WasiCtx, fd: Fd, peer: bool) -> R<AddrPort> {
    sockets::name_of_fd(ctx, fd, peer).map(addr_port)
}

/// `sock_status`: every socket in the table is open; other descriptors are `ENOTSOCK`.
pub(crate) fn status(ctx: &mut WasiCtx, fd: Fd) -> R<SockStatus> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    match &*entry.kind {
        Kind::Net(_) | Kind::Socket(_) | Kind::Listener(_) => Ok(SockStatus::Opened),
        Kind::File(f) if crate::host::sock::is_socket(f.filetype) => Ok(SockStatus::Opened),
        Kind::File(_) | Kind::Dir(_) | Kind::Host(_) => Err(Errno::Notsock.into()),
    }
}

/// `sock_send_to`.
pub(crate) fn send_to(
    ctx: &mut WasiCtx,
    fd: Fd,
    data: Iovecs<'_>,
    flags: Siflags,
    a: GuestPtr<'_, AddrPort>,
) -> R<Size> {
    let to = socket_addr(&a.read()?)?;
    sockets::send_to_addr(ctx, fd, data, to, flags)
}

/// `sock_recv_from`.
pub(crate) fn recv_from(
    ctx: &mut WasiCtx,
    fd: Fd,
    data: IovecsMut<'_>,
    flags: Riflags,
) -> R<(Size, Roflags, AddrPort)> {
    let (from, n, roflags) = sockets::recv_from_addr(ctx, fd, data, flags, |_| Ok(()))?;
    Ok((n, roflags, addr_port(from)))
}

/// The entry of a guest-created socket (held for the call: another thread may close it).
fn host(ctx: &mut WasiCtx, fd: Fd) -> R<EntryRef<'_>> {
    Ok(sockets::net(ctx, fd, Rights::empty())?)
}

/// The host socket of an entry [`host`] found.
fn net_fd(entry: &FdEntry) -> R<BorrowedFd<'_>> {
    match &*entry.kind {
        Kind::Net(n) => Ok(n.fd.as_fd()),
        _ => Err(Errno::Notsock.into()),
    }
}

/// `sock_set_opt_flag`.
pub(crate) fn set_flag(ctx: &mut WasiCtx, fd: Fd, opt: SockOption, on: bool) -> R<()> {
    use rustix::net::sockopt as so;
    let entry = host(ctx, fd)?;
    let s = net_fd(&entry)?;
    match opt {
        SockOption::ReuseAddr => so::set_socket_reuseaddr(s, on)?,
        SockOption::ReusePort => so::set_socket_reuseport(s, on)?,
        SockOption::NoDelay => so::set_tcp_nodelay(s, on)?,
        SockOption::OnlyV6 => so::set_ipv6_v6only(s, on)?,
        SockOption::Broadcast => so::set_socket_broadcast(s, on)?,
        SockOption::MulticastLoopV4 => so::set_ip_multicast_loop(s, on)?,
        SockOption::MulticastLoopV6 => so::set_ipv6_multicast_loop(s, on)?,
        SockOption::KeepAlive => so::set_socket_keepalive(s, on)?,
        SockOption::OobInline => so::set_socket_oobinline(s, on)?,
        _ => return Err(Errno::Inval.into()),
    }
    Ok(())
}

/// `sock_get_opt_flag`.
pub(crate) fn get_flag(ctx: &mut WasiCtx, fd: Fd, opt: SockOption) -> R<bool> {
    use rustix::net::sockopt as so;
    let entry = host(ctx, fd)?;
    let s = net_fd(&entry)?;
    Ok(match opt {
        SockOption::ReuseAddr => so::socket_reuseaddr(s)?,
        SockOption::ReusePort => so::socket_reuseport(s)?,
        SockOption::NoDelay => so::tcp_nodelay(s)?,
        SockOption::OnlyV6 => so::ipv6_v6only(s)?,
        SockOption::Broadcast => so::socket_broadcast(s)?,
        SockOption::MulticastLoopV4 => so::ip_multicast_loop(s)?,
        SockOption::MulticastLoopV6 => so::ipv6_multicast_loop(s)?,
        SockOption::KeepAlive => so::socket_keepalive(s)?,
        SockOption::OobInline => so::socket_oobinline(s)?,
        SockOption::Listening => so::socket_acceptconn(s)?,
        _ => return Err(Errno::Inval.into()),
    })
}

/// `sock_set_opt_time`: `linger` (whole seconds), and the receive, send and accept timeouts,
/// kept on the host socket as `SO_RCVTIMEO`/`SO_SNDTIMEO` (Linux's accept honours the receive
/// one, so the accept timeout is the listener's receive timeout). Blocking calls end with
/// `EAGAIN` when one runs out, whether the kernel or this host waits (`sock::Blocking`). A zero
/// timeout is `EINVAL`, none removes it. The connect timeout is refused (`ENOTSUP`): connecting
/// waits in the kernel, which knows no such timeout.
pub(crate) fn set_time(
    ctx: &mut WasiCtx,
    fd: Fd,
    opt: SockOption,
    t: GuestPtr<'_, OptionTimestamp>,
) -> R<()> {
    use rustix::net::sockopt::{Timeout, set_socket_linger, set_socket_timeout};
    let t = match t.read()? {
        OptionTimestamp::None => None,
        OptionTimestamp::Some(ns) => Some(Duration::from_nanos(ns)),
    };
    let entry = host(ctx, fd)?;
    let s = net_fd(&entry)?;
    match opt {
        SockOption::Linger => set_socket_linger(s, t)?,
        SockOption::RecvTimeout | SockOption::AcceptTimeout => {
            set_socket_timeout(s, Timeout::Recv, t)?
        }
        SockOption::SendTimeout => set_socket_timeout(s, Timeout::Send, t)?,
        SockOption::ConnectTimeout => return Err(Errno::Notsup.into()),
        _ => return Err(Errno::Inval.into()),
    }
    Ok(())
}

/// `sock_get_opt_time`: `linger` and the timeouts [`set_time`] keeps; the connect timeout is
/// always none.
pub(crate) fn get_time(ctx: &mut WasiCtx, fd: Fd, opt: SockOption) -> R<OptionTimestamp> {
    use rustix::net::sockopt::{Timeout, socket_linger, socket_timeout};
    let entry = host(ctx, fd)?;
    let s = net_fd(&entry)?;
    let t = match opt {
        SockOption::Linger => socket_linger(s)?,
        SockOption::RecvTimeout | SockOption::AcceptTimeout => socket_timeout(s, Timeout::Recv)?,
        SockOption::SendTimeout => socket_timeout(s, Timeout::Send)?,
        SockOption::ConnectTimeout => None,
        _ => return Err(Errno::Inval.into()),
    };
    Ok(match t {
        None => OptionTimestamp::None,
        Some(d) => OptionTimestamp::Some(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)),
    })
}

/// `sock_set_opt_size`: buffer sizes and times to live.
pub(crate) fn set_size(ctx: &mut WasiCtx, fd: Fd, opt: SockOption, size: u64) -> R<()> {
    use rustix::net::sockopt as so;
    let entry = host(ctx, fd)?;
    let s = net_fd(&entry)?;
    let n = u32::try_from(size).map_err(|_| Errno::Inval)?;
    match opt {
        SockOption::RecvBufSize => so::set_socket_recv_buffer_size(s, n as usize)?,
        SockOption::SendBufSize => so::set_socket_send_buffer_size(s, n as usize)?,
        SockOption::Ttl => so::set_ip_ttl(s, n)?,
        SockOption::MulticastTtlV4 => so::set_ip_multicast_ttl(s, n)?,
        _ => return Err(Errno::Inval.into()),
    }
    Ok(())
}

/// `sock_get_opt_size`.
pub(crate) fn get_size(ctx: &mut WasiCtx, fd: Fd, opt: SockOption) -> R<u64> {
    use rustix::net::sockopt as so;
    let entry = host(ctx, fd)?;
    let s = net_fd(&entry)?;
    Ok(match opt {
        SockOption::RecvBufSize => so::socket_recv_buffer_size(s)? as u64,
        SockOption::SendBufSize => so::socket_send_buffer_size(s)? as u64,
        SockOption::Ttl => u64::from(so::ip_ttl(s)?),
        SockOption::MulticastTtlV4 => u64::from(so::ip_multicast_ttl(s)?),
        _ => return Err(Errno::Inval.into()),
    })
}

/// `resolve`: the host resolver's addresses for `name`, at most as many as the guest has
/// room for, if the policy allows lookups.
pub(crate) fn resolve(
    ctx: &mut WasiCtx,
    name: &str,
    mut out: GuestArrayMut<'_, AddrIp>,
) -> R<Size> {
    if name.is_empty() || name.len() > HOST_MAX || name.contains('\0') {
        return Err(Errno::Inval.into());
    }
    ctx.net.check(NetOp::Lookup)?;
    let found = (name, 0).to_socket_addrs().map_err(|_| Errno::Noent)?;
    let mut n = 0;
    for sa in found.take(out.len()) {
        let ip = match sa.ip() {
            IpAddr::V4(a) => AddrIp::Inet4(ip4_of(a)),
            IpAddr::V6(a) => AddrIp::Inet6(ip6_of(a.octets())),
        };
        out.set(n, &ip)?;
        n += 1;
    }
    Ok(n as Size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_round_trip_through_addr_port() {
        for s in ["127.0.0.1:8080", "[::1]:443", "[fe80::1:2]:7"] {
            let sa: SocketAddr = s.parse().unwrap();
            assert_eq!(socket_addr(&addr_port(sa)).unwrap(), sa);
        }
        // The halves hold the bytes as memory does: ::1's last byte is the high half of h7.
        let AddrPort::Inet6(v6) = addr_port("[::1]:1".parse().unwrap()) else {
            panic!()
        };
        assert_eq!(v6.addr.h7, 0x0100);
    }
}
