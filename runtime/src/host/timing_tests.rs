//! A timing report of the hot calls on the host side (not a check): `cargo test --release -p
//! wasi-host --lib timing -- --ignored --nocapture`. Compare two builds on the same machine.

use std::hint::black_box;
use std::time::Instant;

use crate::ctx::Stdio;
use crate::host::fd::testing::{DATA, Mem, ctx};
use crate::host::{args, clock, fd};
use crate::preview1::*;

#[test]
#[ignore = "timing report, not a check"]
fn hot_call_timing() {
    let n = 2_000_000u32;
    let mut ctx = ctx(Stdio::Null, Stdio::Null);
    let mut m = Mem::new();
    m.put(DATA, b"x");
    let report = |what: &str, f: &mut dyn FnMut()| {
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            for _ in 0..n {
                f();
            }
            best = best.min(t.elapsed().as_nanos() as f64 / f64::from(n));
        }
        eprintln!("{what}: {best:.1} ns (best of 5 x {n})");
    };
    report("fd_write 1 B to /dev/null (stdio)", &mut || {
        let iovs = m.iovecs(&[(DATA, 1)]);
        black_box(fd::write(&mut ctx, Fd(1), iovs).unwrap());
    });
    let mut m = Mem::new();
    report("fd_read 1 B from /dev/null (stdio)", &mut || {
        let iovs = m.iovecs_mut(&[(DATA, 1)]);
        black_box(fd::read(&mut ctx, Fd(0), iovs).unwrap());
    });
    report("fd_tell (stdio /dev/null)", &mut || {
        black_box(fd::tell(&mut ctx, Fd(0)).unwrap());
    });
    report("clock_time_get(monotonic)", &mut || {
        black_box(clock::time_get(&mut ctx, Clockid::Monotonic, 0).unwrap());
    });
    report("args_sizes_get", &mut || {
        black_box(args::sizes_get(&mut ctx).unwrap());
    });
}
