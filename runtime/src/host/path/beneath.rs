//! The two resolvers behind [`resolve`](super::resolve): `openat2(RESOLVE_BENEATH)`, and the
//! component-by-component walk for hosts without it.

use super::*;

/// `openat2(RESOLVE_BENEATH)`: the kernel walks the whole path and refuses to leave `dir`
/// (with `EXDEV`), which also holds against renames racing the walk. `None` when the
/// kernel lacks it (before 5.6) or a seccomp filter hides it.
#[cfg(target_os = "linux")]
pub(super) fn openat2(
    dir: &cap_std::fs::Dir,
    path: &str,
    flags: OFlags,
    mode: Mode,
) -> Option<Result<OwnedFd, Errno>> {
    use std::sync::atomic::{AtomicBool, Ordering::Relaxed};

    use rustix::fs::ResolveFlags;
    use rustix::io::Errno as E;

    static MISSING: AtomicBool = AtomicBool::new(false);
    if MISSING.load(Relaxed) || tests::fallback_forced() {
        return None;
    }
    // EAGAIN means a rename somewhere on the host raced the walk; a few retries, then the
    // resolver that does not care.
    for _ in 0..4 {
        match rustix::fs::openat2(
            dir,
            path,
            flags | OFlags::CLOEXEC,
            mode,
            ResolveFlags::BENEATH | ResolveFlags::NO_MAGICLINKS,
        ) {
            Ok(fd) => return Some(Ok(fd)),
            Err(E::AGAIN) => continue,
            Err(E::XDEV) => return Some(Err(Errno::Notcapable)),
            Err(E::NOSYS) => {
                MISSING.store(true, Relaxed);
                return None;
            }
            // Some seccomp profiles answer EPERM for syscalls they do not know; the other
            // resolver then reports a real EPERM itself.
            Err(E::PERM) => return None,
            Err(e) => return Some(Err(Errno::from(e))),
        }
    }
    None
}

/// The most symbolic links one resolution follows, as Linux's `MAXSYMLINKS`.
const MAX_LINKS: u32 = 40;
/// How often one resolution looks at a component again after it changed under the walk.
const MAX_RETRIES: u32 = 4;

