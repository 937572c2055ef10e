//! The `wasix` case: WASIX's thread calls from `std::thread` threads through raw
//! `wasix_32v1` imports: futexes (their interplay with the guest's own
//! `memory.atomic.wait32`/`notify` is in `wat/wasix_thread_spawn.wat`), thread ids, parallelism, and a working directory shared
//! by threads. Prints `wasix ok: <n> checks, parallelism <p>`.

use std::sync::atomic::{AtomicU32, Ordering::SeqCst};
use std::thread;
use std::time::Duration;

use crate::Checks;

mod sys {
    #[link(wasm_import_module = "wasix_32v1")]
    unsafe extern "C" {
        pub safe fn thread_id(ro_tid: *mut u32) -> i32;
        pub safe fn thread_parallelism(ro_n: *mut u32) -> i32;
        pub safe fn thread_spawn_v2(start: *const u8, ro_tid: *mut u32) -> i32;
        pub safe fn futex_wait(futex: *const u32, expected: u32, timeout: *const u8, ro_woken: *mut u8) -> i32;
        pub safe fn futex_wake(futex: *const u32, ro_woken: *mut u8) -> i32;
        pub safe fn futex_wake_all(futex: *const u32, ro_woken: *mut u8) -> i32;
        pub safe fn getcwd(buf: *mut u8, len: *mut u32) -> i32;
        pub safe fn chdir(path: *const u8, len: usize) -> i32;
    }
}

const EFAULT: i32 = 21;

/// An `option_timestamp`: tag at 0, nanoseconds at 8.
#[repr(C, align(8))]
struct OptionTimestamp([u8; 16]);

impl OptionTimestamp {
    fn none() -> Self {
        OptionTimestamp([0; 16])
    }
    fn some(ns: u64) -> Self {
        let mut b = [0; 16];
        b[0] = 1;
        b[8..].copy_from_slice(&ns.to_le_bytes());
        OptionTimestamp(b)
    }
}

/// `futex_wait`: (errno, woken).
fn wait(word: &AtomicU32, expected: u32, timeout: &OptionTimestamp) -> (i32, u8) {
    let mut woken = 7;
    let rc = sys::futex_wait(word.as_ptr(), expected, timeout.0.as_ptr(), &mut woken);
    (rc, woken)
}

/// `futex_wake` (or `_all`): (errno, woken).
fn wake(word: &AtomicU32, all: bool) -> (i32, u8) {
    let mut woken = 7;
    let rc = if all {
        sys::futex_wake_all(word.as_ptr(), &mut woken)
    } else {
        sys::futex_wake(word.as_ptr(), &mut woken)
    };
    (rc, woken)
}

/// Wakes one waiter on `word` (whose value stays put), retrying until one was woken: returns
/// only once a waiter was really parked and woken.
fn wake_one_parked(word: &'static AtomicU32) {
    loop {
        let (rc, woken) = wake(word, false);
        assert_eq!(rc, 0, "futex_wake");
        if woken == 1 {
            return;
        }
        thread::sleep(Duration::from_millis(1));
    }
}

fn tid() -> u32 {
    let mut t = 0;
    assert_eq!(sys::thread_id(&mut t), 0);
    t
}

fn cwd() -> String {
    let mut buf = [0u8; 256];
    let mut len = buf.len() as u32;
    assert_eq!(sys::getcwd(buf.as_mut_ptr(), &mut len), 0);
    String::from_utf8(buf[..len as usize].to_vec()).unwrap()
}

fn chdir(p: &str) -> i32 {
    sys::chdir(p.as_ptr(), p.len())
}

