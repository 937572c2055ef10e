//! WASIX (`wasix_32v1`) on the same context as preview1: the trait implementation for
//! [`WasiCtx`] delegates to one module per concern (`fd`, `cwd`, `tty`, `proc`, `net`). Every
//! function this file does not implement keeps the generated default: `ENOSYS` (or a trap
//! for calls that cannot return). Which and why: `docs/wasix.md`.

pub(crate) mod cwd;
pub(crate) mod fd;
pub(crate) mod net;
pub(crate) mod proc;
pub(crate) mod signal;
pub(crate) mod thread;
pub(crate) mod tty;

use crate::ctx::WasiCtx;
use crate::guest::{GuestArrayMut, GuestPtr, Iovecs, IovecsMut};
use crate::wasix::*;
use crate::{CallError, Trap};

/// What the area's functions return: preview1's errnos, widened at the trait boundary.
pub(crate) type R<T> = super::HostResult<T>;

/// Widens a preview1 outcome to WASIX's errno (same numbers, more of them).
#[inline]
fn w<T>(r: R<T>) -> Result<T, CallError<Errno>> {
    r.map_err(CallError::widen)
}

type Out<T> = Result<T, CallError<Errno>>;

/// WASIX's one-byte boolean.
pub(crate) fn to_bool(b: bool) -> Bool {
    if b { Bool::Yes } else { Bool::No }
}

impl Wasix32v1 for WasiCtx {
    fn fd_dup(&mut self, fd: Fd) -> Out<Fd> {
        w(fd::dup(self, fd, 0))
    }

    fn fd_dup2(&mut self, fd: Fd, min_result_fd: u32, _cloexec: Bool) -> Out<Fd> {
        w(fd::dup(self, fd, min_result_fd))
    }

    fn fd_event(&mut self, initial_val: u64, flags: Eventfdflags) -> Out<Fd> {
        w(fd::event(
            self,
            initial_val,
            flags.contains(Eventfdflags::SEMAPHORE),
        ))
    }

    fn fd_pipe(&mut self) -> Out<(Fd, Fd)> {
        w(fd::pipe(self))
    }

    fn tty_get(&mut self) -> Out<Tty> {
        w(tty::get(self))
    }

    fn tty_set(&mut self, t: GuestPtr<'_, Tty>) -> Out<()> {
        w(tty::set(self, t))
    }

    fn getcwd(&mut self, buf: GuestPtr<'_, u8>, buf_len: GuestPtr<'_, Size>) -> Out<()> {
        w(cwd::getcwd(self, buf, buf_len))
    }

    fn chdir(&mut self, path: &str) -> Out<()> {
        w(cwd::chdir(self, path))
    }

    fn callback_signal(&mut self, _callback: u32, _callback_len: u32) -> Trap {
        // Reached only through `add_to_linker`/`define`; `instantiate` registers the
        // returning version in `signal`.
        Trap::msg(
            "wasix_32v1::callback_signal returns only when linked by wasi_host::instantiate \
             (docs/wasix.md)",
        )
    }

    fn thread_spawn_v2(&mut self, start: GuestPtr<'_, ThreadStart>) -> Out<Tid> {
        w(thread::spawn(self, start))
    }

    fn thread_sleep(&mut self, duration: Timestamp) -> Out<()> {
        w(proc::sleep(duration))
    }

    fn thread_id(&mut self) -> Out<Tid> {
        Ok(thread::id(self))
    }

    fn thread_parallelism(&mut self) -> Out<Size> {
        Ok(thread::parallelism(self))
    }

    fn thread_exit(&mut self, rval: Exitcode) -> Trap {
        thread::exit(self, rval)
    }

    fn futex_wait(
        &mut self,
        futex: GuestPtr<'_, u32>,
        expected: u32,
        timeout: GuestPtr<'_, OptionTimestamp>,
    ) -> Out<Bool> {
        w(thread::futex_wait(self, futex, expected, timeout)).map(to_bool)
    }

