//! The preview1 host on the real OS: the trait implementation for [`WasiCtx`] delegates each
//! call to the module for its area (`args`, `clock`, `random`, `proc`, `fd`, `dir`, `path`,
//! `poll`, `sock`), so each area reads on its own. `wasmedge` implements the WasmEdge socket
//! extension on the same context.

pub(crate) mod args;
pub(crate) mod clock;
pub(crate) mod dir;
pub(crate) mod fd;
pub(crate) mod path;
pub(crate) mod poll;
pub(crate) mod proc;
pub(crate) mod random;
pub(crate) mod sock;
pub(crate) mod threads;
#[cfg(test)]
mod timing_tests;
pub(crate) mod wasix;
pub(crate) mod wasmedge;

use crate::ctx::WasiCtx;
use crate::guest::{
    GuestAddr, GuestArray, GuestArrayMut, GuestBufMut, GuestPtr, Iovecs, IovecsMut,
};
use crate::preview1::*;
use crate::{CallError, Trap};

/// What host methods return.
pub(crate) type HostResult<T> = Result<T, CallError<Errno>>;

#[allow(clippy::too_many_arguments)]
impl WasiSnapshotPreview1 for WasiCtx {
    fn args_get(
        &mut self,
        argv: GuestPtr<'_, GuestAddr>,
        argv_buf: GuestPtr<'_, u8>,
    ) -> Result<(), CallError<Errno>> {
        args::get(self, argv, argv_buf)
    }

    fn args_sizes_get(&mut self) -> Result<(Size, Size), CallError<Errno>> {
        args::sizes_get(self)
    }

    fn environ_get(
        &mut self,
        environ: GuestPtr<'_, GuestAddr>,
        environ_buf: GuestPtr<'_, u8>,
    ) -> Result<(), CallError<Errno>> {
        args::environ_get(self, environ, environ_buf)
    }

    fn environ_sizes_get(&mut self) -> Result<(Size, Size), CallError<Errno>> {
        args::environ_sizes_get(self)
    }

    fn clock_res_get(&mut self, id: Clockid) -> Result<Timestamp, CallError<Errno>> {
        clock::res_get(self, id)
    }

    fn clock_time_get(
        &mut self,
        id: Clockid,
        precision: Timestamp,
    ) -> Result<Timestamp, CallError<Errno>> {
        clock::time_get(self, id, precision)
    }

    fn fd_advise(
        &mut self,
        fd: Fd,
        offset: Filesize,
        len: Filesize,
        advice: Advice,
    ) -> Result<(), CallError<Errno>> {
        fd::advise(self, fd, offset, len, advice)
    }

    fn fd_allocate(
        &mut self,
        fd: Fd,
        offset: Filesize,
        len: Filesize,
    ) -> Result<(), CallError<Errno>> {
        fd::allocate(self, fd, offset, len)
    }

    fn fd_close(&mut self, fd: Fd) -> Result<(), CallError<Errno>> {
        fd::close(self, fd)
    }

    fn fd_datasync(&mut self, fd: Fd) -> Result<(), CallError<Errno>> {
        fd::datasync(self, fd)
    }

    fn fd_fdstat_get(&mut self, fd: Fd) -> Result<Fdstat, CallError<Errno>> {
        fd::fdstat_get(self, fd)
    }

    fn fd_fdstat_set_flags(&mut self, fd: Fd, flags: Fdflags) -> Result<(), CallError<Errno>> {
        fd::fdstat_set_flags(self, fd, flags)
    }

    fn fd_fdstat_set_rights(
        &mut self,
        fd: Fd,
        fs_rights_base: Rights,
        fs_rights_inheriting: Rights,
    ) -> Result<(), CallError<Errno>> {
        fd::fdstat_set_rights(self, fd, fs_rights_base, fs_rights_inheriting)
    }

    fn fd_filestat_get(&mut self, fd: Fd) -> Result<Filestat, CallError<Errno>> {
        fd::filestat_get(self, fd)
    }

    fn fd_filestat_set_size(&mut self, fd: Fd, size: Filesize) -> Result<(), CallError<Errno>> {
        fd::filestat_set_size(self, fd, size)
    }

    fn fd_filestat_set_times(
        &mut self,
        fd: Fd,
        atim: Timestamp,
        mtim: Timestamp,
        fst_flags: Fstflags,
    ) -> Result<(), CallError<Errno>> {
        fd::filestat_set_times(self, fd, atim, mtim, fst_flags)
    }

    fn fd_pread(
        &mut self,
        fd: Fd,
        iovs: IovecsMut<'_>,
        offset: Filesize,
    ) -> Result<Size, CallError<Errno>> {
        fd::pread(self, fd, iovs, offset)
    }

    fn fd_prestat_get(&mut self, fd: Fd) -> Result<Prestat, CallError<Errno>> {
        fd::prestat_get(self, fd)
    }

    fn fd_prestat_dir_name(
        &mut self,
        fd: Fd,
        path: GuestBufMut<'_>,
    ) -> Result<(), CallError<Errno>> {
        fd::prestat_dir_name(self, fd, path)
    }

    fn fd_pwrite(
        &mut self,
        fd: Fd,
        iovs: Iovecs<'_>,
        offset: Filesize,
    ) -> Result<Size, CallError<Errno>> {
        fd::pwrite(self, fd, iovs, offset)
    }

    fn fd_read(&mut self, fd: Fd, iovs: IovecsMut<'_>) -> Result<Size, CallError<Errno>> {
        fd::read(self, fd, iovs)
    }