/// The resolver for hosts without `openat2`: one component at a time, each opened with
/// `O_NOFOLLOW` beneath the previous one, symbolic links read and expanded here, `..`
/// going back to the directory the walk came from and never above `dir`. It answers as
/// `openat2(RESOLVE_BENEATH)` does: `ENOTCAPABLE` for a `..` above `dir` or an absolute
/// link, `ELOOP` past [`MAX_LINKS`], the kernel's errno otherwise.
///
/// (cap-std's public `open` cannot serve here: on Linux it calls `openat2` itself and only
/// falls back where `openat2` is missing, so its fallback can neither be tested on a
/// kernel that has it nor be relied on to answer like ours.)
///
/// Memory is bounded by the path (at most `PATH_MAX`) plus the link targets followed
/// (at most `MAX_LINKS` of `PATH_MAX` each).
pub(super) fn walk(
    dir: &cap_std::fs::Dir,
    path: &str,
    flags: OFlags,
    mode: Mode,
) -> Result<OwnedFd, Errno> {
    use rustix::io::Errno as E;

    /// What the open of one component found.
    enum Step {
        /// A directory to go on from.
        Down(OwnedFd),
        /// Perhaps a symbolic link; if not, the open's errno.
        Link(E),
    }

    // Directories below `dir` the walk has entered; `..` pops one.
    let mut stack: smallvec::SmallVec<[OwnedFd; 8]> = smallvec::SmallVec::new();
    // What is left to resolve, from `pos`; a followed link's target is put in front.
    let mut left: Vec<u8> = Vec::new();
    left.try_reserve(path.len()).map_err(|_| Errno::Nomem)?;
    left.extend_from_slice(path.as_bytes());
    let mut pos = 0;
    let mut links = 0u32;
    let mut retries = 0u32;
    let mut target = [0u8; PATH_MAX];
    loop {
        let (end, next, has_slash) = match left[pos..].iter().position(|&b| b == b'/') {
            Some(i) => (pos + i, pos + i + 1, true),
            None => (left.len(), left.len(), false),
        };
        // The last component: nothing but slashes after it. A trailing slash makes it a
        // directory, followed even with O_NOFOLLOW, as the kernel does.
        let last = left[next..].iter().all(|&b| b == b'/');
        let slash = last && has_slash;
        match &left[pos..end] {
            b"" | b"." => {}
            b".." => {
                if stack.pop().is_none() {
                    return Err(Errno::Notcapable);
                }
            }
            _ => {
                let cur = match stack.last() {
                    Some(fd) => fd.as_fd(),
                    None => dir.as_fd(),
                };
                let name = &left[pos..end];
                let step = if last {
                    let follow = slash || !flags.contains(OFlags::NOFOLLOW);
                    let mut f = flags | OFlags::NOFOLLOW | OFlags::CLOEXEC;
                    if slash {
                        f |= OFlags::DIRECTORY;
                    }
                    match rustix::fs::openat(cur, name, f, mode) {
                        // O_PATH | O_NOFOLLOW opens a link itself: follow it if asked.
                        Ok(fd) if follow && flags.contains(PATH_ONLY) && is_link_fd(&fd) => {
                            Step::Link(E::LOOP)
                        }
                        Ok(fd) => return Ok(fd),
                        Err(e @ (E::LOOP | E::NOTDIR | E::MLINK)) if follow => Step::Link(e),
                        Err(e) => return Err(Errno::from(e)),
                    }
                } else {
                    let f = PATH_ONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
                    match rustix::fs::openat(cur, name, f, Mode::empty()) {
                        Ok(fd) => Step::Down(fd),
                        Err(e @ (E::LOOP | E::NOTDIR | E::MLINK)) => Step::Link(e),
                        Err(e) => return Err(Errno::from(e)),
                    }
                };
                let failed = match step {
                    Step::Down(fd) => {
                        stack.push(fd);
                        pos = next;
                        continue;
                    }
                    Step::Link(e) => e,
                };
                let n = match rustix::fs::readlinkat_raw(cur, name, &mut target[..]) {
                    Ok(n) => n,
                    // Not a link: the open's own answer, unless the name was swapped
                    // between the two calls (it is a directory or a link now), which
                    // is tried again a few times, as `openat2` does after `EAGAIN`.
                    Err(E::INVAL) => {
                        let swapped = rustix::fs::statat(cur, name, AtFlags::SYMLINK_NOFOLLOW)
                            .is_ok_and(|st| is_dir(&st) || is_symlink(&st));
                        if swapped && retries < MAX_RETRIES {
                            retries += 1;
                            continue;
                        }
                        return Err(Errno::from(failed));
                    }
                    Err(e) => return Err(Errno::from(e)),
                };
                if n >= PATH_MAX {
                    return Err(Errno::Nametoolong);
                }
                links += 1;
                if links > MAX_LINKS {
                    return Err(Errno::Loop);
                }
                if n == 0 {
                    return Err(Errno::Noent);
                }
                if target[0] == b'/' {
                    // An absolute link has no meaning beneath a directory.
                    return Err(Errno::Notcapable);
                }
                // The target, then whatever followed the link (a trailing slash included).
                let rest = &left[end..];
                let mut joined = Vec::new();
                joined
                    .try_reserve(n + rest.len())
                    .map_err(|_| Errno::Nomem)?;
                joined.extend_from_slice(&target[..n]);
                joined.extend_from_slice(rest);
                left = joined;
                pos = 0;
                continue;
            }
        }
        if last {
            // The path ends at a directory already reached ("a/.", "a/..", ".").
            let cur = match stack.last() {
                Some(fd) => fd.as_fd(),
                None => dir.as_fd(),
            };
            return rustix::fs::openat(cur, ".", flags | OFlags::CLOEXEC, mode)
                .map_err(Errno::from);
        }
        pos = next;
    }
}

/// Whether an `O_PATH` descriptor is of a symbolic link itself.
fn is_link_fd(fd: &OwnedFd) -> bool {
    rustix::fs::fstat(fd).is_ok_and(|st| is_symlink(&st))
}

/// Lets a test run the fallback resolver ([`walk`]) on its own thread, where the kernel
/// has `openat2`: the filesystem tests run under both (`fs_tests.rs`).
pub(super) mod tests {
    #[cfg(test)]
    thread_local! {
        pub(crate) static FORCE_FALLBACK: std::cell::Cell<bool> =
            const { std::cell::Cell::new(false) };
    }

    #[inline]
    #[allow(dead_code)]
    pub(crate) fn fallback_forced() -> bool {
        #[cfg(test)]
        return FORCE_FALLBACK.with(|f| f.get());
        #[cfg(not(test))]
        false
    }
}
