//! The generated marshalling, driven by `.wat` guests: round trips through a small host, and
//! every kind of bad input with the errno or trap `docs/guest-memory.md` promises.
//!
//! Rules under test: a range outside memory (or wrapping past 2^32) is `EFAULT`; an undefined
//! enum value or flag bit is `EINVAL`; a non-UTF-8 string is `EILSEQ`; a misaligned pointer to a
//! multi-byte type traps; result pointers are checked before the host runs.

use wasi_host::preview1::Errno;
use wasi_host_tests::{Guest, exit_status};

fn assert_misaligned_trap(message: &str, function: &str) {
    assert!(
        message.contains(function) && message.contains("not aligned"),
        "expected a misalignment trap from {function}, got: {message}"
    );
}

#[test]
fn args_round_trip() {
    let mut g = Guest::new("args", |h| {
        h.args = vec!["prog".into(), "--flag".into(), "".into()]
    });
    assert_eq!(g.errno("sizes"), Errno::Success);
    assert_eq!(g.u32_at(0), 3);
    assert_eq!(g.u32_at(4), 5 + 7 + 1);
    assert_eq!(g.errno("get"), Errno::Success);
    let (a0, a1, a2) = (g.u32_at(64), g.u32_at(68), g.u32_at(72));
    assert_eq!((a0, a1, a2), (256, 261, 268));
    assert_eq!(g.mem(256, 13), b"prog\0--flag\0\0");
}

#[test]
fn args_bad_pointers() {
    let mut g = Guest::new("args", |h| h.args = vec!["alpha".into(), "beta".into()]);
    assert_eq!(g.errno("argv_oob"), Errno::Fault);
    assert_eq!(g.errno("argv_wrap"), Errno::Fault);
    assert_eq!(g.errno("buf_oob"), Errno::Fault);
    assert_eq!(g.errno("sizes_out_oob"), Errno::Fault);
    assert_misaligned_trap(&g.trap("argv_misaligned"), "args_get");
    assert_misaligned_trap(&g.trap("sizes_out_misaligned"), "args_sizes_get");
}

#[test]
fn fd_write_round_trip() {
    let mut g = Guest::new("fd_write", |_| {});
    assert_eq!(g.errno("ok"), Errno::Success);
    assert_eq!(g.host().stdout, b"hello world!");
    assert_eq!(g.u32_at(128), 12);
    assert_eq!(g.errno("empty"), Errno::Success);
    assert_eq!(g.u32_at(128), 0);
    assert_eq!(g.host().log, ["fd_write 2 bufs", "fd_write 0 bufs"]);
}

#[test]
fn fd_write_host_errno_leaves_result_alone() {
    let mut g = Guest::new("fd_write", |_| {});
    assert_eq!(g.errno("badf"), Errno::Badf);
    assert_eq!(g.u32_at(128), 0);
}

#[test]
fn fd_write_bad_inputs() {
    let mut g = Guest::new("fd_write", |_| {});
    assert_eq!(g.errno("iovs_oob"), Errno::Fault);
    assert_eq!(g.errno("iovs_wrap"), Errno::Fault);
    assert_eq!(g.errno("iovs_too_many"), Errno::Inval);
    assert_eq!(g.errno("buf_oob"), Errno::Fault);
    assert_eq!(g.errno("buf_wrap"), Errno::Fault);
    assert_eq!(g.errno("out_oob"), Errno::Fault);
    assert_misaligned_trap(&g.trap("iovs_misaligned"), "fd_write");
    assert_misaligned_trap(&g.trap("out_misaligned"), "fd_write");
    // None of these reached the host: nothing was written anywhere.
    assert!(g.host().stdout.is_empty());
    assert!(g.host().log.is_empty());
}

#[test]
fn fd_read_round_trip() {
    let mut g = Guest::new("fd_read", |h| h.stdin = b"abcdefghijklmnop".to_vec());
    assert_eq!(g.errno("ok"), Errno::Success);
    assert_eq!(g.u32_at(128), 12);
    assert_eq!(g.mem(256, 4), b"abcd");
    assert_eq!(g.mem(300, 8), b"efghijkl");
    assert_eq!(g.host().stdin, b"mnop");
}

#[test]
fn fd_read_overlapping_iovecs_fill_in_order() {
    let mut g = Guest::new("fd_read", |h| h.stdin = b"abcdefghijkl".to_vec());
    assert_eq!(g.errno("overlap"), Errno::Success);
    assert_eq!(g.u32_at(128), 12);
    // The second iovec (402..408) is filled after the first (400..406) and overwrites it.
    assert_eq!(g.mem(400, 8), b"abghijkl");
}

#[test]
fn fd_read_bad_inputs_consume_nothing() {
    let mut g = Guest::new("fd_read", |h| h.stdin = b"data".to_vec());
    assert_eq!(g.errno("buf_oob"), Errno::Fault);
    assert_eq!(g.errno("iovs_wrap"), Errno::Fault);
    assert_eq!(g.errno("out_oob"), Errno::Fault);
    assert_misaligned_trap(&g.trap("iovs_misaligned"), "fd_read");
    // The out-pointer is checked first, so no input was lost to a result that could not be stored.
    assert_eq!(g.host().stdin, b"data");
}