    fn futex_wake(&mut self, futex: GuestPtr<'_, u32>) -> Out<Bool> {
        w(thread::futex_wake(self, futex, 1)).map(to_bool)
    }

    fn futex_wake_all(&mut self, futex: GuestPtr<'_, u32>) -> Out<Bool> {
        w(thread::futex_wake(self, futex, u32::MAX)).map(to_bool)
    }

    fn proc_id(&mut self) -> Out<Pid> {
        Ok(proc::PID)
    }

    fn proc_parent(&mut self, pid: Pid) -> Out<Pid> {
        w(proc::parent(pid))
    }

    fn sock_status(&mut self, fd: Fd) -> Out<SockStatus> {
        w(net::status(self, fd))
    }

    fn sock_addr_local(&mut self, fd: Fd) -> Out<AddrPort> {
        w(net::name(self, fd, false))
    }

    fn sock_addr_peer(&mut self, fd: Fd) -> Out<AddrPort> {
        w(net::name(self, fd, true))
    }

    fn sock_open(&mut self, af: AddressFamily, socktype: SockType, proto: SockProto) -> Out<Fd> {
        w(net::open(self, af, socktype, proto))
    }

    fn sock_pair(
        &mut self,
        af: AddressFamily,
        socktype: SockType,
        proto: SockProto,
    ) -> Out<(Fd, Fd)> {
        w(net::pair(self, af, socktype, proto))
    }

    fn sock_set_opt_flag(&mut self, fd: Fd, opt: SockOption, flag: Bool) -> Out<()> {
        w(net::set_flag(self, fd, opt, flag == Bool::Yes))
    }

    fn sock_get_opt_flag(&mut self, fd: Fd, opt: SockOption) -> Out<Bool> {
        w(net::get_flag(self, fd, opt)).map(to_bool)
    }

    fn sock_set_opt_time(
        &mut self,
        fd: Fd,
        opt: SockOption,
        timeout: GuestPtr<'_, OptionTimestamp>,
    ) -> Out<()> {
        w(net::set_time(self, fd, opt, timeout))
    }

    fn sock_get_opt_time(&mut self, fd: Fd, opt: SockOption) -> Out<OptionTimestamp> {
        w(net::get_time(self, fd, opt))
    }

    fn sock_set_opt_size(&mut self, fd: Fd, opt: SockOption, size: Filesize) -> Out<()> {
        w(net::set_size(self, fd, opt, size))
    }

    fn sock_get_opt_size(&mut self, fd: Fd, opt: SockOption) -> Out<Filesize> {
        w(net::get_size(self, fd, opt))
    }

    fn sock_bind(&mut self, fd: Fd, addr: GuestPtr<'_, AddrPort>) -> Out<()> {
        w(net::bind(self, fd, addr))
    }

    fn sock_listen(&mut self, fd: Fd, backlog: u32) -> Out<()> {
        w(crate::host::wasmedge::sockets::listen(self, fd, backlog))
    }

    fn sock_accept_v2(&mut self, fd: Fd, flags: Fdflags) -> Out<(Fd, AddrPort)> {
        w(net::accept(self, fd, flags))
    }

    fn sock_connect(&mut self, fd: Fd, addr: GuestPtr<'_, AddrPort>) -> Out<()> {
        w(net::connect(self, fd, addr))
    }

    fn sock_recv_from(
        &mut self,
        fd: Fd,
        ri_data: IovecsMut<'_>,
        ri_flags: Riflags,
    ) -> Out<(Size, Roflags, AddrPort)> {
        w(net::recv_from(self, fd, ri_data, ri_flags))
    }

    fn sock_send_to(
        &mut self,
        fd: Fd,
        si_data: Iovecs<'_>,
        si_flags: Siflags,
        addr: GuestPtr<'_, AddrPort>,
    ) -> Out<Size> {
        w(net::send_to(self, fd, si_data, si_flags, addr))
    }

    fn resolve(&mut self, name: &str, _port: u16, addrs: GuestArrayMut<'_, AddrIp>) -> Out<Size> {
        w(net::resolve(self, name, addrs))
    }
}
