//! Clocks, random bytes, sched_yield and proc_raise through the raw preview1 imports. Exits
//! with the line number of the first failed check; when all pass, prints `checks passed: N`.

#[link(wasm_import_module = "wasi_snapshot_preview1")]
unsafe extern "C" {
    fn clock_res_get(id: u32, out: *mut u64) -> u16;
    fn clock_time_get(id: u32, precision: u64, out: *mut u64) -> u16;
    fn random_get(buf: *mut u8, len: usize) -> u16;
    fn sched_yield() -> u16;
    fn proc_raise(sig: u8) -> u16;
}

const EINVAL: u16 = 28;
const ENOSYS: u16 = 52;
const EFAULT: u16 = 21;

/// Checks run so far: the last line printed says how many passed, so the test can tell a
/// guest that finished from one that stopped early with status 0.
static CHECKS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

macro_rules! check {
    ($cond:expr) => {
        CHECKS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if !$cond {
            std::process::exit(line!() as i32);
        }
    };
}

/// The completion line the test looks for.
fn finished() {
    println!(
        "checks passed: {}",
        CHECKS.load(std::sync::atomic::Ordering::Relaxed)
    );
}

fn now(id: u32) -> u64 {
    let mut t = 0u64;
    let e = unsafe { clock_time_get(id, 1, &mut t) };
    if e != 0 {
        std::process::exit(1000 + e as i32);
    }
    t
}

fn main() {
    for id in 0..4 {
        let mut res = 0u64;
        check!(unsafe { clock_res_get(id, &mut res) } == 0);
        check!(res > 0 && res <= 1_000_000_000);
    }
    let mut t = 0u64;
    check!(unsafe { clock_res_get(4, &mut t) } == EINVAL);
    check!(unsafe { clock_time_get(99, 0, &mut t) } == EINVAL);
    // Realtime is after 2020 and agrees with std's view of it.
    let real = now(0);
    check!(real > 1_577_836_800_000_000_000);
    let std_real = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    check!(std_real >= real && std_real - real < 60_000_000_000);
    // Monotonic never goes back.
    let mut last = now(1);
    for _ in 0..1000 {
        let t = now(1);
        check!(t >= last);
        last = t;
    }
    // CPU time advances while the guest computes.
    let cpu0 = now(2);
    let mut x = 1u64;
    for i in 0..5_000_000u64 {
        x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
    }
    check!(x != 0);
    check!(now(2) > cpu0);
    check!(now(3) > 0);

    // random_get: any size, including zero and more than a MiB, never all zeros.
    check!(unsafe { random_get(std::ptr::null_mut(), 0) } == 0);
    let mut a = vec![0u8; 1 << 20];
    let mut b = vec![0u8; 1 << 20];
    check!(unsafe { random_get(a.as_mut_ptr(), a.len()) } == 0);
    check!(unsafe { random_get(b.as_mut_ptr(), b.len()) } == 0);
    check!(a != b);
    check!(a.iter().filter(|&&x| x == 0).count() < a.len() / 64);
    // A buffer reaching past memory is EFAULT.
    check!(unsafe { random_get((usize::MAX - 16) as *mut u8, 64) } == EFAULT);

    check!(unsafe { sched_yield() } == 0);
    check!(unsafe { proc_raise(6) } == ENOSYS);
    finished();
    std::process::exit(0);
}