#[test]
fn path_open_decodes_every_argument() {
    let mut g = Guest::new("path_open", |_| {});
    assert_eq!(g.errno("ok"), Errno::Success);
    assert_eq!(g.u32_at(128), 7);
    assert_eq!(
        g.host().log,
        [
            "path_open fd=3 dirflags=0x1 path=\"dir/file.txt\" oflags=0x9 base=0x3 inheriting=0x0 fdflags=0x1"
        ]
    );
    assert_eq!(g.errno("noent"), Errno::Noent);
}

#[test]
fn path_open_bad_inputs() {
    let mut g = Guest::new("path_open", |_| {});
    assert_eq!(g.errno("bad_utf8"), Errno::Ilseq);
    assert_eq!(g.errno("path_oob"), Errno::Fault);
    assert_eq!(g.errno("path_wrap"), Errno::Fault);
    assert_eq!(g.errno("bad_oflags"), Errno::Inval);
    assert_eq!(g.errno("wide_oflags"), Errno::Inval);
    assert_eq!(g.errno("bad_dirflags"), Errno::Inval);
    assert_eq!(g.errno("bad_rights"), Errno::Inval);
    assert_eq!(g.errno("bad_inheriting"), Errno::Inval);
    assert_eq!(g.errno("bad_fdflags"), Errno::Inval);
    assert_eq!(g.errno("out_oob"), Errno::Fault);
    assert_misaligned_trap(&g.trap("out_misaligned"), "path_open");
    assert!(g.host().log.is_empty(), "the host ran: {:?}", g.host().log);
}

#[test]
fn fd_readdir_listing_and_truncation() {
    let names = ["a.txt", "bee", "c"];
    let mut g = Guest::new("fd_readdir", |h| {
        h.dir = names.iter().map(|s| s.to_string()).collect()
    });
    assert_eq!(g.errno("ok"), Errno::Success);
    let used = g.u32_at(128) as usize;
    assert_eq!(used, 3 * 24 + 5 + 3 + 1);
    // First entry: d_next 1, d_ino 1000, d_namlen 5, d_type regular_file (4), then the name.
    assert_eq!(g.u64_at(1024), 1);
    assert_eq!(g.u64_at(1032), 1000);
    assert_eq!(g.u32_at(1040), 5);
    assert_eq!(g.mem(1044, 1), [4]);
    assert_eq!(g.mem(1048, 5), b"a.txt");
    // Second entry starts right after the first name.
    assert_eq!(g.u64_at(1053), 2);
    assert_eq!(g.mem(1053 + 24, 3), b"bee");

    assert_eq!(g.errno("truncated"), Errno::Success);
    assert_eq!(g.u32_at(128), 30, "a full buffer says there may be more");

    assert_eq!(g.errno("cookie"), Errno::Success);
    assert_eq!(g.u64_at(1024), 2, "listing resumes after cookie 1");
    assert_eq!(g.mem(1048, 3), b"bee");
}

#[test]
fn fd_readdir_bad_inputs() {
    let mut g = Guest::new("fd_readdir", |h| h.dir = vec!["x".into()]);
    assert_eq!(g.errno("badf"), Errno::Badf);
    assert_eq!(g.errno("buf_oob"), Errno::Fault);
    assert_eq!(g.errno("buf_wrap"), Errno::Fault);
    assert_misaligned_trap(&g.trap("out_misaligned"), "fd_readdir");
}

#[test]
fn poll_oneoff_round_trip() {
    let mut g = Guest::new("poll_oneoff", |_| {});
    assert_eq!(g.errno("ok"), Errno::Success);
    assert_eq!(g.u32_at(128), 2);
    assert_eq!(
        g.host().log,
        ["poll clock monotonic 5000 0x1", "poll fd_read 0"]
    );
    // Event 0 at 4096: userdata, errno 0, type clock (0); event 1 at 4128: type fd_read (1).
    assert_eq!(g.u64_at(4096), 0x1111);
    assert_eq!(g.mem(4104, 3), [0, 0, 0]);
    assert_eq!(g.u64_at(4128), 0x2222);
    assert_eq!(g.mem(4138, 1), [1]);
    // Padding in events is written as zeros.
    assert_eq!(g.mem(4107, 9), [0; 9]);
}

#[test]
fn poll_oneoff_in_place_is_safe() {
    // Subscriptions and events share memory: the host decodes by copy, then writes.
    let mut g = Guest::new("poll_oneoff", |_| {});
    assert_eq!(g.errno("in_place"), Errno::Success);
    assert_eq!(g.u64_at(1024), 0x1111);
    assert_eq!(g.u64_at(1056), 0x2222);
}

