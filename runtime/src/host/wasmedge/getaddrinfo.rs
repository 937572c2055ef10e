//! `sock_getaddrinfo`: the host resolver (`getaddrinfo(3)`) filling result nodes the guest
//! allocated and chained. The host allocates nothing the guest sizes: names are copied into
//! fixed stack buffers, and at most [`MAX_RESULTS`] nodes are filled.

use std::ffi::CStr;
use std::net::SocketAddr;

use super::addr;
use super::policy::NetOp;
use crate::CallError;
use crate::ctx::WasiCtx;
use crate::guest::{GuestAddr, GuestBuf, GuestError, GuestMemory, GuestPtr};
use crate::wasmedge::{Addrinfo, Aiflags, Errno, Size};

/// The most results written, whatever `max_res` says.
pub(crate) const MAX_RESULTS: usize = 16;
/// The longest node name (`NI_MAXHOST` less its NUL).
const NODE_MAX: usize = 1024;
/// The longest service name (`NI_MAXSERV` less its NUL).
const SERVICE_MAX: usize = 31;
/// An `addrinfo` node in guest memory.
const NODE_SIZE: u32 = 28;

type R<T> = Result<T, CallError<Errno>>;

fn fault(e: GuestError) -> CallError<Errno> {
    CallError::Guest(e)
}

/// Copies a name (without one trailing NUL) into `out` with a terminating NUL; `None` when it
/// is longer than `max` or holds a NUL inside. An empty name gives `Some(false)`.
fn c_name(buf: &GuestBuf<'_>, out: &mut [u8], max: usize) -> Option<bool> {
    let mut len = buf.len();
    if len > max + 1 {
        return None;
    }
    buf.read_at(0, &mut out[..len]);
    if len > 0 && out[len - 1] == 0 {
        len -= 1;
    }
    if len > max || out[..len].contains(&0) {
        return None;
    }
    out[len] = 0;
    Some(len > 0)
}

/// Where one result goes: the node, its `sockaddr` and that record's data buffer.
#[derive(Clone, Copy, Default)]
struct Slot {
    node: u32,
    sockaddr: u32,
    data: u32,
    canon: u32,
    canon_len: u32,
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"))
}

/// `sock_getaddrinfo`.
pub(crate) fn getaddrinfo(
    ctx: &mut WasiCtx,
    node: GuestBuf<'_>,
    service: GuestBuf<'_>,
    hints: GuestPtr<'_, Addrinfo>,
    res: GuestPtr<'_, GuestAddr>,
    max_res: u32,
) -> R<Size> {
    let mem = hints.memory();
    let mut node_c = [0u8; NODE_MAX + 2];
    let mut service_c = [0u8; SERVICE_MAX + 2];
    let has_node = c_name(&node, &mut node_c, NODE_MAX).ok_or(Errno::Ainoname)?;
    let has_service = c_name(&service, &mut service_c, SERVICE_MAX).ok_or(Errno::Aiservice)?;
    if !has_node && !has_service {
        return Err(Errno::Ainoname.into());
    }
    if max_res == 0 {
        return Err(Errno::Aimemory.into());
    }
    let h = mem
        .load::<{ NODE_SIZE as usize }>(hints.addr())
        .map_err(fault)?;
    let flags = u16::from_le_bytes([h[0], h[1]]);
    let flags = Aiflags::from_bits(flags).ok_or(Errno::Aibadflag)?;
    let family = match h[2] {
        0 => libc::AF_UNSPEC,
        1 => libc::AF_INET,
        2 => libc::AF_INET6,
        _ => return Err(Errno::Aifamily.into()),
    };
    let socktype = match h[3] {
        0 => 0,
        1 => libc::SOCK_DGRAM,
        2 => libc::SOCK_STREAM,
        _ => return Err(Errno::Aisocktype.into()),
    };
    let protocol = match h[4] {
        0 => 0,
        1 => libc::IPPROTO_TCP,
        2 => libc::IPPROTO_UDP,
        _ => return Err(Errno::Aiservice.into()),
    };
    let first = res.read()?.0;
    ctx.net.check(NetOp::Lookup).map_err(Errno::from)?;

    let mut c_flags = 0;
    for (ours, theirs) in [
        (Aiflags::PASSIVE, libc::AI_PASSIVE),
        (Aiflags::CANONNAME, libc::AI_CANONNAME),
        (Aiflags::NUMERICHOST, libc::AI_NUMERICHOST),
        (Aiflags::NUMERICSERV, libc::AI_NUMERICSERV),
        (Aiflags::V4MAPPED, libc::AI_V4MAPPED),
        (Aiflags::ALL, libc::AI_ALL),
        (Aiflags::ADDRCONFIG, libc::AI_ADDRCONFIG),
    ] {
        if flags.contains(ours) {
            c_flags |= theirs;
        }
    }
    // SAFETY: plain data; zeroes are the "no hint" values.
    let mut c_hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    c_hints.ai_flags = c_flags;
    c_hints.ai_family = family;
    c_hints.ai_socktype = socktype;
    c_hints.ai_protocol = protocol;
    let mut list: *mut libc::addrinfo = std::ptr::null_mut();
    let node_p = if has_node {
        node_c.as_ptr().cast()
    } else {
        std::ptr::null()
    };
    let service_p = if has_service {
        service_c.as_ptr().cast()
    } else {
        std::ptr::null()
    };
    // SAFETY: both names are NUL-terminated buffers (or null), `c_hints` is initialised, and
    // `list` receives a list freed below with `freeaddrinfo`.
    let rc = unsafe { libc::getaddrinfo(node_p, service_p, &c_hints, &mut list) };
    if rc != 0 {
        return Err(ai_errno(rc).into());
    }
    let out = List(list);
    let result = fill(&mem, first, max_res, &out);
    drop(out);
    result
}

