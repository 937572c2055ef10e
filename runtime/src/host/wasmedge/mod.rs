//! The WasmEdge socket extension (versions 1 and 2) on real host sockets: the trait
//! implementation for [`WasiCtx`] delegates to one module per concern (`sockets`, `addr`,
//! `options`, `getaddrinfo`), every socket creation, bind, connect and lookup passing the
//! network `policy` first. ABI choices: `docs/sockets.md`.

pub(crate) mod addr;
pub(crate) mod getaddrinfo;
pub(crate) mod options;
pub(crate) use crate::ctx::net_policy as policy;
pub(crate) mod sockets;

use addr::Forms;

use crate::CallError;
use crate::ctx::WasiCtx;
use crate::guest::{GuestAddr, GuestBuf, GuestPtr, Iovecs, IovecsMut};
use crate::host::sock;
use crate::wasmedge::*;

/// What the area's functions return: preview1's errnos, widened at the trait boundary.
pub(crate) type R<T> = super::HostResult<T>;

/// Widens a preview1 outcome to this ABI's errno (same numbers, more of them).
#[inline]
fn w<T>(r: R<T>) -> Result<T, CallError<Errno>> {
    r.map_err(CallError::widen)
}

type Out<T> = Result<T, CallError<Errno>>;

impl WasmedgeSockets for WasiCtx {
    fn sock_open(&mut self, af: AddressFamily, socktype: SockType) -> Out<Fd> {
        w(sockets::open(self, af, socktype))
    }

    fn sock_bind(&mut self, fd: Fd, addr: GuestPtr<'_, Address>, port: u32) -> Out<()> {
        w(sockets::bind(self, fd, addr, port, Forms::Raw))
    }

    fn sock_connect(&mut self, fd: Fd, addr: GuestPtr<'_, Address>, port: u32) -> Out<()> {
        w(sockets::connect(self, fd, addr, port, Forms::Raw))
    }

    fn sock_listen(&mut self, fd: Fd, backlog: u32) -> Out<()> {
        w(sockets::listen(self, fd, backlog))
    }

    fn sock_open_v2(&mut self, af: AddressFamily, socktype: SockType) -> Out<Fd> {
        w(sockets::open(self, af, socktype))
    }

    fn sock_bind_v2(&mut self, fd: Fd, addr: GuestPtr<'_, Address>, port: u32) -> Out<()> {
        w(sockets::bind(self, fd, addr, port, Forms::Both))
    }

    fn sock_connect_v2(&mut self, fd: Fd, addr: GuestPtr<'_, Address>, port: u32) -> Out<()> {
        w(sockets::connect(self, fd, addr, port, Forms::Both))
    }

    fn sock_listen_v2(&mut self, fd: Fd, backlog: u32) -> Out<()> {
        w(sockets::listen(self, fd, backlog))
    }

    fn sock_accept_v1(&mut self, fd: Fd) -> Out<Fd> {
        w(sock::accept(self, fd, Fdflags::empty()))
    }

    fn sock_accept_v2(&mut self, fd: Fd, flags: Fdflags) -> Out<Fd> {
        w(sock::accept(self, fd, flags))
    }

    fn sock_recv_v2(
        &mut self,
        fd: Fd,
        ri_data: IovecsMut<'_>,
        ri_flags: Riflags,
    ) -> Out<(Size, Roflags)> {
        w(sock::recv(self, fd, ri_data, ri_flags))
    }

    fn sock_send_v2(&mut self, fd: Fd, si_data: Iovecs<'_>, si_flags: Siflags) -> Out<Size> {
        w(sock::send(self, fd, si_data, si_flags))
    }

    fn sock_recv_from_v1(
        &mut self,
        fd: Fd,
        ri_data: IovecsMut<'_>,
        addr: GuestPtr<'_, Address>,
        ri_flags: Riflags,
    ) -> Out<(Size, Roflags)> {
        w(sockets::recv_from(
            self,
            fd,
            ri_data,
            addr,
            ri_flags,
            Forms::Raw,
        ))
        .map(|(_, n, f)| (n, f))
    }

