//! Addresses: the guest's `address` buffers (4 or 16 raw bytes, or the 128-byte form with a
//! family) and the host's `sockaddr` structures.

use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};

use crate::guest::{GuestError, GuestMemory, GuestPtr};
use crate::preview1::Errno;
use crate::wasmedge::Address;

use super::R;

/// The size of the family-tagged address form of the version-2 calls.
pub(crate) const STORAGE_LEN: u32 = 128;

/// Which address buffer sizes a call accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forms {
    /// 4 or 16 raw address bytes (version 1).
    Raw,
    /// Raw, or the 128-byte form (version 2 inputs and `sock_recv_from`).
    Both,
    /// Only the 128-byte form (version 2 `sock_getlocaladdr` / `sock_getpeeraddr`).
    Storage,
}

fn at(base: u32, offset: u32) -> Result<u32, GuestError> {
    base.checked_add(offset).ok_or(GuestError::OutOfBounds {
        ptr: base,
        len: u64::from(offset),
    })
}

/// Reads the address the guest passes to `sock_bind`, `sock_connect` or `sock_send_to`,
/// with `port` (a plain number; above 65535 is `EINVAL`).
pub(crate) fn read_input(addr: GuestPtr<'_, Address>, port: u32, forms: Forms) -> R<SocketAddr> {
    let port = u16::try_from(port).map_err(|_| Errno::Inval)?;
    let mem = addr.memory();
    let rec = addr.read()?;
    let buf = rec.buf.0;
    let ip = match (rec.buf_len, forms) {
        (4, Forms::Raw | Forms::Both) => IpAddr::from(mem.load::<4>(buf)?),
        (16, Forms::Raw | Forms::Both) => IpAddr::from(mem.load::<16>(buf)?),
        (STORAGE_LEN, Forms::Both | Forms::Storage) => {
            mem.check_range(buf, u64::from(STORAGE_LEN))?;
            let family = u16::from_le_bytes(mem.load::<2>(buf)?);
            match family {
                1 => IpAddr::from(mem.load::<4>(at(buf, 2)?)?),
                2 => IpAddr::from(mem.load::<16>(at(buf, 2)?)?),
                // Local sockets are not offered.
                3 => return Err(Errno::Afnosupport.into()),
                _ => return Err(Errno::Inval.into()),
            }
        }
        _ => return Err(Errno::Inval.into()),
    };
    Ok(SocketAddr::new(ip, port))
}

/// A checked output address buffer: where to write, and how many bytes it holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutAddr {
    buf: u32,
    len: u32,
}

/// Checks the output buffer `addr` describes before the call runs (so that no datagram is
/// taken off the queue only to find the buffer unusable): its size must be one `forms`
/// allows, and large enough for an address of a `v6` socket; its bytes must be in memory.
pub(crate) fn check_output(addr: GuestPtr<'_, Address>, forms: Forms, v6: bool) -> R<OutAddr> {
    let rec = addr.read()?;
    let ok = match rec.buf_len {
        4 => forms != Forms::Storage && !v6,
        16 => forms != Forms::Storage,
        STORAGE_LEN => forms != Forms::Raw,
        _ => false,
    };
    if !ok {
        return Err(Errno::Inval.into());
    }
    addr.memory()
        .check_range(rec.buf.0, u64::from(rec.buf_len))?;
    Ok(OutAddr {
        buf: rec.buf.0,
        len: rec.buf_len,
    })
}

impl OutAddr {
    /// Writes the IP address of `sa` in the buffer's form (raw bytes at 0, or a little-endian
    /// family then the bytes at 2). An IPv6 address never fits a 4-byte buffer: `EINVAL`.
    pub(crate) fn write(self, mem: &GuestMemory<'_>, sa: SocketAddr) -> R<()> {
        let (family, v4, v6) = match sa.ip() {
            IpAddr::V4(a) => (1u16, Some(a.octets()), None),
            IpAddr::V6(a) => (2u16, None, Some(a.octets())),
        };
        let bytes: &[u8] = match (&v4, &v6) {
            (Some(b), _) => b,
            (_, Some(b)) => b,
            _ => unreachable!("one of the two is set"),
        };
        if self.len == STORAGE_LEN {
            // Family, then the address, then zeroes up to the size of the largest one.
            let mut out = [0u8; 18];
            out[..2].copy_from_slice(&family.to_le_bytes());
            out[2..2 + bytes.len()].copy_from_slice(bytes);
            mem.store(self.buf, &out)?;
        } else if bytes.len() as u32 <= self.len {
            mem.store(self.buf, bytes)?;
        } else {
            return Err(Errno::Inval.into());
        }
        Ok(())
    }
}