    fn fd_readdir(
        &mut self,
        fd: Fd,
        buf: GuestBufMut<'_>,
        cookie: Dircookie,
    ) -> Result<Size, CallError<Errno>> {
        dir::readdir(self, fd, buf, cookie)
    }

    fn fd_renumber(&mut self, fd: Fd, to: Fd) -> Result<(), CallError<Errno>> {
        fd::renumber(self, fd, to)
    }

    fn fd_seek(
        &mut self,
        fd: Fd,
        offset: Filedelta,
        whence: Whence,
    ) -> Result<Filesize, CallError<Errno>> {
        fd::seek(self, fd, offset, whence)
    }

    fn fd_sync(&mut self, fd: Fd) -> Result<(), CallError<Errno>> {
        fd::sync(self, fd)
    }

    fn fd_tell(&mut self, fd: Fd) -> Result<Filesize, CallError<Errno>> {
        fd::tell(self, fd)
    }

    fn fd_write(&mut self, fd: Fd, iovs: Iovecs<'_>) -> Result<Size, CallError<Errno>> {
        fd::write(self, fd, iovs)
    }

    fn path_create_directory(&mut self, fd: Fd, path: &str) -> Result<(), CallError<Errno>> {
        path::create_directory(self, fd, path)
    }

    fn path_filestat_get(
        &mut self,
        fd: Fd,
        flags: Lookupflags,
        path: &str,
    ) -> Result<Filestat, CallError<Errno>> {
        path::filestat_get(self, fd, flags, path)
    }

    fn path_filestat_set_times(
        &mut self,
        fd: Fd,
        flags: Lookupflags,
        path: &str,
        atim: Timestamp,
        mtim: Timestamp,
        fst_flags: Fstflags,
    ) -> Result<(), CallError<Errno>> {
        path::filestat_set_times(self, fd, flags, path, atim, mtim, fst_flags)
    }

    fn path_link(
        &mut self,
        old_fd: Fd,
        old_flags: Lookupflags,
        old_path: &str,
        new_fd: Fd,
        new_path: &str,
    ) -> Result<(), CallError<Errno>> {
        path::link(self, old_fd, old_flags, old_path, new_fd, new_path)
    }

    fn path_open(
        &mut self,
        fd: Fd,
        dirflags: Lookupflags,
        path: &str,
        oflags: Oflags,
        fs_rights_base: Rights,
        fs_rights_inheriting: Rights,
        fdflags: Fdflags,
    ) -> Result<Fd, CallError<Errno>> {
        path::open(
            self,
            fd,
            dirflags,
            path,
            oflags,
            fs_rights_base,
            fs_rights_inheriting,
            fdflags,
        )
    }

    fn path_readlink(
        &mut self,
        fd: Fd,
        path: &str,
        buf: GuestBufMut<'_>,
    ) -> Result<Size, CallError<Errno>> {
        path::readlink(self, fd, path, buf)
    }

    fn path_remove_directory(&mut self, fd: Fd, path: &str) -> Result<(), CallError<Errno>> {
        path::remove_directory(self, fd, path)
    }

    fn path_rename(
        &mut self,
        fd: Fd,
        old_path: &str,
        new_fd: Fd,
        new_path: &str,
    ) -> Result<(), CallError<Errno>> {
        path::rename(self, fd, old_path, new_fd, new_path)
    }

    fn path_symlink(
        &mut self,
        old_path: &str,
        fd: Fd,
        new_path: &str,
    ) -> Result<(), CallError<Errno>> {
        path::symlink(self, old_path, fd, new_path)
    }

    fn path_unlink_file(&mut self, fd: Fd, path: &str) -> Result<(), CallError<Errno>> {
        path::unlink_file(self, fd, path)
    }

    fn poll_oneoff(
        &mut self,
        in_: GuestArray<'_, Subscription>,
        out: GuestArrayMut<'_, Event>,
    ) -> Result<Size, CallError<Errno>> {
        poll::oneoff(self, in_, out)
    }

    fn proc_exit(&mut self, rval: Exitcode) -> Trap {
        proc::exit(self, rval)
    }

    fn proc_raise(&mut self, sig: Signal) -> Result<(), CallError<Errno>> {
        proc::raise(self, sig)
    }

    fn sched_yield(&mut self) -> Result<(), CallError<Errno>> {
        proc::sched_yield(self)
    }

    fn random_get(&mut self, buf: GuestBufMut<'_>) -> Result<(), CallError<Errno>> {
        random::get(self, buf)
    }

    fn sock_accept(&mut self, fd: Fd, flags: Fdflags) -> Result<Fd, CallError<Errno>> {
        sock::accept(self, fd, flags)
    }

    fn sock_recv(
        &mut self,
        fd: Fd,
        ri_data: IovecsMut<'_>,
        ri_flags: Riflags,
    ) -> Result<(Size, Roflags), CallError<Errno>> {
        sock::recv(self, fd, ri_data, ri_flags)
    }

    fn sock_send(
        &mut self,
        fd: Fd,
        si_data: Iovecs<'_>,
        si_flags: Siflags,
    ) -> Result<Size, CallError<Errno>> {
        sock::send(self, fd, si_data, si_flags)
    }

    fn sock_shutdown(&mut self, fd: Fd, how: Sdflags) -> Result<(), CallError<Errno>> {
        sock::shutdown(self, fd, how)
    }
}