    fn sock_recv_from_v2(
        &mut self,
        fd: Fd,
        ri_data: IovecsMut<'_>,
        addr: GuestPtr<'_, Address>,
        ri_flags: Riflags,
    ) -> Out<(Port, Size, Roflags)> {
        w(sockets::recv_from(
            self,
            fd,
            ri_data,
            addr,
            ri_flags,
            Forms::Both,
        ))
    }

    fn sock_recv_from_v2_plain(
        &mut self,
        fd: Fd,
        ri_data: IovecsMut<'_>,
        addr: GuestPtr<'_, Address>,
        ri_flags: Riflags,
    ) -> Out<(Port, Size, Roflags)> {
        // The same call, reached by its arity under the plain name.
        self.sock_recv_from_v2(fd, ri_data, addr, ri_flags)
    }

    fn sock_send_to(
        &mut self,
        fd: Fd,
        si_data: Iovecs<'_>,
        addr: GuestPtr<'_, Address>,
        port: u32,
        si_flags: Siflags,
    ) -> Out<Size> {
        w(sockets::send_to(
            self,
            fd,
            si_data,
            addr,
            port,
            si_flags,
            Forms::Raw,
        ))
    }

    fn sock_send_to_v2(
        &mut self,
        fd: Fd,
        si_data: Iovecs<'_>,
        addr: GuestPtr<'_, Address>,
        port: u32,
        si_flags: Siflags,
    ) -> Out<Size> {
        w(sockets::send_to(
            self,
            fd,
            si_data,
            addr,
            port,
            si_flags,
            Forms::Both,
        ))
    }

    fn sock_getlocaladdr_v1(
        &mut self,
        fd: Fd,
        addr: GuestPtr<'_, Address>,
    ) -> Out<(IpVersion, Port)> {
        w(sockets::get_addr(self, fd, addr, false, Forms::Raw))
    }

    fn sock_getlocaladdr_v2(&mut self, fd: Fd, addr: GuestPtr<'_, Address>) -> Out<Port> {
        w(sockets::get_addr(self, fd, addr, false, Forms::Storage)).map(|(_, p)| p)
    }

    fn sock_getlocaladdr_v2_plain(&mut self, fd: Fd, addr: GuestPtr<'_, Address>) -> Out<Port> {
        w(sockets::get_addr(self, fd, addr, false, Forms::Storage)).map(|(_, p)| p)
    }

    fn sock_getpeeraddr_v1(
        &mut self,
        fd: Fd,
        addr: GuestPtr<'_, Address>,
    ) -> Out<(IpVersion, Port)> {
        w(sockets::get_addr(self, fd, addr, true, Forms::Raw))
    }

    fn sock_getpeeraddr_v2(&mut self, fd: Fd, addr: GuestPtr<'_, Address>) -> Out<Port> {
        w(sockets::get_addr(self, fd, addr, true, Forms::Storage)).map(|(_, p)| p)
    }

    fn sock_getpeeraddr_v2_plain(&mut self, fd: Fd, addr: GuestPtr<'_, Address>) -> Out<Port> {
        w(sockets::get_addr(self, fd, addr, true, Forms::Storage)).map(|(_, p)| p)
    }

    fn sock_getsockopt(
        &mut self,
        fd: Fd,
        _level: SockOptLevel,
        name: SockOptName,
        val: GuestPtr<'_, u8>,
        val_len: GuestPtr<'_, u32>,
    ) -> Out<()> {
        w(options::get(self, fd, name, val, val_len))
    }

    fn sock_setsockopt(
        &mut self,
        fd: Fd,
        _level: SockOptLevel,
        name: SockOptName,
        val: GuestBuf<'_>,
    ) -> Out<()> {
        w(options::set(self, fd, name, val))
    }

    fn sock_getaddrinfo(
        &mut self,
        node: GuestBuf<'_>,
        service: GuestBuf<'_>,
        hints: GuestPtr<'_, Addrinfo>,
        res: GuestPtr<'_, GuestAddr>,
        max_res: u32,
    ) -> Out<Size> {
        getaddrinfo::getaddrinfo(self, node, service, hints, res, max_res)
    }
}
