//! Calls that resolve a path beneath a directory descriptor, inside the sandbox.
//!
//! A guest path is never joined to a host path. Everything before its last component is opened
//! by the kernel beneath the directory descriptor (`openat2` with `RESOLVE_BENEATH` on Linux,
//! a walk of one component at a time with `O_NOFOLLOW` elsewhere or when `openat2` is unavailable), and
//! the last component is then handled with a `*at` call that does not follow symbolic links.
//! Where a call must follow a final symbolic link, the whole path is resolved beneath the
//! directory instead. docs/sandbox.md describes the model and the errno of each refusal.

use std::fs::File;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use rustix::fs::{AtFlags, FileType, Mode, OFlags, Stat, Timestamps};

use super::HostResult;
use super::fd::{filestat_from, timestamps};
use crate::ctx::WasiCtx;
use crate::guest::GuestBufMut;
use crate::limits::PATH_MAX;
use crate::preview1::*;
use crate::table::{DIR_RIGHTS, DirEntry, EntryRef, FILE_RIGHTS, FdEntry, FileEntry, Kind, Table};

/// Rights whose use needs a host descriptor opened for writing.
const WRITE_ACCESS: Rights = Rights::FD_WRITE
    .union(Rights::FD_ALLOCATE)
    .union(Rights::FD_FILESTAT_SET_SIZE);

/// Flags that open an object only to name it (for `*at` calls, `fstat`, times).
#[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
const PATH_ONLY: OFlags = OFlags::PATH;
/// Flags that open an object only to name it (for `*at` calls, `fstat`, times).
#[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
const PATH_ONLY: OFlags = OFlags::RDONLY.union(OFlags::NONBLOCK);

/// The directory behind `fd`: `ENOTDIR` if it is something else, `ENOTCAPABLE` without `need`.
fn dir_of(table: &Table, fd: Fd, need: Rights) -> Result<DirRef<'_>, Errno> {
    let entry = table.get(fd, Rights::empty())?;
    let Kind::Dir(_) = &*entry.kind else {
        return Err(Errno::Notdir);
    };
    if !entry.rights.contains(need) {
        return Err(Errno::Notcapable);
    }
    Ok(DirRef(entry))
}

/// An entry [`dir_of`] found to be a directory.
struct DirRef<'a>(EntryRef<'a>);

impl DirRef<'_> {
    fn dir(&self) -> &cap_std::fs::Dir {
        match &*self.0.kind {
            Kind::Dir(d) => &d.dir,
            _ => unreachable!("dir_of checked that the entry is a directory"),
        }
    }
}

/// Rejects paths no call accepts: empty (`ENOENT`), too long (`ENAMETOOLONG`, before anything
/// copies it: [`PATH_MAX`]), absolute (`ENOTCAPABLE`: the sandbox has no root to start from)
/// or holding a NUL byte (`EINVAL`: the OS cannot be given one).
fn check(path: &str) -> Result<(), Errno> {
    match path.as_bytes().first() {
        None => Err(Errno::Noent),
        _ if path.len() >= PATH_MAX => Err(Errno::Nametoolong),
        Some(b'/') => Err(Errno::Notcapable),
        _ if path.as_bytes().contains(&0) => Err(Errno::Inval),
        _ => Ok(()),
    }
}

/// Whether `path` is one plain component: then an `*at` call with the directory descriptor
/// itself cannot leave it, as long as it does not follow a symbolic link.
#[inline]
fn is_name(path: &str) -> bool {
    path != ".." && !path.as_bytes().contains(&b'/')
}

/// A checked guest path, split into the directory holding its last component and that
/// component.
struct Split<'p> {
    /// Everything before the last component; `None` for the descriptor's own directory.
    parent: Option<&'p str>,
    /// The last component: a name, or `.` (a final `..` is resolved as part of `parent`, so
    /// that the directory it names is checked to be inside the sandbox).
    name: &'p str,
    /// The path ended in `/`: it must name a directory (following a final symbolic link).
    slash: bool,
    /// The last component was `..`.
    dotdot: bool,
}

