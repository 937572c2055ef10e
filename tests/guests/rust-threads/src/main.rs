//! Threaded guest programs for wasi-host's tests (`tests/tests/threads.rs`), one per first
//! argument. Each prints one completion line with the number of checks that passed; a failed
//! check panics (an abort: a trap the test sees).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Barrier, Condvar, Mutex};
use std::thread;
use std::time::Duration;

mod wasix;

/// Counts checks; panics on the first that fails.
struct Checks(u32);

impl Checks {
    fn check(&mut self, ok: bool, what: &str) {
        assert!(ok, "check failed: {what}");
        self.0 += 1;
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map(String::as_str).unwrap_or("");
    match case {
        "basic" => basic(),
        "rayon" => rayon_sum(
            args.get(2)
                .and_then(|n| n.parse().ok())
                .unwrap_or(2_000_000),
        ),
        "files" => files(&args[2]),
        "exit-blocked" => exit_blocked(),
        "exit-busy" => exit_busy(),
        "trap" => trap(),
        "limit" => limit(args[2].parse().unwrap()),
        "fds" => fds(&args[2]),
        "sleepers" => sleepers(),
        "rayon-time" => rayon_time(args[2].parse().unwrap()),
        "wasix" => wasix::run(&args[2]),
        other => panic!("unknown case {other:?}"),
    }
}

/// Spawn and join with results, a Mutex counter, a Condvar handoff, a channel.
fn basic() {
    let mut c = Checks(0);
    let handles: Vec<_> = (0..8u64)
        .map(|i| thread::spawn(move || (0..=1000 * i).sum::<u64>()))
        .collect();
    for (i, h) in handles.into_iter().enumerate() {
        let n = 1000 * i as u64;
        c.check(h.join().unwrap() == n * (n + 1) / 2, "joined sum");
    }
    c.check(
        thread::current().id() != thread::spawn(|| thread::current().id()).join().unwrap(),
        "ids differ",
    );

    let counter = Arc::new(Mutex::new(0u64));
    let hs: Vec<_> = (0..4)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..10_000 {
                    *counter.lock().unwrap() += 1;
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    c.check(*counter.lock().unwrap() == 40_000, "mutex counter");

    let pair = Arc::new((Mutex::new(0u32), Condvar::new()));
    let p2 = Arc::clone(&pair);
    let h = thread::spawn(move || {
        let (m, cv) = &*p2;
        for round in 1..=100 {
            let mut v = m.lock().unwrap();
            while *v != 2 * round - 1 {
                v = cv.wait(v).unwrap();
            }
            *v += 1;
            cv.notify_all();
        }
    });
    {
        let (m, cv) = &*pair;
        for round in 1..=100 {
            let mut v = m.lock().unwrap();
            while *v != 2 * (round - 1) {
                v = cv.wait(v).unwrap();
            }
            *v += 1;
            cv.notify_all();
        }
        h.join().unwrap();
        c.check(*m.lock().unwrap() == 200, "condvar ping-pong");
    }

    let (tx, rx) = mpsc::channel();
    for t in 0..4u64 {
        let tx = tx.clone();
        thread::spawn(move || {
            for i in 0..250 {
                tx.send(t * 1000 + i).unwrap();
            }
        });
    }
    drop(tx);
    let got: Vec<u64> = rx.iter().collect();
    c.check(got.len() == 1000, "channel count");
    c.check(
        got.iter().sum::<u64>() == (0..4u64).map(|t| 250 * t * 1000 + 249 * 250 / 2).sum(),
        "channel sum",
    );
    println!("basic ok: {} checks", c.0);
}

/// A rayon parallel sum, checked against the formula.
fn rayon_sum(n: u64) {
    use rayon::prelude::*;
    let mut c = Checks(0);
    let threads = rayon::current_num_threads();
    let sum: u64 = (0..n).into_par_iter().map(|x| x % 7 * x).sum();
    let expected: u64 = (0..n).map(|x| x % 7 * x).sum();
    c.check(sum == expected, "parallel sum");
    let v: Vec<u64> = (0..10_000u64).into_par_iter().map(|x| x * 2).collect();
    c.check(
        v.iter().enumerate().all(|(i, x)| *x == 2 * i as u64),
        "parallel collect",
    );
    println!("rayon ok: {} checks, sum {sum}, {threads} threads", c.0);
}

/// The bench's row (`bench/src/threads.rs`): a CPU-bound parallel sum alone, timed inside the
/// guest, on `RAYON_NUM_THREADS` threads.
fn rayon_time(n: u64) {
    use rayon::prelude::*;
    let start = std::time::Instant::now();
    let sum: u64 = (0..n)
        .into_par_iter()
        .map(|x| x.wrapping_mul(x) % 1_000_003)
        .sum();
    let ns = start.elapsed().as_nanos();
    println!("sum={sum} threads={} ns={ns}", rayon::current_num_threads());
}

/// Four threads write files of their own, and 1000 lines each to one `O_APPEND` file.
fn files(dir: &str) {
    let mut c = Checks(0);
    let line = |t: usize, i: usize| format!("thread {t} line {i:04}\n");
    let hs: Vec<_> = (0..4)
        .map(|t| {
            let dir = dir.to_string();
            thread::spawn(move || {
                let mut own = fs::File::create(format!("{dir}/own{t}.txt")).unwrap();
                let mut shared = OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(format!("{dir}/shared.txt"))
                    .unwrap();
                for i in 0..1000 {
                    own.write_all(line(t, i).as_bytes()).unwrap();
                    shared.write_all(line(t, i).as_bytes()).unwrap();
                }
            })
        })
        .collect();
    hs.into_iter().for_each(|h| h.join().unwrap());
    for t in 0..4 {
        let own = fs::read_to_string(format!("{dir}/own{t}.txt")).unwrap();
        let want: String = (0..1000).map(|i| line(t, i)).collect();
        c.check(own == want, "own file");
    }
    let shared = fs::read_to_string(format!("{dir}/shared.txt")).unwrap();
    c.check(shared.len() == 4 * 1000 * line(0, 0).len(), "shared length");
    let mut lines: Vec<&str> = shared.lines().collect();
    lines.sort();
    let mut want: Vec<String> = (0..4)
        .flat_map(|t| (0..1000).map(move |i| line(t, i)))
        .collect();
    want.sort();
    c.check(
        lines.iter().zip(&want).all(|(a, b)| *a == b.trim_end()),
        "every line once",
    );
    // A descriptor opened on one thread, written on another.
    let f = fs::File::create(format!("{dir}/handed.txt")).unwrap();
    thread::spawn(move || {
        let mut f = f;
        f.write_all(b"written by another thread").unwrap();
    })
    .join()
    .unwrap();
    c.check(
        fs::read(format!("{dir}/handed.txt")).unwrap() == b"written by another thread",
        "handed over",
    );
    println!("files ok: {} checks, {} bytes appended", c.0, shared.len());
}

/// A thread exits the program while main waits on a channel that is never sent to.
fn exit_blocked() {
    let (_tx, rx) = mpsc::channel::<()>();
    thread::spawn(|| {
        thread::sleep(Duration::from_millis(20));
        println!("exiting from a thread");
        std::process::exit(7);
    });
    let _ = rx.recv();
    println!("main woke up");
}

/// Two threads sleep for an hour; main returns once they have started.
fn sleepers() {
    let started = Arc::new(Barrier::new(3));
    for _ in 0..2 {
        let started = Arc::clone(&started);
        thread::spawn(move || {
            started.wait();
            thread::sleep(Duration::from_secs(3600));
            println!("a sleeper woke up");
        });
    }
    started.wait();
    println!("main returns");
}

/// A thread exits the program while main computes forever.
fn exit_busy() {
    let stop = Arc::new(AtomicBool::new(false));
    thread::spawn(|| {
        thread::sleep(Duration::from_millis(20));
        println!("exiting from a thread");
        std::process::exit(9);
    });
    let mut x = 0u64;
    while !stop.load(Ordering::Relaxed) {
        x = x.wrapping_mul(31).wrapping_add(1);
    }
    println!("main finished {x}");
}

/// A thread traps while main waits.
fn trap() {
    let (_tx, rx) = mpsc::channel::<()>();
    thread::spawn(|| {
        thread::sleep(Duration::from_millis(20));
        println!("trapping in a thread");
        std::arch::wasm32::unreachable();
    });
    let _ = rx.recv();
    println!("main woke up");
}

/// Spawns blocked threads until the host refuses one; expects `max` to succeed.
fn limit(max: usize) {
    let mut c = Checks(0);
    let release = Arc::new(Barrier::new(max + 1));
    let mut handles = Vec::new();
    let mut refused = 0;
    for _ in 0..max + 2 {
        let release = Arc::clone(&release);
        match thread::Builder::new().spawn(move || {
            release.wait();
        }) {
            Ok(h) => handles.push(h),
            Err(_) => refused += 1,
        }
    }
    c.check(handles.len() == max, "spawned up to the limit");
    c.check(refused == 2, "refused beyond it");
    release.wait();
    handles.into_iter().for_each(|h| h.join().unwrap());
    // Finished threads free their places: once the host has seen them end (a joined thread
    // may still be returning from `wasi_thread_start`).
    let mut again = None;
    for _ in 0..10_000 {
        match thread::Builder::new().spawn(|| 5) {
            Ok(h) => {
                again = Some(h.join().unwrap());
                break;
            }
            Err(_) => thread::sleep(Duration::from_millis(1)),
        }
    }
    c.check(again == Some(5), "spawn after join");
    println!("limit ok: {} checks, spawned {max}, refused {refused}", c.0);
}

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    #[link_name = "fd_read"]
    fn wasi_fd_read(fd: u32, iovs: *const [usize; 2], n: usize, nread: *mut usize) -> u16;
    #[link_name = "fd_pread"]
    fn wasi_fd_pread(fd: u32, iovs: *const [usize; 2], n: usize, at: u64, nread: *mut usize)
    -> u16;
    #[link_name = "fd_close"]
    fn wasi_fd_close(fd: u32) -> u16;
}

/// Concurrent opens, reads and closes: each thread reads back its own file's content through
/// fresh descriptors; meanwhile raw reads race closes of descriptors another thread owns,
/// getting data or `EBADF`, nothing else.
fn fds(dir: &str) {
    use std::os::fd::{AsRawFd, IntoRawFd};

    let mut c = Checks(0);
    const ROUNDS: usize = 300;
    for t in 0..4 {
        fs::write(
            format!("{dir}/f{t}"),
            format!("content of file {t}").repeat(10),
        )
        .unwrap();
    }
    let done = Arc::new(AtomicBool::new(false));
    let raced = Arc::new(AtomicU64::new(0));
    let bad = Arc::new(AtomicU64::new(0));
    // Readers of whatever descriptor numbers are around: 3..16.
    let racers: Vec<_> = (0..2)
        .map(|_| {
            let (done, raced, bad) = (Arc::clone(&done), Arc::clone(&raced), Arc::clone(&bad));
            thread::spawn(move || {
                let mut buf = [0u8; 16];
                while !done.load(Ordering::Relaxed) {
                    for fd in 5..16 {
                        let iov = [buf.as_mut_ptr() as usize, buf.len()];
                        let mut n = 0;
                        // SAFETY: `iov` describes `buf`, which lives across the call.
                        let e = unsafe { wasi_fd_read(fd, &iov, 1, &mut n) };
                        // 0 success, 8 EBADF, 21 EISDIR (a preopen), 76 ENOTCAPABLE.
                        if ![0, 8, 21, 76].contains(&e) {
                            bad.fetch_add(1, Ordering::Relaxed);
                        }
                        raced.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    let workers: Vec<_> = (0..4)
        .map(|t| {
            let dir = dir.to_string();
            thread::spawn(move || {
                let want = format!("content of file {t}").repeat(10);
                let mut ok = 0;
                for _ in 0..ROUNDS {
                    let f = fs::File::open(format!("{dir}/f{t}")).unwrap();
                    // Positioned, so that racing reads moving the offset change nothing.
                    let mut buf = [0u8; 256];
                    let iov = [buf.as_mut_ptr() as usize, buf.len()];
                    let mut n = 0;
                    // SAFETY: `iov` describes `buf`, which lives across the call.
                    let e = unsafe { wasi_fd_pread(f.as_raw_fd() as u32, &iov, 1, 0, &mut n) };
                    if e == 0 && buf[..n] == *want.as_bytes() {
                        ok += 1;
                    }
                    // Closed by hand, as another thread's read may be in flight.
                    let raw = f.into_raw_fd();
                    // SAFETY: `raw` was just released by the File; nothing else owns it.
                    assert_eq!(unsafe { wasi_fd_close(raw as u32) }, 0);
                }
                ok
            })
        })
        .collect();
    let ok: usize = workers.into_iter().map(|h| h.join().unwrap()).sum();
    done.store(true, Ordering::Relaxed);
    racers.into_iter().for_each(|h| h.join().unwrap());
    c.check(ok == 4 * ROUNDS, "every open read its own file");
    c.check(
        bad.load(Ordering::Relaxed) == 0,
        "racing reads got data or EBADF",
    );
    c.check(raced.load(Ordering::Relaxed) > 0, "racing reads ran");
    println!("fds ok: {} checks, {} rounds", c.0, 4 * ROUNDS);
}
