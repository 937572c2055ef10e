//! Signals that interrupt the host's blocking system calls are invisible to the guest
//! (docs/descriptors.md: `EINTR` is retried).
//!
//! This test process installs a no-op `SIGUSR1` handler *without* `SA_RESTART`, so a blocking
//! system call of a thread that receives the signal returns `EINTR` instead of being restarted
//! by the kernel. The guest (`guests/wat/eintr.wat`) blocks in `poll_oneoff` on a two-second
//! clock, then in `fd_read` of an empty pipe; each time, once the kernel reports the guest's
//! thread inside that system call, the test sends it signals, waiting after each for the
//! thread to be back in the call, then lets the call finish. The guest checks that both calls
//! answered as if nothing had happened. Kept alone in its file: the handler is process-wide.
#![cfg(target_os = "linux")]

use std::io::Write;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use wasi_host::{Exit, Stdio, WasiCtx, WasiCtxBuilder};
use wasi_host_tests::{guest_dir, run, watchdog};
use wasmtime::{Linker, Store};

static HANDLED: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_sigusr1(_: libc::c_int) {
    HANDLED.fetch_add(1, Ordering::Relaxed);
}

fn install_handler_without_restart() {
    // SAFETY: a handler that only touches an atomic; sa_flags has no SA_RESTART.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_sigusr1 as *const () as usize;
        action.sa_flags = 0;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
}

/// The system call thread `tid` of this process is blocked in, with its first argument, if it
/// is blocked in one.
fn blocked_in(tid: i32) -> Option<(i64, i64)> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/syscall")).ok()?;
    let mut words = text.split_whitespace();
    let nr = words.next()?.parse().ok()?;
    let arg = words
        .next()
        .and_then(|a| i64::from_str_radix(a.trim_start_matches("0x"), 16).ok())
        .unwrap_or(-1);
    Some((nr, arg))
}

/// Waits until thread `tid` is blocked in one of `calls` and returns which; `None` if the
/// guest finished first. A read counts only on `pipe_fd` (the guest's stdin): the thread also
/// reads files while it loads the guest.
fn wait_until_blocked(
    tid: i32,
    calls: &[i64],
    guest: &std::thread::JoinHandle<i32>,
    pipe_fd: i64,
) -> Option<i64> {
    let deadline = Instant::now() + watchdog::limit();
    while Instant::now() < deadline {
        if guest.is_finished() {
            return None;
        }
        let is_read = |n: i64| n == libc::SYS_read || n == libc::SYS_readv;
        if let Some((n, _)) = blocked_in(tid)
            .filter(|(n, arg)| calls.contains(n) && (!is_read(*n) || *arg == pipe_fd))
        {
            return Some(n);
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    panic!("the guest's thread never blocked in any of the system calls {calls:?}");
}

/// Sends `SIGUSR1` to thread `tid` of this process.
fn interrupt(tid: i32) {
    // SAFETY: tgkill to a thread of this process, whose handler is installed.
    let r = unsafe { libc::syscall(libc::SYS_tgkill, libc::getpid(), tid, libc::SIGUSR1) };
    assert_eq!(r, 0, "tgkill");
}

#[test]
fn signals_during_blocking_poll_and_read_are_retried() {
    install_handler_without_restart();
    let (stdin, mut feed) = std::io::pipe().unwrap();
    let pipe_fd = {
        use std::os::fd::AsRawFd;
        i64::from(stdin.as_raw_fd())
    };
    let ctx = WasiCtxBuilder::new()
        .arg("eintr.wat")
        .stdin(Stdio::File(std::fs::File::from(
            std::os::fd::OwnedFd::from(stdin),
        )))
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .build()
        .unwrap();
    let (tid_tx, tid_rx) = std::sync::mpsc::channel();
    let guest = std::thread::spawn(move || {
        // SAFETY: gettid has no preconditions.
        tid_tx.send(unsafe { libc::gettid() }).unwrap();
        let engine = run::engine();
        let module = run::module(&guest_dir().join("wat/eintr.wat"));
        let mut linker: Linker<WasiCtx> = Linker::new(engine);
        wasi_host::add_to_linker(&mut linker, |c| c).unwrap();
        let mut store = Store::new(engine, ctx);
        watchdog::arm(&mut store);
        let start = linker
            .instantiate(&mut store, &module)
            .and_then(|i| i.get_typed_func::<(), ()>(&mut store, "_start"))
            .unwrap();
        match start.call(&mut store, ()) {
            Ok(()) => 0,
            Err(e) => match e.downcast_ref::<Exit>() {
                Some(Exit(code)) => *code as i32,
                None => panic!("the guest trapped: {e:?}"),
            },
        }
    });
    let tid = tid_rx.recv().unwrap();

    // poll_oneoff: however the host waits for a clock.
    let mut waits = vec![
        libc::SYS_ppoll,
        libc::SYS_clock_nanosleep,
        libc::SYS_nanosleep,
    ];
    #[cfg(target_arch = "x86_64")]
    waits.push(libc::SYS_poll);
    let reads = [libc::SYS_read, libc::SYS_readv];
    let all: Vec<i64> = waits.iter().chain(&reads).copied().collect();
    // Up to three signals during the two-second poll (at least the first lands unless the
    // machine stalls for two seconds), stopping early if the guest has moved on to its read.
    // The first wait is for the poll alone: the thread reads files while it loads the guest,
    // and a read seen then is not the guest's.
    let mut during_poll = 0;
    while during_poll < 3 {
        let watch: &[i64] = if during_poll == 0 { &waits } else { &all };
        match wait_until_blocked(tid, watch, &guest, pipe_fd) {
            Some(n) if waits.contains(&n) => {
                interrupt(tid);
                during_poll += 1;
                // Let the signal land before looking for the retried call.
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => break,
        }
    }
    // Three signals during the read, which cannot finish before the test writes.
    let mut during_read = 0;
    for _ in 0..3 {
        if wait_until_blocked(tid, &reads, &guest, pipe_fd).is_none() {
            break;
        }
        interrupt(tid);
        during_read += 1;
        std::thread::sleep(Duration::from_millis(20));
    }
    feed.write_all(b"hello").unwrap();
    drop(feed);
    let status = guest.join().unwrap();
    assert_eq!(status, 0, "the guest's check {status} failed");
    assert!(during_poll >= 1, "no signal reached the guest's poll");
    assert_eq!(
        during_read, 3,
        "the guest finished its read before it had data"
    );
    assert_eq!(
        HANDLED.load(Ordering::Relaxed),
        during_poll + during_read,
        "every signal sent was handled"
    );
}