fn split(path: &str) -> Result<Split<'_>, Errno> {
    check(path)?;
    // Not empty: the path does not start with '/'.
    let trimmed = path.trim_end_matches('/');
    let slash = trimmed.len() != path.len();
    let (parent, name) = match trimmed.rfind('/') {
        Some(i) => (Some(&trimmed[..i]), &trimmed[i + 1..]),
        None => (None, trimmed),
    };
    if name == ".." {
        return Ok(Split {
            parent: Some(trimmed),
            name: ".",
            slash,
            dotdot: true,
        });
    }
    Ok(Split {
        parent,
        name,
        slash,
        dotdot: false,
    })
}

/// A directory to apply an `*at` call to: the descriptor's own, or one opened beneath it.
enum At<'a> {
    Borrowed(BorrowedFd<'a>),
    Owned(OwnedFd),
}

impl AsFd for At<'_> {
    fn as_fd(&self) -> BorrowedFd<'_> {
        match self {
            At::Borrowed(fd) => *fd,
            At::Owned(fd) => fd.as_fd(),
        }
    }
}

/// Opens the directory holding `split`'s last component.
fn parent<'a>(dir: &'a cap_std::fs::Dir, split: &Split<'_>) -> Result<At<'a>, Errno> {
    match split.parent {
        None => Ok(At::Borrowed(dir.as_fd())),
        Some(p) => resolve(dir, p, PATH_ONLY | OFlags::DIRECTORY, Mode::empty()).map(At::Owned),
    }
}

/// Opens `path` (already checked) beneath `dir`, with `flags` plus `O_CLOEXEC`. A path that
/// would leave `dir`, through `..`, an absolute symbolic link or one pointing out, fails with
/// `ENOTCAPABLE`; `O_NOFOLLOW` in `flags` applies to the last component only.
fn resolve(
    dir: &cap_std::fs::Dir,
    path: &str,
    flags: OFlags,
    mode: Mode,
) -> Result<OwnedFd, Errno> {
    #[cfg(target_os = "linux")]
    if let Some(result) = beneath::openat2(dir, path, flags, mode) {
        return result;
    }
    beneath::walk(dir, path, flags, mode)
}

/// The two resolvers behind [`resolve`].
mod beneath;

pub(crate) use crate::ctx::os::filetype_from;

#[inline]
#[allow(clippy::unnecessary_cast)]
fn is_symlink(st: &Stat) -> bool {
    FileType::from_raw_mode(st.st_mode as _) == FileType::Symlink
}

#[inline]
#[allow(clippy::unnecessary_cast)]
fn is_dir(st: &Stat) -> bool {
    FileType::from_raw_mode(st.st_mode as _) == FileType::Directory
}

/// `lstat` of the last component.
#[inline]
fn lstat(at: &At<'_>, name: &str) -> Result<Stat, Errno> {
    rustix::fs::statat(at, name, AtFlags::SYMLINK_NOFOLLOW).map_err(Errno::from)
}

pub(crate) fn create_directory(ctx: &mut WasiCtx, fd: Fd, path: &str) -> HostResult<()> {
    let dir_entry = dir_of(&ctx.table, fd, Rights::PATH_CREATE_DIRECTORY)?;
    let dir = dir_entry.dir();
    let s = split(path)?;
    let at = parent(dir, &s)?;
    // A trailing slash is fine for mkdir; "." gives EEXIST from the kernel.
    rustix::fs::mkdirat(&at, s.name, Mode::from_bits_truncate(0o777)).map_err(Errno::from)?;
    Ok(())
}

pub(crate) fn filestat_get(
    ctx: &mut WasiCtx,
    fd: Fd,
    flags: Lookupflags,
    path: &str,
) -> HostResult<Filestat> {
    let dir_entry = dir_of(&ctx.table, fd, Rights::PATH_FILESTAT_GET)?;
    let dir = dir_entry.dir();
    let follow = flags.contains(Lookupflags::SYMLINK_FOLLOW);
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if !is_name(path) {
        // An O_PATH descriptor of the object itself (of the link, with O_NOFOLLOW): one walk
        // and an fstat, cheaper than opening the parent and looking the name up again.
        check(path)?;
        let nofollow = if follow {
            OFlags::empty()
        } else {
            OFlags::NOFOLLOW
        };
        let target = resolve(dir, path, PATH_ONLY | nofollow, Mode::empty())?;
        return Ok(filestat_from(
            &rustix::fs::fstat(&target).map_err(Errno::from)?,
        ));
    }
    let s = split(path)?;
    let st = if s.slash {
        // "x/" names a directory, through a symbolic link if x is one.
        let target = resolve(dir, path, PATH_ONLY | OFlags::DIRECTORY, Mode::empty())?;
        rustix::fs::fstat(&target).map_err(Errno::from)?
    } else {
        let at = parent(dir, &s)?;
        let st = lstat(&at, s.name)?;
        if follow && is_symlink(&st) {
            let target = resolve(dir, path, PATH_ONLY, Mode::empty())?;
            rustix::fs::fstat(&target).map_err(Errno::from)?
        } else {
            st
        }
    };
    Ok(filestat_from(&st))
}