/// Owns a `getaddrinfo` result list.
struct List(*mut libc::addrinfo);

impl Drop for List {
    fn drop(&mut self) {
        if !self.0.is_null() {
            // SAFETY: the list came from `getaddrinfo` and is freed once.
            unsafe { libc::freeaddrinfo(self.0) };
        }
    }
}

/// One resolved entry: its address, socket type, protocol and canonical name.
struct Found<'a> {
    addr: SocketAddr,
    socktype: u8,
    protocol: u8,
    canon: Option<&'a CStr>,
}

impl List {
    fn iter(&self) -> impl Iterator<Item = Found<'_>> + '_ {
        let mut p = self.0;
        std::iter::from_fn(move || {
            while !p.is_null() {
                // SAFETY: `p` is a node of the live list `self` owns.
                let ai = unsafe { &*p };
                p = ai.ai_next;
                if ai.ai_addr.is_null() {
                    continue;
                }
                // SAFETY: plain data, filled from the node's address below.
                let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
                let len = (ai.ai_addrlen as usize).min(size_of::<libc::sockaddr_storage>());
                // SAFETY: `ai_addr` holds `ai_addrlen` bytes; at most the storage's size is copied.
                unsafe {
                    std::ptr::copy_nonoverlapping(
                        ai.ai_addr.cast::<u8>(),
                        (&raw mut storage).cast::<u8>(),
                        len,
                    )
                };
                let Some(addr) = addr::from_raw(&storage, len as libc::socklen_t) else {
                    continue;
                };
                let socktype = match ai.ai_socktype {
                    libc::SOCK_DGRAM => 1,
                    libc::SOCK_STREAM => 2,
                    _ => 0,
                };
                let protocol = match ai.ai_protocol {
                    libc::IPPROTO_TCP => 1,
                    libc::IPPROTO_UDP => 2,
                    _ => 0,
                };
                let canon = (!ai.ai_canonname.is_null())
                    // SAFETY: a non-null canonical name is a NUL-terminated string of the list.
                    .then(|| unsafe { CStr::from_ptr(ai.ai_canonname) });
                return Some(Found {
                    addr,
                    socktype,
                    protocol,
                    canon,
                });
            }
            None
        })
    }
}

