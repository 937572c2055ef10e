//! `sock_setsockopt` and `sock_getsockopt` at level `sol_socket`.
//!
//! Values are little-endian bytes: an `i32` for most options, two `i32`s (on/off, seconds)
//! for `linger`, an `i64` of seconds then an `i64` of microseconds for the timeouts. A value
//! shorter than its option's size is `EINVAL`; longer is fine (the rest is ignored).

use std::mem::size_of;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use super::R;
use crate::ctx::WasiCtx;
use crate::guest::{GuestBuf, GuestPtr};
use crate::host::sock::is_socket;
use crate::preview1::{Errno, Fd, Rights};
use crate::table::Kind;
use crate::wasmedge::SockOptName;

/// The host descriptor of the socket at `fd`, whatever kind of socket it is.
fn socket_fd(kind: &Kind) -> Result<BorrowedFd<'_>, Errno> {
    Ok(match kind {
        Kind::Net(n) => n.fd.as_fd(),
        Kind::Socket(s) => s.as_fd(),
        Kind::Listener(l) => l.as_fd(),
        Kind::File(f) if is_socket(f.filetype) => f.file.as_fd(),
        Kind::File(_) | Kind::Dir(_) | Kind::Host(_) => return Err(Errno::Notsock),
    })
}

/// How an option's value is shaped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    Int,
    Linger,
    Time,
}

/// The host option behind `name`, its shape, and whether the guest may set it.
fn host_option(name: SockOptName) -> Result<(libc::c_int, Shape, bool), Errno> {
    use SockOptName as N;
    Ok(match name {
        N::Reuseaddr => (libc::SO_REUSEADDR, Shape::Int, true),
        N::Type => (libc::SO_TYPE, Shape::Int, false),
        N::Error => (libc::SO_ERROR, Shape::Int, false),
        N::Dontroute => (libc::SO_DONTROUTE, Shape::Int, true),
        N::Broadcast => (libc::SO_BROADCAST, Shape::Int, true),
        N::Sndbuf => (libc::SO_SNDBUF, Shape::Int, true),
        N::Rcvbuf => (libc::SO_RCVBUF, Shape::Int, true),
        N::Keepalive => (libc::SO_KEEPALIVE, Shape::Int, true),
        N::Oobinline => (libc::SO_OOBINLINE, Shape::Int, true),
        N::Linger => (libc::SO_LINGER, Shape::Linger, true),
        N::Rcvlowat => (libc::SO_RCVLOWAT, Shape::Int, true),
        N::Rcvtimeo => (libc::SO_RCVTIMEO, Shape::Time, true),
        N::Sndtimeo => (libc::SO_SNDTIMEO, Shape::Time, true),
        N::Acceptconn => (libc::SO_ACCEPTCONN, Shape::Int, false),
        // Binding to a device sidesteps the address policy and needs privileges: never.
        N::Bindtodevice => return Err(Errno::Noprotoopt),
    })
}

/// `sock_setsockopt`.
pub(crate) fn set(ctx: &mut WasiCtx, fd: Fd, name: SockOptName, val: GuestBuf<'_>) -> R<()> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    let host = socket_fd(&entry.kind)?;
    let (opt, shape, settable) = host_option(name)?;
    if !settable {
        return Err(Errno::Noprotoopt.into());
    }
    let mut bytes = [0u8; 16];
    let need = match shape {
        Shape::Int => 4,
        Shape::Linger => 8,
        Shape::Time => 16,
    };
    if val.len() < need {
        return Err(Errno::Inval.into());
    }
    val.read_at(0, &mut bytes[..need]);
    let word = |i: usize| i32::from_le_bytes(bytes[i..i + 4].try_into().expect("4 bytes"));
    let long = |i: usize| i64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    match shape {
        Shape::Int => setsockopt(host, opt, &word(0)),
        Shape::Linger => setsockopt(
            host,
            opt,
            &libc::linger {
                l_onoff: word(0),
                l_linger: word(4),
            },
        ),
        Shape::Time => {
            let (sec, usec) = (long(0), long(8));
            if sec < 0 || !(0..1_000_000).contains(&usec) {
                return Err(Errno::Inval.into());
            }
            let tv = libc::timeval {
                tv_sec: libc::time_t::try_from(sec).map_err(|_| Errno::Inval)?,
                tv_usec: usec as libc::suseconds_t,
            };
            setsockopt(host, opt, &tv)
        }
    }
}

fn setsockopt<T>(fd: BorrowedFd<'_>, opt: libc::c_int, value: &T) -> R<()> {
    // SAFETY: `value` is a live `T` of the size passed, the type the option expects.
    let r = unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            opt,
            (value as *const T).cast(),
            size_of::<T>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error().into())
    }
}

fn getsockopt<T: Copy>(fd: BorrowedFd<'_>, opt: libc::c_int, mut value: T) -> R<T> {
    let mut len = size_of::<T>() as libc::socklen_t;
    // SAFETY: `value` is a `T` of `len` bytes, the type the option fills.
    let r = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            opt,
            (&raw mut value).cast(),
            &mut len,
        )
    };
    if r == 0 {
        Ok(value)
    } else {
        Err(std::io::Error::last_os_error().into())
    }
}

/// `sock_getsockopt`: `val_len` holds the room at `val` on entry (too little for the option
/// is `EINVAL`, with nothing written) and the bytes written on return. `type` reads back as
/// 1 (datagram) or 2 (stream); `error` as an errno of this ABI.
pub(crate) fn get(
    ctx: &mut WasiCtx,
    fd: Fd,
    name: SockOptName,
    val: GuestPtr<'_, u8>,
    val_len: GuestPtr<'_, u32>,
) -> R<()> {
    let room = val_len.read()?;
    let entry = ctx.table.get(fd, Rights::empty())?;
    let host = socket_fd(&entry.kind)?;
    let (opt, shape, _) = host_option(name)?;
    let mut bytes = [0u8; 16];
    let n = match shape {
        Shape::Int => {
            let v: libc::c_int = getsockopt(host, opt, 0)?;
            let v = match name {
                SockOptName::Type if v == libc::SOCK_DGRAM => 1,
                SockOptName::Type if v == libc::SOCK_STREAM => 2,
                SockOptName::Type => 0,
                SockOptName::Error if v != 0 => Errno::from_raw_os_error(v) as i32,
                _ => v,
            };
            bytes[..4].copy_from_slice(&v.to_le_bytes());
            4
        }
        Shape::Linger => {
            let l: libc::linger = getsockopt(
                host,
                opt,
                libc::linger {
                    l_onoff: 0,
                    l_linger: 0,
                },
            )?;
            bytes[..4].copy_from_slice(&l.l_onoff.to_le_bytes());
            bytes[4..8].copy_from_slice(&l.l_linger.to_le_bytes());
            8
        }
        Shape::Time => {
            let tv: libc::timeval = getsockopt(
                host,
                opt,
                libc::timeval {
                    tv_sec: 0,
                    tv_usec: 0,
                },
            )?;
            // `time_t` and `suseconds_t` are narrower than `i64` on some systems.
            #[allow(clippy::useless_conversion)]
            let (sec, usec) = (i64::from(tv.tv_sec), i64::from(tv.tv_usec));
            bytes[..8].copy_from_slice(&sec.to_le_bytes());
            bytes[8..].copy_from_slice(&usec.to_le_bytes());
            16
        }
    };
    if (room as usize) < n {
        return Err(Errno::Inval.into());
    }
    val.write_bytes(&bytes[..n])?;
    val_len.write(&(n as u32))?;
    Ok(())
}