/// Sets the times of an object opened with [`PATH_ONLY`].
fn set_times_of(target: &OwnedFd, times: &Timestamps) -> Result<(), Errno> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    return rustix::fs::utimensat(target, "", times, AtFlags::EMPTY_PATH).map_err(Errno::from);
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    return rustix::fs::futimens(target, times).map_err(Errno::from);
}

pub(crate) fn filestat_set_times(
    ctx: &mut WasiCtx,
    fd: Fd,
    flags: Lookupflags,
    path: &str,
    atim: Timestamp,
    mtim: Timestamp,
    fst_flags: Fstflags,
) -> HostResult<()> {
    let dir_entry = dir_of(&ctx.table, fd, Rights::PATH_FILESTAT_SET_TIMES)?;
    let dir = dir_entry.dir();
    let times = timestamps(atim, mtim, fst_flags)?;
    let s = split(path)?;
    if !s.slash {
        let at = parent(dir, &s)?;
        // Without following, or when the last component is no symbolic link, the change
        // applies to that entry itself. Should a link be swapped in after the check, the
        // call still cannot reach past it: it sets the link's own times.
        let nofollow =
            !flags.contains(Lookupflags::SYMLINK_FOLLOW) || !is_symlink(&lstat(&at, s.name)?);
        if nofollow {
            rustix::fs::utimensat(&at, s.name, &times, AtFlags::SYMLINK_NOFOLLOW)
                .map_err(Errno::from)?;
            return Ok(());
        }
    }
    let dir_flag = if s.slash {
        OFlags::DIRECTORY
    } else {
        OFlags::empty()
    };
    let target = resolve(dir, path, PATH_ONLY | dir_flag, Mode::empty())?;
    set_times_of(&target, &times)?;
    Ok(())
}

pub(crate) fn link(
    ctx: &mut WasiCtx,
    old_fd: Fd,
    old_flags: Lookupflags,
    old_path: &str,
    new_fd: Fd,
    new_path: &str,
) -> HostResult<()> {
    let old_dir_entry = dir_of(&ctx.table, old_fd, Rights::PATH_LINK_SOURCE)?;
    let old_dir = old_dir_entry.dir();
    let new_dir_entry = dir_of(&ctx.table, new_fd, Rights::PATH_LINK_TARGET)?;
    let new_dir = new_dir_entry.dir();
    let (src, dst) = (split(old_path)?, split(new_path)?);
    let (src_at, dst_at) = (parent(old_dir, &src)?, parent(new_dir, &dst)?);
    if src.name == "." {
        // Directories cannot be hard-linked.
        return Err(Errno::Perm.into());
    }
    if dst.name == "." {
        return Err(Errno::Exist.into());
    }
    if src.slash {
        // Only a directory could match "x/", and directories cannot be linked.
        let st = lstat(&src_at, src.name)?;
        return Err(if is_dir(&st) {
            Errno::Perm
        } else {
            Errno::Notdir
        }
        .into());
    }
    if dst.slash {
        // "y/" would have to be a new directory.
        lstat(&dst_at, dst.name)?;
        return Err(Errno::Exist.into());
    }
    if old_flags.contains(Lookupflags::SYMLINK_FOLLOW) && is_symlink(&lstat(&src_at, src.name)?) {
        return link_target(old_dir, old_path, &dst_at, dst.name);
    }
    // linkat without AT_SYMLINK_FOLLOW links the last component itself, never its target.
    rustix::fs::linkat(&src_at, src.name, &dst_at, dst.name, AtFlags::empty())
        .map_err(Errno::from)?;
    Ok(())
}

