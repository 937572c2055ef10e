//! WASIX (`wasix_32v1`) end to end: the `wasix_fd` and `wasix_net` guests (Rust for
//! `wasm32-wasip1` calling WASIX through raw imports, beside preview1's calls on the same
//! descriptors) run under the command line. Each guest checks its part itself, exits 1 at
//! the first failed check, and prints `<part> ok: <n> checks`; these tests hold the exit
//! status and that line. WASIX record layouts are checked against hand-computed offsets.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use wasi_host::guest::GuestType;
use wasi_host::wasix;
use wasi_host_tests::guests;
use wasi_host_tests::pty::pty;

fn run(guest: &str, flags: &[&str], part: &str) -> Output {
    run_with(guest, flags, part, Stdio::null(), Stdio::piped())
}

fn run_with(guest: &str, flags: &[&str], part: &str, stdin: Stdio, stdout: Stdio) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasi-host-under-test"))
        .arg("run")
        .args(["-W", "timeout=20s"])
        .args(flags)
        .arg(guests::wasix(guest))
        .arg(part)
        .stdin(stdin)
        .stdout(stdout)
        .output()
        .expect("run the CLI")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn assert_ok(out: &Output, line: &str) {
    assert_eq!(
        (out.status.code(), text(&out.stdout).lines().last()),
        (Some(0), Some(line)),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn sandbox() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hello.txt"), "hello from the host").unwrap();
    dir
}

fn dir_flag(dir: &Path) -> String {
    format!("{}::/sandbox", dir.display())
}

#[test]
fn a_pipe_carries_bytes_polls_readable_ends_and_refuses_without_reader() {
    assert_ok(&run("wasix_fd", &[], "pipe"), "pipe ok: 7 checks");
}

#[test]
fn duplicates_share_the_file_and_take_the_lowest_free_number_at_or_above_min() {
    let dir = sandbox();
    let out = run("wasix_fd", &["--dir", &dir_flag(dir.path())], "dup");
    assert_ok(&out, "dup ok: 16 checks");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("dup.txt")).unwrap(),
        "written through the duplicate"
    );
}

#[test]
fn socket_pairs_connect_both_ways_without_the_network() {
    assert_ok(&run("wasix_fd", &[], "pair"), "pair ok: 9 checks");
}

#[test]
fn event_counters_add_and_semaphores_count_down() {
    assert_ok(&run("wasix_fd", &[], "event"), "event ok: 12 checks");
}

#[test]
fn the_working_directory_stays_inside_the_preopens() {
    let dir = sandbox();
    let out = run("wasix_fd", &["--dir", &dir_flag(dir.path())], "cwd");
    assert_ok(&out, "cwd ok: 17 checks");
    // The guest reached the host's file through its working directory and wrote under it.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sub/inner.txt")).unwrap(),
        "inside sub"
    );
}

