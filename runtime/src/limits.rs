//! Every bound on what one guest call can make the host allocate or do, in one place.
//! `docs/limits.md` lists them with the reasons; a guest argument past a bound gets an errno,
//! never a host allocation of its size.

use std::sync::atomic::{AtomicU32, Ordering};

/// The longest path (or `path_symlink` target) a path call accepts, in bytes, terminator
/// included, as Linux's `PATH_MAX`: a path of `PATH_MAX` bytes or more is `ENAMETOOLONG`,
/// checked before the host copies or converts it.
pub const PATH_MAX: usize = 4096;

/// `poll_oneoff` accepts at most this many subscriptions, or twice the instance's descriptor
/// limit if that is more (one read and one write subscription per descriptor); more is
/// `EINVAL`, as `poll(2)` says for more descriptors than `RLIMIT_NOFILE`. The host keeps about
/// 100 bytes per subscription for the duration of the call.
pub const POLL_SUBSCRIPTIONS: usize = 4096;

/// The number of descriptors an instance may hold open by default (stdio and preopens
/// included); `WasiCtxBuilder::fd_limit` changes it.
pub const FD_LIMIT: u32 = 1024;

/// The longest iovec list a read or write accepts (Linux's `IOV_MAX`); longer is `EINVAL`.
/// Enforced by the bindings.
pub const IOV_MAX: u32 = crate::guest::IOV_MAX;

/// The most bytes of shared guest memory copied through a host buffer at once; longer
/// transfers are short reads and writes. Enforced by the guest-memory views.
pub const SHARED_MEMORY_CHUNK: usize = crate::guest::BUFFER_CHUNK;

/// The most bytes one read or write moves (Linux's own per-call cap, `MAX_RW_COUNT`).
pub const MAX_IO: usize = 0x7fff_f000;

/// A non-blocking write to a standard stream whose host description is blocking (see
/// `docs/descriptors.md`) moves at most this many bytes, which a pipe reported writable
/// takes without blocking (`PIPE_BUF` on Linux).
pub const EMULATED_NONBLOCK_WRITE: usize = 4096;

/// The poll set for a `poll_oneoff` call: how many subscriptions `fd_limit` allows.
#[inline]
pub(crate) fn poll_subscriptions(fd_limit: u32) -> usize {
    POLL_SUBSCRIPTIONS.max((fd_limit as usize).saturating_mul(2))
}

/// Descriptors open in every instance of this process together.
static PROCESS_OPEN: AtomicU32 = AtomicU32::new(0);
/// The most [`PROCESS_OPEN`] may reach (`u32::MAX`: no budget).
static PROCESS_BUDGET: AtomicU32 = AtomicU32::new(u32::MAX);

/// Sets a budget of guest descriptors shared by every instance in this process (`None`: no
/// budget, the default). Past it, opens fail with `EMFILE` in whichever instance asks, so that
/// many instances cannot together exhaust the host's `RLIMIT_NOFILE` (each guest descriptor
/// holds one host descriptor). Descriptors already open stay open.
pub fn set_process_descriptor_budget(budget: Option<u32>) {
    PROCESS_BUDGET.store(budget.unwrap_or(u32::MAX), Ordering::Relaxed);
}

/// Guest descriptors open in every instance of this process.
pub fn process_descriptors_open() -> u32 {
    PROCESS_OPEN.load(Ordering::Relaxed)
}

/// Takes one descriptor from the process budget; `false` when it is spent.
#[inline]
pub(crate) fn take_process_descriptor() -> bool {
    let budget = PROCESS_BUDGET.load(Ordering::Relaxed);
    PROCESS_OPEN
        .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
            (n < budget).then_some(n + 1)
        })
        .is_ok()
}

/// Gives `n` descriptors back to the process budget.
#[inline]
pub(crate) fn release_process_descriptors(n: u32) {
    PROCESS_OPEN.fetch_sub(n, Ordering::Relaxed);
}
