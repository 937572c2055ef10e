//! Descriptor flags: the one place they change, for the guest (`fd_fdstat_set_flags`) and
//! for the embedder (`Descriptors::set_flags`), so both follow the same rules.

use crate::preview1::{Errno, Fd, Fdflags, Rights};
use crate::table::{FileEntry, Kind, Table, host_fd};

/// The flags that select synchronous I/O, fixed when a file is opened.
const SYNC_FLAGS: Fdflags = Fdflags::DSYNC.union(Fdflags::RSYNC).union(Fdflags::SYNC);

/// `fd_fdstat_set_flags` on `table`, for an entry holding `need`: the guest's call, and the
/// embedder's (`Descriptors::set_flags`, which needs no right).
pub(crate) fn set_flags(
    table: &mut Table,
    fd: Fd,
    flags: Fdflags,
    need: Rights,
) -> Result<(), Errno> {
    let entry = table.get(fd, need)?;
    if flags == entry.flags {
        return Ok(());
    }
    // Linux's F_SETFL silently ignores O_DSYNC/O_SYNC, so a change could not be honoured;
    // say so rather than report flags the descriptor does not have.
    if !(flags ^ entry.flags).intersection(SYNC_FLAGS).is_empty() {
        return Err(Errno::Notsup);
    }
    match &*entry.kind {
        // Neither flag affects anything a directory descriptor can do; record them, as an
        // `fcntl` on a real directory descriptor would. A host-defined kind has no host
        // description to set them on: it gets them with each read and write.
        Kind::Dir(_) | Kind::Host(_) => {
            drop(entry);
            return record(table, fd, flags);
        }
        // A description shared with the host (stdio): changing its status flags would change
        // them for the host and whoever else shares it (the shell's terminal). `NONBLOCK` is
        // kept here and emulated per call (`host::fd::rw::route`); `APPEND` cannot be
        // emulated without racing other writers, so a change of it is refused.
        Kind::File(FileEntry {
            shared_nonblock: Some(_),
            ..
        }) => {
            if (flags ^ entry.flags).contains(Fdflags::APPEND) {
                return Err(Errno::Notsup);
            }
            drop(entry);
            return record(table, fd, flags);
        }
        _ => {}
    }
    let host = host_fd(&entry.kind).ok_or(Errno::Badf)?;
    let mut oflags = rustix::fs::fcntl_getfl(host)?;
    oflags.set(rustix::fs::OFlags::APPEND, flags.contains(Fdflags::APPEND));
    oflags.set(
        rustix::fs::OFlags::NONBLOCK,
        flags.contains(Fdflags::NONBLOCK),
    );
    rustix::fs::fcntl_setfl(host, oflags)?;
    drop(entry);
    record(table, fd, flags)
}

/// Records the guest's view of `fd`'s flags.
fn record(table: &mut Table, fd: Fd, flags: Fdflags) -> Result<(), Errno> {
    table.update(fd, Rights::empty(), |entry| entry.flags = flags)
}