#[test]
fn tty_get_on_pipes_reports_no_terminal() {
    let out = run("wasix_fd", &[], "tty");
    assert_ok(&out, "tty ok: 7 checks");
    assert!(
        text(&out.stdout).starts_with("tty cols=0 rows=0 stdin=0 stdout=0 stderr=0 echo=1 "),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn tty_get_and_set_on_a_pseudo_terminal() {
    let Some((master, slave)) = pty() else {
        wasi_host_tests::skip("no pseudo-terminal on this machine");
        return;
    };
    let size = libc::winsize {
        ws_row: 33,
        ws_col: 101,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    use std::os::fd::AsRawFd;
    // SAFETY: TIOCSWINSZ reads one winsize from the pointer, which outlives the call.
    assert_eq!(
        unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &size) },
        0
    );
    let out = run_with(
        "wasix_fd",
        &[],
        "tty",
        Stdio::from(slave.try_clone().unwrap()),
        Stdio::from(slave.try_clone().unwrap()),
    );
    drop(slave);
    let mut printed = vec![0u8; 4096];
    use std::io::Read;
    let n = (&master).read(&mut printed).unwrap_or(0);
    let printed = text(&printed[..n]).replace('\r', "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{printed}\n{}",
        text(&out.stderr)
    );
    assert!(
        printed
            .starts_with("tty cols=101 rows=33 stdin=1 stdout=1 stderr=0 echo=1 line_buffered=1"),
        "{printed}"
    );
    // "echo off is reported" read the real terminal's modes back after tty_set.
    assert!(printed.contains("tty ok: 7 checks"), "{printed}");
}

#[test]
fn identity_sleep_and_single_thread_futexes() {
    assert_ok(&run("wasix_fd", &[], "ident"), "ident ok: 16 checks");
}

#[test]
fn thread_exit_of_the_only_thread_ends_the_program_with_its_status() {
    let out = run("wasix_fd", &[], "exit");
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn hostile_arguments_are_errors_not_host_failures() {
    let out = run("wasix_fd", &[], "hostile");
    assert_ok(&out, "hostile ok: 13 checks");
    assert!(
        text(&out.stderr).contains("wasi-host: network access denied: creating a socket"),
        "{}",
        text(&out.stderr)
    );
}

const ALLOW_LOOPBACK: &[&str] = &[
    "--allow-bind",
    "127.0.0.1:*",
    "--allow-connect",
    "127.0.0.0/8:*",
];

#[test]
fn tcp_and_udp_echo_over_wasix_sockets_when_allowed() {
    for flags in [ALLOW_LOOPBACK, &["-S", "inherit-network"][..]] {
        assert_ok(&run("wasix_net", flags, "tcp"), "tcp ok: 22 checks");
        assert_ok(&run("wasix_net", flags, "udp"), "udp ok: 12 checks");
    }
}

#[test]
fn socket_timeouts_end_blocking_receives_and_accepts() {
    assert_ok(
        &run("wasix_net", ALLOW_LOOPBACK, "timeouts"),
        "timeouts ok: 25 checks",
    );
}

#[test]
fn sockets_and_lookups_are_refused_by_default() {
    let out = run("wasix_net", &[], "denied");
    assert_ok(&out, "denied ok: 2 checks");
    // Allowing binds to one address does not allow binding another.
    let out = run("wasix_net", &["--allow-bind", "127.0.0.2:*"], "tcp");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("network access denied: binding 127.0.0.1:0"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn resolve_localhost_when_lookups_are_allowed() {
    let out = run("wasix_net", &["-S", "allow-ip-name-lookup"], "resolve");
    assert_ok(&out, "resolve ok: 3 checks");
}

#[test]
fn wasix_layouts_match_hand_computed_offsets() {
    let find = |n: &str| {
        wasix::LAYOUTS
            .iter()
            .find(|l| l.name == n)
            .unwrap_or_else(|| panic!("no layout for {n}"))
    };
    let offsets = |n: &str| -> Vec<u32> { find(n).fields.iter().map(|(_, o)| *o).collect() };
    assert_eq!((find("tty").size, find("tty").align), (24, 4));
    assert_eq!(offsets("tty"), [0, 4, 8, 12, 16, 17, 18, 19, 20, 21]);
    assert_eq!(
        (find("thread_start").size, find("thread_start").align),
        (64, 4)
    );
    assert_eq!(
        offsets("thread_start"),
        (0..16).map(|i| i * 4).collect::<Vec<_>>()
    );
    assert_eq!(
        (
            find("option_timestamp").size,
            find("option_timestamp").align
        ),
        (16, 8)
    );
    assert_eq!(offsets("option_timestamp"), [8]);
    assert_eq!((find("addr_port").size, find("addr_port").align), (110, 2));
    assert_eq!(offsets("addr_port"), [2]);
    assert_eq!(offsets("addr_port_inet6"), [0, 2, 18, 20, 22, 24]);
    assert_eq!((find("addr_ip").size, find("addr_ip").align), (18, 2));
    assert_eq!(offsets("addr_ip"), [2]);
    assert_eq!(
        (find("stack_snapshot").size, find("stack_snapshot").align),
        (24, 8)
    );
    assert_eq!(<wasix::Tty as GuestType>::SIZE, 24);
    assert_eq!(<wasix::AddrPort as GuestType>::SIZE, 110);
    assert_eq!(<wasix::Bool as GuestType>::SIZE, 1);
}

#[test]
fn every_wasix_record_and_union_matches_witx() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let doc = witx::load(&[root.join("witx/wasix/wasix_32v1.witx")]).expect("spec loads");
    let mut checked = 0;
    for nt in doc.typenames() {
        let expected: Vec<u32> = match &**nt.type_() {
            witx::Type::Record(r) if r.bitflags_repr().is_none() => {
                r.member_layout().iter().map(|m| m.offset as u32).collect()
            }
            witx::Type::Variant(v) if !v.is_enum() => vec![v.payload_offset() as u32],
            _ => continue,
        };
        let Some(ours) = wasix::LAYOUTS.iter().find(|l| l.name == nt.name.as_str()) else {
            // Preview1's records, shared rather than generated again.
            assert!(
                wasi_host::preview1::LAYOUTS
                    .iter()
                    .any(|l| l.name == nt.name.as_str()),
                "no layout for {}",
                nt.name.as_str()
            );
            continue;
        };
        use witx::Layout;
        let sa = nt.mem_size_align();
        assert_eq!(
            (ours.size, ours.align),
            (sa.size as u32, sa.align as u32),
            "{}",
            nt.name.as_str()
        );
        let fields: Vec<u32> = ours.fields.iter().map(|(_, o)| *o).collect();
        assert_eq!(fields, expected, "{}", nt.name.as_str());
        checked += 1;
    }
    assert_eq!(checked, wasix::LAYOUTS.len());
}

/// `fd_dup2` at the edge of a small descriptor limit, through `wasi_host::instantiate` in a
/// module that also imports preview1: the one table both see.
#[test]
fn fd_dup2_takes_the_last_number_below_the_limit_and_refuses_the_limit() {
    use wasi_host::{WasiCtx, WasiCtxBuilder};
    use wasmtime::{Engine, Linker, Module, Store};
    let engine = Engine::default();
    let module = Module::new(
        &engine,
        r#"(module
            (import "wasix_32v1" "fd_dup2" (func $dup2 (param i32 i32 i32 i32) (result i32)))
            (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "dup2") (param i32 i32) (result i32)
                (call $dup2 (local.get 0) (local.get 1) (i32.const 0) (i32.const 16)))
            (func (export "close") (param i32) (result i32) (call $close (local.get 0)))
            (func (export "got") (result i32) (i32.load (i32.const 16))))"#,
    )
    .unwrap();
    let mut ctx = WasiCtxBuilder::new();
    ctx.stdin(wasi_host::Stdio::Null)
        .stdout(wasi_host::Stdio::Null)
        .stderr(wasi_host::Stdio::Null)
        .fd_limit(8);
    let mut store = Store::new(&engine, ctx.build().unwrap());
    let linker = Linker::new(&engine);
    let instance =
        wasi_host::instantiate(&mut store, &linker, &module, |c: &mut WasiCtx| c).unwrap();
    let dup2 = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "dup2")
        .unwrap();
    let close = instance
        .get_typed_func::<i32, i32>(&mut store, "close")
        .unwrap();
    let got = instance
        .get_typed_func::<(), i32>(&mut store, "got")
        .unwrap();
    let einval = wasi_host::wasix::Errno::Inval as i32;
    assert_eq!(dup2.call(&mut store, (1, 7)).unwrap(), 0);
    assert_eq!(
        got.call(&mut store, ()).unwrap(),
        7,
        "the last number below 8"
    );
    assert_eq!(
        dup2.call(&mut store, (1, 8)).unwrap(),
        einval,
        "the limit itself"
    );
    assert_eq!(dup2.call(&mut store, (1, -1)).unwrap(), einval, "u32::MAX");
    // 7 is taken: the next free number at or above 7 does not exist.
    assert_eq!(
        dup2.call(&mut store, (1, 7)).unwrap(),
        wasi_host::wasix::Errno::Mfile as i32
    );
    // preview1 closes what WASIX made; the number is free again.
    assert_eq!(close.call(&mut store, 7).unwrap(), 0);
    assert_eq!(dup2.call(&mut store, (2, 7)).unwrap(), 0);
    assert_eq!(got.call(&mut store, ()).unwrap(), 7);
}
