//! Clocks: the context's [`Clock`](crate::Clock), by default the OS clocks through
//! `clock_gettime` (a vDSO call on Linux, no system call).

use rustix::time::{ClockId, Timespec};

use super::HostResult;
use crate::ctx::{Clock, SystemClock, WasiCtx};
use crate::preview1::{Clockid, Errno, Timestamp};

pub(crate) fn res_get(ctx: &mut WasiCtx, id: Clockid) -> HostResult<Timestamp> {
    Ok(ctx.clock.resolution(id)?)
}

pub(crate) fn time_get(
    ctx: &mut WasiCtx,
    id: Clockid,
    precision: Timestamp,
) -> HostResult<Timestamp> {
    Ok(ctx.clock.now(id, precision)?)
}

fn os_clock(id: Clockid) -> ClockId {
    match id {
        Clockid::Realtime => ClockId::Realtime,
        Clockid::Monotonic => ClockId::Monotonic,
        // The process's CPU time would include every other instance and the embedder's own
        // threads; the guest runs on the calling thread, whose time is its own (limits.md).
        Clockid::ProcessCputimeId => ClockId::ThreadCPUTime,
        Clockid::ThreadCputimeId => ClockId::ThreadCPUTime,
    }
}

/// Nanoseconds in `ts`; a time before 1970 or past the year 2554 does not fit a `u64`.
pub(crate) fn nanos(ts: Timespec) -> Result<Timestamp, Errno> {
    u64::try_from(ts.tv_sec)
        .ok()
        .and_then(|s| s.checked_mul(1_000_000_000))
        .and_then(|ns| ns.checked_add(u64::try_from(ts.tv_nsec).ok()?))
        .ok_or(Errno::Overflow)
}

impl Clock for SystemClock {
    fn resolution(&self, id: Clockid) -> Result<Timestamp, Errno> {
        nanos(rustix::time::clock_getres(os_clock(id)))
    }

    fn for_another_thread(&self) -> Option<Box<dyn Clock>> {
        Some(Box::new(SystemClock))
    }

    #[inline]
    fn now(&self, id: Clockid, _precision: Timestamp) -> Result<Timestamp, Errno> {
        nanos(rustix::time::clock_gettime(os_clock(id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nanos_rejects_what_a_timestamp_cannot_hold() {
        assert_eq!(
            nanos(Timespec {
                tv_sec: 2,
                tv_nsec: 5
            }),
            Ok(2_000_000_005)
        );
        assert_eq!(
            nanos(Timespec {
                tv_sec: -1,
                tv_nsec: 0
            }),
            Err(Errno::Overflow)
        );
        assert_eq!(
            nanos(Timespec {
                tv_sec: i64::MAX,
                tv_nsec: 0
            }),
            Err(Errno::Overflow)
        );
    }

    #[test]
    fn system_clocks_tick_and_have_a_resolution() {
        let clock = SystemClock;
        for id in Clockid::ALL {
            assert!(clock.resolution(id).unwrap() > 0, "{id:?}");
        }
        let a = clock.now(Clockid::Monotonic, 0).unwrap();
        let b = clock.now(Clockid::Monotonic, 0).unwrap();
        assert!(b >= a);
        // Realtime is after 2020-01-01.
        assert!(clock.now(Clockid::Realtime, 0).unwrap() > 1_577_836_800_000_000_000);
    }

    /// Issue 15: the process CPU-time clock does not reveal work done on other threads (other
    /// instances, the embedder).
    #[test]
    fn process_cpu_time_is_the_calling_threads() {
        let clock = SystemClock;
        let before = clock.now(Clockid::ProcessCputimeId, 0).unwrap();
        std::thread::spawn(|| {
            let t = std::time::Instant::now();
            let mut x = 0u64;
            while t.elapsed() < std::time::Duration::from_millis(300) {
                x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(1));
            }
        })
        .join()
        .unwrap();
        let after = clock.now(Clockid::ProcessCputimeId, 0).unwrap();
        // The other thread burnt ~300 ms; this one mostly waited for it.
        assert!(after - before < 150_000_000, "{} ns", after - before);
    }
}
