//! The hostcall fuzzer (`fuzz/`, `cargo xtask fuzz`) for a fixed number of calls from a fixed
//! seed, so `cargo test` runs it too: no panic, escape, oversized allocation, descriptor leak
//! or hang. Its own process, since it limits file sizes and counts descriptors process-wide.

use wasi_host_fuzz::alloc::CountingAlloc;
use wasi_host_fuzz::{Options, run};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[test]
fn twenty_thousand_calls_find_nothing() {
    let report = run(&Options::calls(0x5eed_0015, 20_000)).unwrap();
    println!("{report}");
    assert!(report.findings.is_empty(), "{report}");
    assert_eq!(report.calls, 20_000);
    // The run reached the host: every function was called, with arguments shaped by its WITX,
    // and most succeeded at least once.
    assert_eq!(report.functions.1, report.functions.0, "{report}");
    assert_eq!(report.shaped, report.functions.0, "{report}");
    assert!(report.succeeded > report.functions.0 / 2, "{report}");
    assert!(report.largest_allocation.is_some());
}