/// Hard-links what the symbolic link at `old_path` points to, resolved beneath `old_dir`.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn link_target(
    old_dir: &cap_std::fs::Dir,
    old_path: &str,
    dst_at: &At<'_>,
    dst_name: &str,
) -> HostResult<()> {
    use std::os::fd::AsRawFd;

    let target = resolve(old_dir, old_path, PATH_ONLY, Mode::empty())?;
    match rustix::fs::linkat(&target, "", dst_at, dst_name, AtFlags::EMPTY_PATH) {
        Ok(()) => Ok(()),
        // Linking by descriptor needs CAP_DAC_READ_SEARCH; without it, the descriptor's
        // /proc/self/fd entry names the same (already resolved) object.
        Err(rustix::io::Errno::NOENT) => {
            let proc_path = format!("/proc/self/fd/{}", target.as_raw_fd());
            rustix::fs::linkat(
                rustix::fs::CWD,
                proc_path.as_str(),
                dst_at,
                dst_name,
                AtFlags::SYMLINK_FOLLOW,
            )
            .map_err(|e| Errno::from(e).into())
        }
        Err(e) => Err(Errno::from(e).into()),
    }
}

/// Hard-links what a symbolic link points to: not available on this OS.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn link_target(
    _old_dir: &cap_std::fs::Dir,
    _old_path: &str,
    _dst_at: &At<'_>,
    _dst_name: &str,
) -> HostResult<()> {
    Err(Errno::Notsup.into())
}

