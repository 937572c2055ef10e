//! Descriptors whose behaviour the embedder defines ([`HostDescriptor`]): an in-memory pipe,
//! a device, a virtual socket. The table holds one as [`Kind::Host`](super::Kind::Host); the
//! preview1 calls that such a descriptor can serve call its methods (`host::fd::custom`), and
//! every other call answers with the errno POSIX gives for an object that is neither a file
//! with a host descriptor, a directory nor a socket.

use std::any::Any;
use std::io::SeekFrom;
use std::os::fd::BorrowedFd;

use crate::preview1::{Errno, Fdflags, Filestat, Filetype};

/// A guest descriptor implemented by the embedder, added with
/// [`Descriptors::insert_host`](crate::Descriptors::insert_host).
///
/// Every method has a default: the answer a descriptor without that ability gives (a
/// write-only object is `EBADF` to a read, one without a position is `ESPIPE` to a seek), so an
/// implementation writes only what it has. Methods take `&self` because the guest's threads
/// may call them at once (the table hands out shared handles): keep mutable state behind a
/// lock or atomics. The descriptor is dropped when the guest's last handle to it is closed
/// (`fd_close`, `fd_renumber` over it, or the context's end).
///
/// `fd_fdstat_set_flags` records `APPEND` and `NONBLOCK` in the table entry; `read` and
/// `write` receive them with each call, and honouring them is up to the implementation
/// (`Errno::Again` is the answer to a `NONBLOCK` read with nothing to read). Path calls on the
/// descriptor are `ENOTDIR`, socket calls `ENOTSOCK`.
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use wasi_host::preview1::{Errno, Fdflags, Filetype, Rights};
/// use wasi_host::{DescriptorRights, HostDescriptor, WasiCtx};
///
/// /// Everything written is read back, in order.
/// #[derive(Default)]
/// struct Loopback(Mutex<Vec<u8>>);
///
/// impl HostDescriptor for Loopback {
///     fn filetype(&self) -> Filetype {
///         Filetype::CharacterDevice
///     }
///     fn read(&self, buf: &mut [u8], flags: Fdflags) -> Result<usize, Errno> {
///         let mut bytes = self.0.lock().unwrap();
///         if bytes.is_empty() && flags.contains(Fdflags::NONBLOCK) {
///             return Err(Errno::Again);
///         }
///         let n = buf.len().min(bytes.len());
///         buf[..n].copy_from_slice(&bytes[..n]);
///         bytes.drain(..n);
///         Ok(n)
///     }
///     fn write(&self, buf: &[u8], _flags: Fdflags) -> Result<usize, Errno> {
///         self.0.lock().unwrap().extend_from_slice(buf);
///         Ok(buf.len())
///     }
/// }
///
/// let mut ctx = WasiCtx::builder().build()?;
/// let mut fds = ctx.descriptors();
/// let fd = fds.insert_host(Arc::new(Loopback::default()), DescriptorRights::HOST)?;
/// let view = fds.get(fd, Rights::FD_READ)?;
/// assert_eq!(view.filetype(), Filetype::CharacterDevice);
/// assert!(view.host().unwrap().downcast_ref::<Loopback>().is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait HostDescriptor: Any + Send + Sync {
    /// What `fd_fdstat_get` and (by default) `fd_filestat_get` report. `Unknown`, preview1's
    /// type for a FIFO, unless the implementation says otherwise.
    fn filetype(&self) -> Filetype {
        Filetype::Unknown
    }

    /// `fd_read`: fills the front of `buf` (the guest's first non-empty buffer) and returns
    /// how many bytes it filled; 0 is the end of the stream.
    fn read(&self, buf: &mut [u8], flags: Fdflags) -> Result<usize, Errno> {
        let _ = (buf, flags);
        Err(Errno::Badf)
    }

    /// `fd_write`: takes bytes from the front of `buf` (the guest's first non-empty buffer)
    /// and returns how many it took.
    fn write(&self, buf: &[u8], flags: Fdflags) -> Result<usize, Errno> {
        let _ = (buf, flags);
        Err(Errno::Badf)
    }

    /// `fd_pread`: a read at `offset`, leaving the position alone.
    fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize, Errno> {
        let _ = (buf, offset);
        Err(Errno::Spipe)
    }

    /// `fd_pwrite`: a write at `offset`, leaving the position alone.
    fn pwrite(&self, buf: &[u8], offset: u64) -> Result<usize, Errno> {
        let _ = (buf, offset);
        Err(Errno::Spipe)
    }

    /// `fd_seek` (and `fd_tell`, as `SeekFrom::Current(0)`): the new position.
    fn seek(&self, pos: SeekFrom) -> Result<u64, Errno> {
        let _ = pos;
        Err(Errno::Spipe)
    }

    /// `fd_filestat_get`. By default the filetype, one link and zeros.
    fn filestat(&self) -> Result<Filestat, Errno> {
        Ok(Filestat {
            dev: 0,
            ino: 0,
            filetype: self.filetype(),
            nlink: 1,
            size: 0,
            atim: 0,
            mtim: 0,
            ctim: 0,
        })
    }

    /// `fd_sync`. `EINVAL` by default, what `fsync(2)` says of a pipe or socket.
    fn sync(&self) -> Result<(), Errno> {
        Err(Errno::Inval)
    }

    /// `fd_datasync`; [`sync`](Self::sync) unless the implementation tells them apart.
    fn datasync(&self) -> Result<(), Errno> {
        self.sync()
    }

    /// A host descriptor that `poll_oneoff` may wait on for this descriptor's readiness: one
    /// the implementation makes readable when `read` has something and writable when `write`
    /// would take something (an eventfd, a pipe end). It must be the same answer for the
    /// descriptor's whole life.
    ///
    /// `None` (the default) means "always ready": a subscription on the descriptor fires at
    /// once, as it does for a regular file, and the guest's next `read` or `write` decides
    /// (`EAGAIN` under `NONBLOCK`, or waiting inside the implementation). That is honest for
    /// an object that never waits; one that can wait should give a descriptor here, or the
    /// guest's event loop spins on it.
    fn poll_fd(&self) -> Option<BorrowedFd<'_>> {
        None
    }
}

impl dyn HostDescriptor {
    /// The implementation's own type, if it is a `T`: how an extension finds its state again
    /// from a guest descriptor number.
    pub fn downcast_ref<T: HostDescriptor>(&self) -> Option<&T> {
        (self as &dyn Any).downcast_ref()
    }
}
