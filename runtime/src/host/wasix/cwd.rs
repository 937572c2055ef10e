//! The working directory (`getcwd`, `chdir`): a guest path, kept per program, that always
//! names a directory inside a preopen. It is resolved lexically (`.` and `..` folded, never
//! above `/`) and checked through the preopen's sandboxed resolver, so it cannot leave the
//! preopens and `getcwd` never shows a host path.
//!
//! Preview1's path calls stay relative to their descriptor: the working directory changes
//! nothing for them. A WASIX libc resolves relative paths against `getcwd` itself, finding
//! the preopen that holds the result, as wasi-libc does for its own working directory.

use super::R;
use crate::ctx::WasiCtx;
use crate::guest::GuestPtr;
use crate::preview1::{Errno, Fd, Filetype, Lookupflags, Rights, Size};

/// The longest working directory kept, in bytes.
const PATH_MAX: usize = 4096;

/// `/`-separated components of `path` appended to `base`, with `.` and `..` folded (`..`
/// stops at the root).
fn fold<'a>(base: &mut Vec<&'a str>, path: &'a str) {
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                base.pop();
            }
            c => base.push(c),
        }
    }
}

/// The absolute form of a preopen's guest name (`.` and `sandbox` both count from `/`).
fn preopen_components(name: &str) -> Vec<&str> {
    let mut c = Vec::new();
    fold(&mut c, name);
    c
}

/// The open preopen whose name is the longest prefix of `target`, and the rest of the path.
fn find_preopen(ctx: &WasiCtx, target: &[&str]) -> Option<(Fd, usize)> {
    let mut best: Option<(Fd, usize)> = None;
    for n in 0..ctx.table.limit() {
        let fd = Fd(n);
        let Ok(entry) = ctx.table.get(fd, Rights::empty()) else {
            continue;
        };
        let Some(name) = &entry.preopen else {
            continue;
        };
        let prefix = preopen_components(name);
        if target.starts_with(&prefix) && best.is_none_or(|(_, len)| prefix.len() > len) {
            best = Some((fd, prefix.len()));
        }
    }
    best
}

/// `chdir`: `ENOENT` for a path outside every preopen or missing, `ENOTDIR` for a file;
/// leaving a preopen through a symbolic link is `ENOTCAPABLE`, as for `path_open`.
pub(crate) fn chdir(ctx: &mut WasiCtx, path: &str) -> R<()> {
    if path.is_empty() {
        return Err(Errno::Noent.into());
    }
    if path.len() > PATH_MAX {
        return Err(Errno::Nametoolong.into());
    }
    let cwd = ctx.wasix.lock().cwd.clone();
    let mut target = Vec::new();
    if !path.starts_with('/') {
        fold(&mut target, &cwd);
    }
    fold(&mut target, path);
    let joined = format!("/{}", target.join("/"));
    if joined.len() > PATH_MAX {
        return Err(Errno::Nametoolong.into());
    }
    let (dir, skip) = find_preopen(ctx, &target).ok_or(Errno::Noent)?;
    if skip < target.len() {
        let rest = target[skip..].join("/");
        let stat = crate::host::path::filestat_get(ctx, dir, Lookupflags::SYMLINK_FOLLOW, &rest)?;
        if stat.filetype != Filetype::Directory {
            return Err(Errno::Notdir.into());
        }
    }
    ctx.wasix.lock().cwd = joined;
    Ok(())
}

/// `getcwd`: writes the length (without a terminating zero) to `len`, then, if the buffer
/// of `*len` bytes holds it, the path and a zero when there is room; else `ERANGE`.
pub(crate) fn getcwd(ctx: &mut WasiCtx, buf: GuestPtr<'_, u8>, len: GuestPtr<'_, Size>) -> R<()> {
    if buf.addr() == 0 {
        return Err(Errno::Inval.into());
    }
    let room = len.read()? as usize;
    let cwd = ctx.wasix.lock().cwd.clone();
    let cwd = cwd.as_bytes();
    let needed = Size::try_from(cwd.len()).map_err(|_| Errno::Range)?;
    len.write(&needed)?;
    if room < cwd.len() {
        return Err(Errno::Range.into());
    }
    buf.write_bytes(cwd)?;
    if room > cwd.len() {
        buf.add(needed)?.write_bytes(&[0])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(base: &str, path: &str) -> String {
        let mut c = Vec::new();
        fold(&mut c, base);
        fold(&mut c, path);
        format!("/{}", c.join("/"))
    }

    #[test]
    fn paths_fold_without_rising_above_the_root() {
        assert_eq!(folded("/", "a/./b//c/.."), "/a/b");
        assert_eq!(folded("/a", "../../.."), "/");
        assert_eq!(folded("/a/b", "../c"), "/a/c");
        assert_eq!(preopen_components("."), Vec::<&str>::new());
        assert_eq!(preopen_components("./sandbox/"), vec!["sandbox"]);
    }
}
