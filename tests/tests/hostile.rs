//! Hostile guests through the command line (issue 15): what the guest does to streams it
//! inherited never reaches the shell's open file descriptions, and data it synced survives the
//! host being killed right after.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::process::{Command, Stdio};

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasi-host-under-test"))
}

/// A pipe as (read end, write end).
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe` writes.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both were just created and are owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

fn status_flags(fd: &OwnedFd) -> libc::c_int {
    // SAFETY: F_GETFL on an open descriptor reads its flags, nothing else.
    unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_GETFL) }
}

/// Sets `NONBLOCK` on fds 0, 1 and 2, then writes "done\n" to stdout.
const SET_NONBLOCK: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $flags (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "done\n")
  (data (i32.const 8) "\00\00\00\00\05\00\00\00")
  (func (export "_start")
    (if (call $flags (i32.const 0) (i32.const 4)) (then unreachable))
    (if (call $flags (i32.const 1) (i32.const 4)) (then unreachable))
    (if (call $flags (i32.const 2) (i32.const 4)) (then unreachable))
    (if (call $write (i32.const 1) (i32.const 8) (i32.const 1) (i32.const 16)) (then unreachable))))
"#;

#[test]
fn nonblock_set_by_the_guest_never_reaches_the_shells_streams() {
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("nonblock.wat");
    std::fs::write(&wat, SET_NONBLOCK).unwrap();
    let (in_r, in_w) = pipe();
    let (out_r, out_w) = pipe();
    let (err_r, err_w) = pipe();
    // What the shell keeps: the same open file descriptions the child inherits.
    let kept = [in_r.try_clone().unwrap(), out_w.try_clone().unwrap()];
    let kept_err = err_w.try_clone().unwrap();
    let before = [status_flags(&kept[0]), status_flags(&kept[1])];
    let before_err = status_flags(&kept_err);
    let status = cli()
        .arg("run")
        .arg(&wat)
        .stdin(Stdio::from(in_r))
        .stdout(Stdio::from(out_w))
        .stderr(Stdio::from(err_w))
        .status()
        .unwrap();
    drop(in_w);
    drop(err_r);
    assert!(status.success(), "{status:?}");
    let mut out = String::new();
    let [kept_in, kept_out] = kept;
    assert_eq!(status_flags(&kept_in), before[0], "stdin's flags changed");
    assert_eq!(status_flags(&kept_out), before[1], "stdout's flags changed");
    assert_eq!(
        status_flags(&kept_err),
        before_err,
        "stderr's flags changed"
    );
    assert_eq!(status_flags(&kept_out) & libc::O_NONBLOCK, 0);
    drop(kept_out);
    File::from(out_r).read_to_string(&mut out).unwrap();
    assert_eq!(out, "done\n");
}

/// Creates `log` in the preopen (fd 3), writes 64 KiB of `Z` to it, `fd_sync`s it, says
/// "synced" on stdout and sleeps for a minute.
const SYNC_THEN_SLEEP: &str = r#"
(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_sync" (func $sync (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 0) "log")
  (data (i32.const 16) "\00\04\00\00\00\00\01\00")
  (data (i32.const 32) "\c8\00\00\00\07\00\00\00")
  (data (i32.const 200) "synced\n")
  ;; A relative monotonic clock of 60 s.
  (data (i32.const 272) "\01")
  (data (i32.const 280) "\00\58\47\f8\0d\00\00\00")
  (func (export "_start")
    (local $fd i32)
    (memory.fill (i32.const 1024) (i32.const 0x5a) (i32.const 65536))
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 3) (i32.const 9)
                    (i64.const 0x51) (i64.const 0) (i32.const 0) (i32.const 100))
      (then unreachable))
    (local.set $fd (i32.load (i32.const 100)))
    (if (call $write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 104)) (then unreachable))
    (if (i32.ne (i32.load (i32.const 104)) (i32.const 65536)) (then unreachable))
    (if (call $sync (local.get $fd)) (then unreachable))
    (if (call $write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 104)) (then unreachable))
    (drop (call $poll (i32.const 256) (i32.const 512) (i32.const 1) (i32.const 108)))))
"#;

#[test]
fn synced_data_survives_the_host_being_killed() {
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("sync.wat");
    std::fs::write(&wat, SYNC_THEN_SLEEP).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let mut child = cli()
        .arg("run")
        .arg("--dir")
        .arg(format!("{}::/d", data.display()))
        .arg(&wat)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    if line != "synced\n" {
        let mut err = String::new();
        let _ = child.stderr.take().unwrap().read_to_string(&mut err);
        panic!("guest said {line:?}; stderr {err:?}");
    }
    // SIGKILL, right after the sync: nothing the host might still hold in its own buffers
    // gets a chance to be written.
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success());
    let log = std::fs::read(data.join("log")).unwrap();
    assert_eq!(log.len(), 65536);
    assert!(log.iter().all(|&b| b == b'Z'));
}