#[test]
fn poll_oneoff_bad_inputs() {
    let mut g = Guest::new("poll_oneoff", |_| {});
    assert_eq!(g.errno("none"), Errno::Inval);
    assert_eq!(g.errno("bad_tag"), Errno::Inval);
    assert_eq!(g.errno("bad_clockid"), Errno::Inval);
    assert_eq!(g.errno("bad_clockflags"), Errno::Inval);
    assert_eq!(g.errno("in_oob"), Errno::Fault);
    assert_eq!(g.errno("out_oob"), Errno::Fault);
    assert_eq!(g.errno("count_wrap"), Errno::Fault);
    assert_misaligned_trap(&g.trap("in_misaligned"), "poll_oneoff");
    assert_misaligned_trap(&g.trap("out_misaligned"), "poll_oneoff");
    assert_eq!(g.u32_at(128), 0, "no result was stored");
}

#[test]
fn prestat_round_trip_and_bad_inputs() {
    let mut g = Guest::new("prestat", |h| h.preopen = "/sandbox".into());
    assert_eq!(g.errno("get"), Errno::Success);
    assert_eq!(g.mem(128, 1), [0], "tag: dir");
    assert_eq!(g.u32_at(132), 8);
    assert_eq!(g.errno("name"), Errno::Success);
    assert_eq!(g.mem(256, 8), b"/sandbox");
    assert_eq!(g.errno("get_badf"), Errno::Badf);
    assert_eq!(g.errno("get_oob"), Errno::Fault);
    assert_eq!(g.errno("name_short"), Errno::Nametoolong);
    assert_eq!(g.errno("name_oob"), Errno::Fault);
    assert_eq!(g.errno("name_wrap"), Errno::Fault);
    assert_misaligned_trap(&g.trap("get_misaligned"), "fd_prestat_get");
}

#[test]
fn clock_time_get_round_trip_and_bad_inputs() {
    let mut g = Guest::new("clock", |_| {});
    assert_eq!(g.errno("ok"), Errno::Success);
    assert_eq!(g.u64_at(128), 2_000_000_000);
    assert_eq!(g.host().log, ["clock_time_get monotonic 1000"]);
    assert_eq!(g.errno("bad_id"), Errno::Inval);
    assert_eq!(g.errno("negative_id"), Errno::Inval);
    assert_eq!(g.errno("out_oob"), Errno::Fault);
    assert_eq!(g.errno("out_wrap"), Errno::Fault);
    assert_misaligned_trap(&g.trap("out_misaligned"), "clock_time_get");
    assert_eq!(g.host().log.len(), 1, "bad calls never reached the host");
}

#[test]
fn narrow_enums_and_flags() {
    let mut g = Guest::new("misc", |_| {});
    assert_eq!(g.errno("whence_bad"), Errno::Inval);
    assert_eq!(g.errno("whence_wide"), Errno::Inval);
    assert_eq!(g.errno("sdflags_bad"), Errno::Inval);
}

#[test]
fn unimplemented_calls_are_nosys() {
    let mut g = Guest::new("misc", |_| {});
    assert_eq!(g.errno("whence_ok"), Errno::Nosys);
    assert_eq!(g.errno("yield"), Errno::Nosys);
}

#[test]
fn proc_exit_unwinds_with_its_status() {
    let mut g = Guest::new("misc", |_| {});
    let e = g.call("exit").expect_err("proc_exit does not return");
    assert_eq!(exit_status(&e), Some(42));
}

#[test]
fn readlink_path_inside_output_buffer() {
    let mut g = Guest::new("misc", |_| {});
    assert_eq!(g.errno("readlink_overlap"), Errno::Success);
    assert_eq!(g.u32_at(128), 13);
    assert_eq!(g.mem(256, 13), b"target-of-abc");
    assert_eq!(g.errno("readlink_disjoint"), Errno::Success);
    assert_eq!(g.mem(512, 13), b"target-of-xyz");
}

#[test]
fn module_without_memory() {
    let mut g = Guest::new("no_memory", |_| {});
    assert_eq!(g.errno("yield"), Errno::Nosys);
    let trap = g.trap("write");
    assert!(
        trap.contains("fd_write") && trap.contains("memory"),
        "{trap}"
    );
}

#[test]
fn shared_memory_is_copied_not_borrowed() {
    let mut g = Guest::new("shared_memory", |h| h.stdin = b"abcdefghijkl".to_vec());
    assert_eq!(g.errno("write"), Errno::Success);
    assert_eq!(g.host().stdout, b"hello world!");
    assert_eq!(g.u32_at(128), 12);
    assert_eq!(g.errno("read_overlap"), Errno::Success);
    assert_eq!(g.mem(400, 8), b"abghijkl");
    assert_eq!(g.errno("open"), Errno::Success);
    assert_eq!(g.u32_at(132), 7);
    assert!(
        g.host()
            .log
            .last()
            .unwrap()
            .contains("path=\"dir/file.txt\"")
    );
    assert_eq!(g.errno("write_oob"), Errno::Fault);
}

#[test]
fn memory_lookup_by_name() {
    // Functions not bound to an instance get the same results through a lookup per call.
    let mut g = Guest::new("fd_write", |h| h.bind_memory = false);
    assert_eq!(g.errno("ok"), Errno::Success);
    assert_eq!(g.errno("ok"), Errno::Success);
    assert_eq!(g.host().stdout, b"hello world!hello world!");
}
