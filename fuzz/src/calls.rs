//! What the extensions (WasmEdge sockets, WASIX) need beyond preview1's machinery: which
//! signature of a name a module imports, the bounds that keep a call from waiting for ever in
//! a program with one thread, and the descriptors that must never block.
//!
//! Everything else about them (which argument is a descriptor, a string, a result pointer)
//! comes from their WITX, as for preview1 (`shape.rs`).

use std::os::fd::{AsRawFd, BorrowedFd};

use wasi_host::WasiCtx;
use wasi_host::link::ImportSpec;
use wasi_host::preview1::{Fd, Fdflags, Rights};
use wasmtime::Val;

use crate::guest::Layout;
use crate::rng::Rng;
use crate::shape::Shape;

/// For each module shape, the indexes (into `specs`) it imports. A module imports one
/// signature per name, so names with several variants (preview1's `sock_accept` beside
/// WasmEdge's version-1 one; WasmEdge's `sock_recv_from`, `sock_getlocaladdr` and
/// `sock_getpeeraddr` in versions 1 and 2) need one shape per variant: shape `k` takes the
/// `k`-th variant of every name (its last where it has fewer). Shape 0 holds the first
/// variants, the ones `add_to_linker` defines, so it is the only shape linked by name.
pub fn shapes(specs: &[&ImportSpec]) -> Vec<Vec<usize>> {
    let variants_of = |i: usize| -> Vec<usize> {
        let s = specs[i];
        (0..specs.len())
            .filter(|&j| (specs[j].module, specs[j].name) == (s.module, s.name))
            .collect()
    };
    let most = (0..specs.len())
        .map(|i| variants_of(i).len())
        .max()
        .unwrap_or(1);
    (0..most)
        .map(|k| {
            (0..specs.len())
                .filter(|&i| {
                    let variants = variants_of(i);
                    variants[k.min(variants.len() - 1)] == i
                })
                .collect()
        })
        .collect()
}

/// Makes a call of `spec` finish in bounded time in a program with one thread, where nobody
/// else can wake it: sleeps and futex waits get timeouts under a millisecond (an unbounded
/// one would wait as asked: not a host bug, and a hang for the fuzzer). Hostile values of
/// every other argument are kept.
pub fn bound(spec: &ImportSpec, args: &mut [Val], layout: &Layout, hostile: bool) {
    match (spec.module, spec.name, args) {
        // `thread_sleep(duration)`: sleeps in the kernel for that long.
        ("wasix_32v1", "thread_sleep", [Val::I64(ns), ..]) => *ns = (*ns as u64 % 1_000_000) as i64,
        // `futex_wait(futex, expected, timeout, ro_woken)`: without threads a changed word
        // returns at once, no timeout is `EDEADLK`, and a timeout is slept. The timeout is
        // the record the layout rewrites before every call (none, under 1 ms, or a bad tag),
        // or now and then a pointer past the end of memory.
        ("wasix_32v1", "futex_wait", [_, _, Val::I32(timeout), ..]) => {
            *timeout = if hostile {
                layout.past_end() as i32
            } else {
                layout.timeout() as i32
            }
        }
        _ => {}
    }
}

/// WASIX functions that are `ENOSYS` (or trap) by decision (`docs/wasix.md`): only their
/// argument checks run, so they are called a quarter as often, which leaves their share to
/// the functions with a body (52 of the 89 WASIX functions fuzzed are these).
pub fn by_decision_nosys(spec: &ImportSpec) -> bool {
    spec.module == "wasix_32v1"
        && (spec.name.starts_with("port_")
            || spec.name.starts_with("proc_exec")
            || spec.name.starts_with("proc_spawn")
            || spec.name.starts_with("proc_fork")
            || spec.name.starts_with("proc_signal")
            || spec.name.starts_with("epoll_")
            || spec.name.starts_with("closure_")
            || spec.name.starts_with("dl")
            || spec.name.contains("multicast")
            || matches!(
                spec.name,
                "proc_join"
                    | "proc_raise_interval"
                    | "proc_snapshot"
                    | "stack_checkpoint"
                    | "stack_restore"
                    | "sock_send_file"
                    | "path_open2"
                    | "fd_fdflags_get"
                    | "fd_fdflags_set"
                    | "clock_time_set"
                    | "call_dynamic"
                    | "reflect_signature"
                    | "thread_join"
                    | "thread_signal"
            ))
}

