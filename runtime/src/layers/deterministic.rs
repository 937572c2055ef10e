//! Reproducible runs: a virtual clock and a seeded random source. With both (and the same
//! arguments, environment, files and input) a program prints the same bytes every run.
//!
//! ```
//! let mut b = wasi_host::WasiCtx::builder();
//! wasi_host::layers::deterministic::apply(&mut b, 42);
//! ```

use std::sync::atomic::{AtomicU64, Ordering};

use crate::WasiCtxBuilder;
use crate::ctx::{Clock, RandomSource};
use crate::preview1::{Clockid, Errno, Timestamp};

/// The realtime clock's start by default: 2025-01-01T00:00:00Z, in nanoseconds.
pub const DEFAULT_EPOCH: Timestamp = 1_735_689_600_000_000_000;

/// A clock that only moves when read: every read of any clock advances one shared counter by
/// `step`, so each read is later than the one before, and realtime is always `start` plus
/// the monotonic time (the two never disagree about elapsed time).
#[derive(Debug)]
pub struct VirtualClock {
    start: Timestamp,
    step: Timestamp,
    elapsed: AtomicU64,
}

impl VirtualClock {
    /// Realtime starts at `start` (nanoseconds since the Unix epoch); each read advances
    /// every clock by `step` nanoseconds (at least 1).
    pub fn new(start: Timestamp, step: Timestamp) -> Self {
        VirtualClock {
            start,
            step: step.max(1),
            elapsed: AtomicU64::new(0),
        }
    }
}

impl Default for VirtualClock {
    /// From [`DEFAULT_EPOCH`], one microsecond per read.
    fn default() -> Self {
        VirtualClock::new(DEFAULT_EPOCH, 1_000)
    }
}

impl Clock for VirtualClock {
    fn resolution(&self, _id: Clockid) -> Result<Timestamp, Errno> {
        Ok(self.step)
    }

    fn now(&self, id: Clockid, _precision: Timestamp) -> Result<Timestamp, Errno> {
        let elapsed = self
            .elapsed
            .fetch_add(self.step, Ordering::Relaxed)
            .wrapping_add(self.step);
        Ok(match id {
            Clockid::Realtime => self.start.wrapping_add(elapsed),
            Clockid::Monotonic | Clockid::ProcessCputimeId | Clockid::ThreadCputimeId => elapsed,
        })
    }
}

/// Pseudo-random bytes from a 64-bit seed (SplitMix64: a counter stepped by an odd constant,
/// each value mixed by two multiply-xorshift rounds). Not for secrets: it exists to repeat.
#[derive(Debug, Clone)]
pub struct SeededRandom {
    state: u64,
}

impl SeededRandom {
    /// The sequence for `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRandom { state: seed }
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl RandomSource for SeededRandom {
    fn fill(&mut self, buf: &mut [u8]) -> Result<(), Errno> {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
        Ok(())
    }
}

/// Gives `builder` a [`VirtualClock::default`] and a [`SeededRandom`] of `seed`.
pub fn apply(builder: &mut WasiCtxBuilder, seed: u64) -> &mut WasiCtxBuilder {
    builder
        .clock(VirtualClock::default())
        .random(SeededRandom::new(seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_step_together_per_read() {
        let c = VirtualClock::new(1_000_000, 10);
        assert_eq!(c.now(Clockid::Monotonic, 0), Ok(10));
        assert_eq!(c.now(Clockid::Realtime, 0), Ok(1_000_020));
        assert_eq!(c.now(Clockid::Monotonic, 0), Ok(30));
        assert_eq!(c.resolution(Clockid::Realtime), Ok(10));
        // A zero step would stand still: it is raised to one.
        let still = VirtualClock::new(0, 0);
        assert!(
            still.now(Clockid::Monotonic, 0).unwrap() < still.now(Clockid::Monotonic, 0).unwrap()
        );
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let bytes = |seed, n| {
            let mut r = SeededRandom::new(seed);
            let mut v = vec![0u8; n];
            r.fill(&mut v).unwrap();
            v
        };
        assert_eq!(bytes(7, 37), bytes(7, 37));
        assert_ne!(bytes(7, 37), bytes(8, 37));
        // Not all one byte: the generator actually mixes.
        let v = bytes(0, 64);
        assert!(v.iter().any(|&b| b != v[0]));
        // The known first output of SplitMix64 for seed 0.
        assert_eq!(&bytes(0, 8), &0xe220_a839_7b1d_cdafu64.to_le_bytes());
    }
}