/// A host socket address built from `sa`, and its length.
pub(crate) fn to_raw(sa: SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: `sockaddr_storage` is plain data; all zeroes is a valid (unspecified) address.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let base = (&raw mut storage).cast::<u8>();
    let len = match sa {
        SocketAddr::V4(a) => {
            // SAFETY: `sockaddr_storage` is larger than and aligned for every sockaddr type,
            // and zeroed: the fields not set here (padding, `sin_len` on the BSDs) stay 0.
            let sin = unsafe { &mut *base.cast::<libc::sockaddr_in>() };
            sin.sin_family = libc::AF_INET as libc::sa_family_t;
            sin.sin_port = a.port().to_be();
            sin.sin_addr.s_addr = u32::from_ne_bytes(a.ip().octets());
            size_of::<libc::sockaddr_in>()
        }
        SocketAddr::V6(a) => {
            // SAFETY: as above, for `sockaddr_in6`.
            let sin6 = unsafe { &mut *base.cast::<libc::sockaddr_in6>() };
            sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
            sin6.sin6_port = a.port().to_be();
            sin6.sin6_flowinfo = a.flowinfo();
            sin6.sin6_addr.s6_addr = a.ip().octets();
            sin6.sin6_scope_id = a.scope_id();
            size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

/// The address in a host `sockaddr` of `len` bytes, if it is an IPv4 or IPv6 one.
pub(crate) fn from_raw(
    storage: &libc::sockaddr_storage,
    len: libc::socklen_t,
) -> Option<SocketAddr> {
    let len = len as usize;
    match i32::from(storage.ss_family) {
        libc::AF_INET if len >= size_of::<libc::sockaddr_in>() => {
            // SAFETY: the family says this is a `sockaddr_in`, and the storage holds one.
            let sin =
                unsafe { &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in>() };
            let ip = Ipv4Addr::from(sin.sin_addr.s_addr.to_ne_bytes());
            Some(SocketAddr::V4(SocketAddrV4::new(
                ip,
                u16::from_be(sin.sin_port),
            )))
        }
        libc::AF_INET6 if len >= size_of::<libc::sockaddr_in6>() => {
            // SAFETY: as above, for `sockaddr_in6`.
            let sin6 = unsafe {
                &*(storage as *const libc::sockaddr_storage).cast::<libc::sockaddr_in6>()
            };
            Some(SocketAddr::V6(SocketAddrV6::new(
                Ipv6Addr::from(sin6.sin6_addr.s6_addr),
                u16::from_be(sin6.sin6_port),
                sin6.sin6_flowinfo,
                sin6.sin6_scope_id,
            )))
        }
        _ => None,
    }
}

/// `getsockname` (`peer == false`) or `getpeername` of `fd`.
pub(crate) fn name_of(fd: std::os::fd::BorrowedFd<'_>, peer: bool) -> std::io::Result<SocketAddr> {
    use std::os::fd::AsRawFd;
    // SAFETY: plain data, as in `to_raw`.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let mut len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
    let ptr = (&raw mut storage).cast::<libc::sockaddr>();
    // SAFETY: `ptr` and `len` describe `storage`, which the call fills.
    let r = unsafe {
        if peer {
            libc::getpeername(fd.as_raw_fd(), ptr, &mut len)
        } else {
            libc::getsockname(fd.as_raw_fd(), ptr, &mut len)
        }
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    from_raw(&storage, len).ok_or_else(|| std::io::Error::from_raw_os_error(libc::EAFNOSUPPORT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_sockaddrs_round_trip() {
        for text in ["127.0.0.1:80", "[::1]:65535", "0.0.0.0:0", "[fe80::1%3]:9"] {
            let sa: SocketAddr = text.parse().unwrap();
            let (storage, len) = to_raw(sa);
            assert_eq!(from_raw(&storage, len), Some(sa), "{text}");
            // A length short of the family's struct is no address.
            assert_eq!(from_raw(&storage, len - 1), None);
        }
    }
}