pub fn run(dir: &str) {
    let mut c = Checks(0);

    // Thread ids: 1 on main, distinct elsewhere.
    c.check(tid() == 1, "main is thread 1");
    let a = thread::spawn(tid);
    let b = thread::spawn(tid);
    let (a, b) = (a.join().unwrap(), b.join().unwrap());
    c.check(a != 1 && b != 1 && a != b, "thread ids differ");

    let mut parallelism = 0;
    c.check(sys::thread_parallelism(&mut parallelism) == 0, "parallelism");
    c.check(parallelism >= 1, "parallelism at least 1");

    // A wait on a word that no longer holds the value returns at once, not woken.
    static W: AtomicU32 = AtomicU32::new(5);
    c.check(wait(&W, 4, &OptionTimestamp::none()) == (0, 0), "mismatch");
    // A timed wait nobody wakes times out, not woken.
    c.check(wait(&W, 5, &OptionTimestamp::some(10_000_000)) == (0, 0), "timeout");
    // Nobody waits: a wake wakes nobody.
    c.check(wake(&W, false) == (0, 0), "wake with no waiter");
    c.check(wake(&W, true) == (0, 0), "wake_all with no waiter");

    // futex_wait on one thread, futex_wake from another. The word never changes, so the
    // waiter returns only when woken; the data written before the wake is visible.
    static WORD: AtomicU32 = AtomicU32::new(0);
    static DATA: AtomicU32 = AtomicU32::new(0);
    let waiter = thread::spawn(|| {
        let r = wait(&WORD, 0, &OptionTimestamp::none());
        (r, DATA.load(SeqCst))
    });
    DATA.store(42, SeqCst);
    wake_one_parked(&WORD);
    c.check(waiter.join().unwrap() == ((0, 1), 42), "woken waiter sees the data");

    // futex_wake_all wakes both of two waiters. A waiter not parked yet when the word changes
    // returns not woken; rounds repeat until one wake_all woke both (were only one woken, the
    // other would stay parked and the test would time out).
    static ALL: AtomicU32 = AtomicU32::new(0);
    static READY: AtomicU32 = AtomicU32::new(0);
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 100, "wake_all never found both waiters parked");
        ALL.store(0, SeqCst);
        READY.store(0, SeqCst);
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                thread::spawn(|| {
                    READY.fetch_add(1, SeqCst);
                    wait(&ALL, 0, &OptionTimestamp::none())
                })
            })
            .collect();
        while READY.load(SeqCst) < 2 {
            thread::sleep(Duration::from_millis(1));
        }
        thread::sleep(Duration::from_millis(20));
        ALL.store(1, SeqCst);
        let (rc, any) = wake(&ALL, true);
        assert_eq!(rc, 0, "futex_wake_all");
        let got: Vec<_> = waiters.into_iter().map(|w| w.join().unwrap()).collect();
        assert!(got.iter().all(|&(rc, _)| rc == 0), "waiters returned {got:?}");
        if got.iter().all(|&(_, w)| w == 1) {
            c.check(any == 1, "wake_all woke both waiters, and says so");
            break;
        }
    }

    // Hostile addresses: past the end of memory.
    let far = 0xFFFF_FFF0usize as *const u32;
    let mut woken = 7;
    c.check(
        sys::futex_wait(far, 0, OptionTimestamp::none().0.as_ptr(), &mut woken) == EFAULT,
        "futex_wait out of bounds",
    );
    c.check(sys::futex_wake(far, &mut woken) == EFAULT, "futex_wake out of bounds");
    c.check(sys::futex_wake_all(far, &mut woken) == EFAULT, "futex_wake_all out of bounds");
    let mut t = 0;
    c.check(
        sys::thread_spawn_v2(0xFFFF_FFF0usize as *const u8, &mut t) == EFAULT,
        "thread_spawn_v2 record out of bounds",
    );

    // One working directory for every thread.
    let sub = format!("{dir}/sub");
    let s = sub.clone();
    c.check(thread::spawn(move || chdir(&s)).join().unwrap() == 0, "chdir on a thread");
    c.check(cwd() == sub, "main sees the thread's chdir");
    c.check(chdir(dir) == 0, "chdir on main");
    c.check(thread::spawn(cwd).join().unwrap() == dir, "a thread sees main's chdir");

    println!("wasix ok: {} checks, parallelism {parallelism}", c.0);
}