/// Checks the guest's chain for as many nodes as there are results (at most `max_res` and
/// [`MAX_RESULTS`]), then writes them; nothing is written unless every node, its `sockaddr`
/// and data buffer are in memory and no node is reached twice.
fn fill(mem: &GuestMemory<'_>, first: u32, max_res: u32, list: &List) -> R<Size> {
    let count = list.iter().count().min(MAX_RESULTS).min(max_res as usize);
    let mut slots = [Slot::default(); MAX_RESULTS];
    let mut at = first;
    for i in 0..count {
        if at == 0 {
            // The chain is shorter than the results: fill what it has.
            return write(mem, &slots[..i], list);
        }
        let n = mem.load::<{ NODE_SIZE as usize }>(at).map_err(fault)?;
        if slots[..i]
            .iter()
            .any(|s| crate::guest::ranges_overlap(s.node, NODE_SIZE, at, NODE_SIZE))
        {
            // A chain that loops (or whose nodes overlap) would have results overwrite results.
            return Err(Errno::Inval.into());
        }
        let sockaddr = u32_at(&n, 12);
        let s = mem.load::<12>(sockaddr).map_err(fault)?;
        let data = u32_at(&s, 8);
        // Room for the larger (IPv6) form, whatever `sa_data_len` says: guests size it for
        // IPv4 but allocate for IPv6.
        mem.check_range(data, 26).map_err(fault)?;
        let (canon, canon_len) = (u32_at(&n, 16), u32_at(&n, 20));
        if canon != 0 && canon_len > 0 {
            mem.check_range(canon, u64::from(canon_len.min(NODE_MAX as u32 + 1)))
                .map_err(fault)?;
        }
        slots[i] = Slot {
            node: at,
            sockaddr,
            data,
            canon,
            canon_len,
        };
        at = u32_at(&n, 24);
    }
    write(mem, &slots[..count], list)
}

fn write(mem: &GuestMemory<'_>, slots: &[Slot], list: &List) -> R<Size> {
    for (i, (slot, found)) in slots.iter().zip(list.iter()).enumerate() {
        let v6 = found.addr.is_ipv6();
        let family = if v6 { 2 } else { 1 };
        let addrlen: u32 = if v6 { 28 } else { 16 };
        // The node's range was checked whole: these offsets stay inside it.
        mem.store(slot.node + 2, &[family, found.socktype, found.protocol])
            .map_err(fault)?;
        mem.store(slot.node + 8, &addrlen.to_le_bytes())
            .map_err(fault)?;
        // The sockaddr: family byte, data length, then the data from the port on.
        let data_len: u32 = if v6 { 26 } else { 14 };
        mem.store(slot.sockaddr, &[family]).map_err(fault)?;
        mem.store(slot.sockaddr + 4, &data_len.to_le_bytes())
            .map_err(fault)?;
        let mut data = [0u8; 26];
        data[..2].copy_from_slice(&found.addr.port().to_be_bytes());
        match found.addr {
            SocketAddr::V4(a) => data[2..6].copy_from_slice(&a.ip().octets()),
            SocketAddr::V6(a) => {
                data[2..6].copy_from_slice(&a.flowinfo().to_be_bytes());
                data[6..22].copy_from_slice(&a.ip().octets());
                data[22..26].copy_from_slice(&a.scope_id().to_le_bytes());
            }
        }
        mem.store(slot.data, &data[..data_len as usize])
            .map_err(fault)?;
        // The canonical name (first result only), cut to the room the node declares.
        if let (0, Some(name), true) = (i, found.canon, slot.canon != 0 && slot.canon_len > 0) {
            let bytes = name.to_bytes();
            let n = bytes.len().min(slot.canon_len as usize - 1);
            mem.store(slot.canon, &bytes[..n]).map_err(fault)?;
            mem.store(slot.canon + n as u32, &[0]).map_err(fault)?;
        }
    }
    Ok(slots.len() as Size)
}

/// The errno for a `getaddrinfo` failure code.
fn ai_errno(rc: i32) -> Errno {
    match rc {
        libc::EAI_AGAIN => Errno::Aiagain,
        libc::EAI_BADFLAGS => Errno::Aibadflag,
        libc::EAI_FAIL => Errno::Aifail,
        libc::EAI_FAMILY => Errno::Aifamily,
        libc::EAI_MEMORY => Errno::Aimemory,
        libc::EAI_NONAME => Errno::Ainoname,
        libc::EAI_SERVICE => Errno::Aiservice,
        libc::EAI_SOCKTYPE => Errno::Aisocktype,
        libc::EAI_SYSTEM => Errno::Aisystem,
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        libc::EAI_NODATA => Errno::Ainodata,
        _ => Errno::Aifail,
    }
}
