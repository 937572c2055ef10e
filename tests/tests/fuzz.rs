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
    // The run reached the host: every function was called, with arguments shaped by its WITX.
    assert_eq!(report.functions.1, report.functions.0, "{report}");
    assert_eq!(report.shaped, report.functions.0, "{report}");
    // Preview1, WasmEdge's sockets, `epoll_oneoff` and WASIX were all fuzzed. Most preview1
    // functions succeeded at least once; of the extensions' many are ENOSYS by design or need
    // the network the fuzzer keeps denied, but some of each succeeded (past decoding, into
    // the host's own code).
    let names: Vec<&str> = report.per_spec.iter().map(|s| s.name).collect();
    let expected = [
        "wasi_snapshot_preview1",
        "wasmedge_sockets",
        "epoll_oneoff",
        "wasix_32v1",
    ];
    assert_eq!(names, expected, "{report}");
    let preview1 = &report.per_spec[0];
    assert!(preview1.succeeded > preview1.functions / 2, "{report}");
    for spec in &report.per_spec {
        assert!(spec.succeeded > 0, "{report}");
    }
    assert!(report.largest_allocation.is_some());
}