/// Points half the socket calls at a socket: the instance's listener (descriptor 5, when it
/// has one) or a descriptor an earlier call returned (an accepted connection, a socket pair).
/// Otherwise they would mostly get the preopen and answer `ENOTSOCK`, since no socket can be
/// opened with the network denied.
pub fn aim(spec: &ImportSpec, shapes: &[Shape], args: &mut [Val], rng: &mut Rng, open: &[u32]) {
    if spec.name.starts_with("sock_")
        && shapes.first() == Some(&Shape::Fd)
        && let Some(Val::I32(fd)) = args.first_mut()
        && rng.one_in(2)
    {
        *fd = match open {
            [] => 5,
            _ if rng.one_in(4) => 5,
            _ => *rng.pick(open) as i32,
        };
    }
}

/// Functions after which some descriptor may be a pipe, an event counter or a local socket
/// that blocks: they make one, copy or move one, or change a descriptor's flags.
pub fn may_unblock(spec: &ImportSpec) -> bool {
    matches!(
        spec.name,
        "fd_pipe"
            | "fd_event"
            | "sock_pair"
            | "fd_dup"
            | "fd_dup2"
            | "fd_renumber"
            | "fd_fdstat_set_flags"
            | "fd_fdflags_set"
    )
}

/// Marks every pipe, event counter and local socket of the guest `NONBLOCK`, as the guest
/// itself could with `fd_fdstat_set_flags`. With one thread, nobody writes the other end of a
/// pipe or socket pair or adds to a counter while a read waits, and nobody drains a full pipe
/// while a write waits: blocking there is what the guest asked for, for ever. The fuzzer
/// redoes it after any call that may have made or changed one, so the calls in between
/// still see every flag the guest set (a cleared `NONBLOCK` included) until then.
pub fn make_streams_nonblocking(ctx: &mut WasiCtx) {
    let mut descriptors = ctx.descriptors();
    for fd in (0..wasi_host::limits::FD_LIMIT).map(Fd) {
        let flags = match descriptors.get(fd, Rights::empty()) {
            Ok(d) if !d.flags().contains(Fdflags::NONBLOCK) => match d.as_fd() {
                Some(host) if blocks_forever(host) => d.flags() | Fdflags::NONBLOCK,
                _ => continue,
            },
            _ => continue,
        };
        // A refusal leaves the descriptor blocking; the watchdog then reports the hang.
        let _ = descriptors.set_flags(fd, flags);
    }
}

/// Whether `fd` is a pipe, an event counter or a Unix domain socket: something only another
/// thread of the program could make ready. (TCP sockets come from the instance's listener,
/// whose peers the watchdog provides.)
fn blocks_forever(fd: BorrowedFd<'_>) -> bool {
    let raw = fd.as_raw_fd();
    // SAFETY: `stat` and `sockaddr_storage` are plain data, all zeroes valid; `raw` stays open
    // while `fd` is borrowed.
    unsafe {
        let mut st: libc::stat = std::mem::zeroed();
        if libc::fstat(raw, &mut st) != 0 {
            return false;
        }
        match st.st_mode & libc::S_IFMT {
            libc::S_IFIFO => true,
            libc::S_IFSOCK => {
                let mut addr: libc::sockaddr_storage = std::mem::zeroed();
                let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
                libc::getsockname(raw, (&raw mut addr).cast(), &mut len) == 0
                    && i32::from(addr.ss_family) == libc::AF_UNIX
            }
            // An eventfd is an anonymous inode with no file type bits.
            0 => std::fs::read_link(format!("/proc/self/fd/{raw}"))
                .is_ok_and(|p| p.to_string_lossy().contains("eventfd")),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_import_each_variant_once_and_each_name_once() {
        let specs: Vec<&ImportSpec> = crate::SPECS.iter().flat_map(|s| s.iter()).collect();
        let shapes = shapes(&specs);
        assert!(shapes.len() >= 2, "sock_accept has two variants");
        for (i, spec) in specs.iter().enumerate() {
            assert!(shapes.iter().any(|s| s.contains(&i)), "{}", spec.function);
        }
        for shape in &shapes {
            let mut names: Vec<(&str, &str)> = shape
                .iter()
                .map(|&i| (specs[i].module, specs[i].name))
                .collect();
            let imported = names.len();
            names.sort();
            names.dedup();
            assert_eq!(names.len(), imported, "a name imported twice");
        }
        // Shape 0 has the first variant of each name: the one `add_to_linker` defines.
        let first = |i: usize| {
            specs[..i]
                .iter()
                .all(|o| (o.module, o.name) != (specs[i].module, specs[i].name))
        };
        let firsts: Vec<usize> = (0..specs.len()).filter(|&i| first(i)).collect();
        assert_eq!(shapes[0], firsts);
    }
}
