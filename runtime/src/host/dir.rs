//! `fd_readdir`: directory listings with stable cookies.
//!
//! A directory is read once, when the guest starts at cookie 0 (or first asks at all), into a
//! [`Listing`] kept with the descriptor; cookie `n` is then the index of an entry in it, so
//! listing `N` entries in any number of calls costs one pass over the directory and no stat per
//! entry (only for a filesystem that does not report entry types).

use rustix::fs::{AtFlags, FileType, Mode, OFlags};

use super::HostResult;
use super::path::filetype_from;
use crate::ctx::WasiCtx;
pub(crate) use crate::ctx::os::dev_ino;
use crate::guest::GuestBufMut;
use crate::preview1::*;
use crate::table::Kind;
use crate::table::listing::{Entry, Listing};

/// Bytes of a `dirent` header: `d_next` u64, `d_ino` u64, `d_namlen` u32, `d_type` u8, padding.
const DIRENT_SIZE: usize = 24;

pub(crate) fn readdir(
    ctx: &mut WasiCtx,
    fd: Fd,
    mut buf: GuestBufMut<'_>,
    cookie: Dircookie,
) -> HostResult<Size> {
    let entry = ctx.table.get(fd, Rights::empty())?;
    let allowed = entry.rights.contains(Rights::FD_READDIR);
    let Kind::Dir(d) = &*entry.kind else {
        return Err(Errno::Notdir.into());
    };
    if !allowed {
        return Err(Errno::Notcapable.into());
    }
    // Threads sharing the descriptor take turns; the lock is held over the directory read,
    // which only `fd_readdir` on this same descriptor waits for.
    let mut cache = d
        .listing
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let listing = match cache.take() {
        Some(listing) if cookie != 0 => cache.insert(listing),
        _ => cache.insert(Listing::read(&d.dir, d.root)?),
    };
    Ok(listing.fill(cookie, &mut buf) as Size)
}

impl Listing {
    /// Reads the directory `dir`. The `..` of the sandbox's root (`root`: the preopen's
    /// device and inode, whichever descriptor of it is listed) lies outside the sandbox; it is
    /// reported as the directory itself (as `..` of `/` is), which tells the guest nothing.
    fn read(dir: &cap_std::fs::Dir, root: (u64, u64)) -> std::io::Result<Listing> {
        let here = dev_ino(dir)?;
        let is_root = here == root;
        let dot = here.1;
        let mut listing = Listing {
            names: Vec::new(),
            entries: Vec::new(),
        };
        listing.push(b".", dot, Filetype::Directory);
        listing.push(b"..", dot, Filetype::Directory);
        // A fresh descriptor of the same directory, so the read neither depends on nor moves
        // any offset of the guest's descriptor.
        // (Preopens are O_PATH descriptors, which cannot be read, so never copy their flags.)
        let fresh = rustix::fs::openat(
            dir,
            ".",
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let mut host = rustix::fs::Dir::new(fresh)?;
        while let Some(item) = host.read() {
            let item = item?;
            let name = item.file_name();
            match name.to_bytes() {
                b"." => {}
                b".." => {
                    if !is_root {
                        listing.entries[1].ino = item.ino();
                    }
                }
                bytes => {
                    let filetype = match item.file_type() {
                        // Some filesystems leave the type to a stat; an entry gone meanwhile
                        // stays listed, as Unknown.
                        FileType::Unknown => {
                            rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW)
                                .map_or(Filetype::Unknown, |st| {
                                    filetype_from(FileType::from_raw_mode(st.st_mode as _))
                                })
                        }
                        t => filetype_from(t),
                    };
                    listing.push(bytes, item.ino(), filetype);
                }
            }
        }
        Ok(listing)
    }

    fn push(&mut self, name: &[u8], ino: u64, filetype: Filetype) {
        self.names.extend_from_slice(name);
        self.entries.push(Entry {
            ino,
            end: self.names.len(),
            filetype,
        });
    }

    fn name(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.entries[i - 1].end };
        &self.names[start..self.entries[i].end]
    }

    /// Writes entries from index `cookie` on into `buf` and returns the bytes used. The buffer
    /// is filled completely when the entries do not all fit: the last one is cut off wherever
    /// the buffer ends, header or name, which tells libc to ask again from that entry's cookie
    /// (with a bigger buffer if it was the only one).
    fn fill(&self, cookie: Dircookie, buf: &mut GuestBufMut<'_>) -> usize {
        let start = usize::try_from(cookie).unwrap_or(usize::MAX);
        let mut used = 0;
        for i in start..self.entries.len() {
            if used == buf.len() {
                break;
            }
            let entry = &self.entries[i];
            let name = self.name(i);
            let mut header = [0u8; DIRENT_SIZE];
            header[0..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
            header[8..16].copy_from_slice(&entry.ino.to_le_bytes());
            header[16..20].copy_from_slice(&(name.len() as u32).to_le_bytes());
            header[20] = entry.filetype as u8;
            used += buf.write_at(used, &header);
            used += buf.write_at(used, name);
        }
        used
    }
}