/// Host `open` flags for a preview1 open.
fn open_flags(oflags: Oflags, fdflags: Fdflags, read: bool, write: bool) -> OFlags {
    let mut flags = match (read, write) {
        (_, false) => OFlags::RDONLY,
        (false, true) => OFlags::WRONLY,
        (true, true) => OFlags::RDWR,
    } | OFlags::NOCTTY;
    for (o, f) in [
        (Oflags::CREAT, OFlags::CREATE),
        (Oflags::DIRECTORY, OFlags::DIRECTORY),
        (Oflags::EXCL, OFlags::EXCL),
        (Oflags::TRUNC, OFlags::TRUNC),
    ] {
        if oflags.contains(o) {
            flags |= f;
        }
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    let rsync = OFlags::RSYNC;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    let rsync = OFlags::SYNC;
    for (o, f) in [
        (Fdflags::APPEND, OFlags::APPEND),
        (Fdflags::DSYNC, OFlags::DSYNC),
        (Fdflags::NONBLOCK, OFlags::NONBLOCK),
        (Fdflags::RSYNC, rsync),
        (Fdflags::SYNC, OFlags::SYNC),
    ] {
        if fdflags.contains(o) {
            flags |= f;
        }
    }
    flags
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn open(
    ctx: &mut WasiCtx,
    fd: Fd,
    dirflags: Lookupflags,
    path: &str,
    oflags: Oflags,
    fs_rights_base: Rights,
    fs_rights_inheriting: Rights,
    fdflags: Fdflags,
) -> HostResult<Fd> {
    let mut need = Rights::PATH_OPEN;
    if oflags.contains(Oflags::CREAT) {
        need |= Rights::PATH_CREATE_FILE;
    }
    if oflags.contains(Oflags::TRUNC) {
        need |= Rights::PATH_FILESTAT_SET_SIZE;
    }
    let dir_entry = dir_of(&ctx.table, fd, need)?;
    let (entry, dir) = (&*dir_entry.0, dir_entry.dir());
    let granted = entry.inheriting;
    let Kind::Dir(DirEntry { root, .. }) = *entry.kind else {
        return Err(Errno::Notdir.into());
    };
    check(path)?;
    let want_dir = oflags.contains(Oflags::DIRECTORY);
    if want_dir && oflags.contains(Oflags::CREAT) {
        // Directories are made with path_create_directory.
        return Err(Errno::Inval.into());
    }
    // Write access is what the requested rights ask for. A request the directory cannot grant
    // fails here rather than leaving a descriptor whose every write fails.
    let write = !want_dir && fs_rights_base.intersects(WRITE_ACCESS);
    if write && !granted.contains(fs_rights_base & WRITE_ACCESS) {
        return Err(Errno::Notcapable.into());
    }
    let read = fs_rights_base.intersects(Rights::FD_READ | Rights::FD_READDIR);
    let mut flags = open_flags(oflags, fdflags, read, write);
    let follow = dirflags.contains(Lookupflags::SYMLINK_FOLLOW);
    if !follow {
        flags |= OFlags::NOFOLLOW;
    }
    let mode = if oflags.contains(Oflags::CREAT) {
        Mode::from_bits_truncate(0o666)
    } else {
        Mode::empty()
    };
    let opened = if is_name(path) {
        // One component opened without following cannot leave the directory: the common
        // case costs one plain openat. A symbolic link there (ELOOP, or ENOTDIR with
        // O_DIRECTORY) is then followed by the full resolver if asked to.
        match rustix::fs::openat(dir, path, flags | OFlags::NOFOLLOW | OFlags::CLOEXEC, mode) {
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) if follow => {
                resolve(dir, path, flags, mode)?
            }
            r => r.map_err(Errno::from)?,
        }
    } else {
        resolve(dir, path, flags, mode)?
    };
    let file = File::from(opened);
    if want_dir && fs_rights_base.contains(Rights::FD_WRITE) {
        // Opened (so a missing path or a non-directory got its own errno): a directory
        // cannot be written, as Linux says of `open(dir, O_DIRECTORY | O_WRONLY)`.
        return Err(Errno::Isdir.into());
    }
    let filetype = if want_dir {
        Filetype::Directory
    } else {
        crate::host::fd::filetype_of(&file)
    };
    let inheriting = fs_rights_inheriting & granted;
    let new = if filetype == Filetype::Directory {
        FdEntry {
            kind: Kind::Dir(DirEntry {
                dir: cap_std::fs::Dir::from_std_file(file),
                listing: Default::default(),
                root,
            })
            .into(),
            rights: fs_rights_base & granted & DIR_RIGHTS,
            inheriting,
            flags: fdflags,
            preopen: None,
        }
    } else {
        let mut rights = fs_rights_base & granted & FILE_RIGHTS;
        let stream = match filetype {
            Filetype::SocketStream | Filetype::SocketDgram => true,
            // A terminal cannot seek, /dev/null can; asked only of character devices, so
            // opening a regular file costs no extra call.
            Filetype::CharacterDevice => !crate::host::fd::is_seekable(&file),
            _ => false,
        };
        if stream {
            // As for stdio: wasi-libc's isatty looks for a character device without these.
            rights.remove(Rights::FD_SEEK | Rights::FD_TELL);
        }
        FdEntry {
            kind: Kind::File(FileEntry::owned(file, filetype)).into(),
            rights,
            inheriting,
            flags: fdflags,
            preopen: None,
        }
    };
    Ok(ctx.table.insert(new)?)
}

pub(crate) fn readlink(
    ctx: &mut WasiCtx,
    fd: Fd,
    path: &str,
    mut buf: GuestBufMut<'_>,
) -> HostResult<Size> {
    let dir_entry = dir_of(&ctx.table, fd, Rights::PATH_READLINK)?;
    let dir = dir_entry.dir();
    let s = split(path)?;
    if s.slash || s.name == "." {
        // The path names a directory (if anything): resolve it for its errno, else EINVAL.
        resolve(dir, path, PATH_ONLY | OFlags::DIRECTORY, Mode::empty())?;
        return Err(Errno::Inval.into());
    }
    let at = parent(dir, &s)?;
    if buf.is_empty() {
        // readlink(2) rejects an empty buffer; preview1 reports how much fit: nothing.
        let mut probe = [0u8; 1];
        rustix::fs::readlinkat_raw(&at, s.name, &mut probe[..]).map_err(Errno::from)?;
        return Ok(0);
    }
    let mut result = Ok(());
    let n = buf.with_slice_mut(
        |bytes| match rustix::fs::readlinkat_raw(&at, s.name, bytes) {
            // The kernel truncates a long target to the buffer, as POSIX readlink does.
            Ok(n) => n,
            Err(e) => {
                result = Err(Errno::from(e));
                0
            }
        },
    );
    result?;
    Ok(n as Size)
}

pub(crate) fn remove_directory(ctx: &mut WasiCtx, fd: Fd, path: &str) -> HostResult<()> {
    let dir_entry = dir_of(&ctx.table, fd, Rights::PATH_REMOVE_DIRECTORY)?;
    let dir = dir_entry.dir();
    let s = split(path)?;
    let at = parent(dir, &s)?;
    if s.dotdot {
        // As Linux says for "x/..": a parent is never empty.
        return Err(Errno::Notempty.into());
    }
    rustix::fs::unlinkat(&at, s.name, AtFlags::REMOVEDIR).map_err(Errno::from)?;
    Ok(())
}

pub(crate) fn rename(
    ctx: &mut WasiCtx,
    fd: Fd,
    old_path: &str,
    new_fd: Fd,
    new_path: &str,
) -> HostResult<()> {
    let old_dir_entry = dir_of(&ctx.table, fd, Rights::PATH_RENAME_SOURCE)?;
    let old_dir = old_dir_entry.dir();
    let new_dir_entry = dir_of(&ctx.table, new_fd, Rights::PATH_RENAME_TARGET)?;
    let new_dir = new_dir_entry.dir();
    let (src, dst) = (split(old_path)?, split(new_path)?);
    let (src_at, dst_at) = (parent(old_dir, &src)?, parent(new_dir, &dst)?);
    if src.name == "." || dst.name == "." {
        return Err(Errno::Busy.into());
    }
    // A trailing slash on either side is only valid when a directory is renamed.
    if (src.slash || dst.slash) && !is_dir(&lstat(&src_at, src.name)?) {
        return Err(Errno::Notdir.into());
    }
    // renameat never follows either last component.
    rustix::fs::renameat(&src_at, src.name, &dst_at, dst.name).map_err(Errno::from)?;
    Ok(())
}

pub(crate) fn symlink(ctx: &mut WasiCtx, old_path: &str, fd: Fd, new_path: &str) -> HostResult<()> {
    let dir_entry = dir_of(&ctx.table, fd, Rights::PATH_SYMLINK)?;
    let dir = dir_entry.dir();
    // The target is stored as text, not resolved. A relative one may name anything; following
    // it later is what the sandbox checks.
    match old_path.as_bytes().first() {
        None => return Err(Errno::Noent.into()),
        _ if old_path.len() >= PATH_MAX => return Err(Errno::Nametoolong.into()),
        _ if old_path.as_bytes().contains(&0) => return Err(Errno::Inval.into()),
        _ => {}
    }
    let s = split(new_path)?;
    let at = parent(dir, &s)?;
    if old_path.starts_with('/') {
        // An absolute target could never be followed inside the sandbox (a descriptor has no
        // root): refused with EPERM, as by a filesystem without such links. Where the link
        // would go is checked first, so an escape there is still ENOTCAPABLE.
        return Err(Errno::Perm.into());
    }
    if s.name == "." {
        return Err(Errno::Exist.into());
    }
    if s.slash {
        // "y/" would have to be a directory, and a symbolic link is not one: an existing
        // name is EEXIST, a missing one ENOTDIR.
        return Err(match lstat(&at, s.name) {
            Ok(_) => Errno::Exist,
            Err(Errno::Noent) => Errno::Notdir,
            Err(e) => e,
        }
        .into());
    }
    rustix::fs::symlinkat(old_path, &at, s.name).map_err(Errno::from)?;
    Ok(())
}

pub(crate) fn unlink_file(ctx: &mut WasiCtx, fd: Fd, path: &str) -> HostResult<()> {
    let dir_entry = dir_of(&ctx.table, fd, Rights::PATH_UNLINK_FILE)?;
    let dir = dir_entry.dir();
    let s = split(path)?;
    let at = parent(dir, &s)?;
    if s.name == "." {
        return Err(Errno::Isdir.into());
    }
    if s.slash {
        let st = lstat(&at, s.name)?;
        return Err(if is_dir(&st) {
            Errno::Isdir
        } else {
            Errno::Notdir
        }
        .into());
    }
    match rustix::fs::unlinkat(&at, s.name, AtFlags::empty()) {
        Ok(()) => Ok(()),
        // Linux says EISDIR for a directory; other systems say EPERM.
        Err(rustix::io::Errno::PERM) if lstat(&at, s.name).is_ok_and(|st| is_dir(&st)) => {
            Err(Errno::Isdir.into())
        }
        Err(e) => Err(Errno::from(e).into()),
    }
}

#[cfg(test)]
#[path = "fs_tests.rs"]
mod tests;
