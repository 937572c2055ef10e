//! Benchmark workloads, one binary for wasm32-wasip1 and for the host.
//!
//! `workloads WORKLOAD ITERATIONS DIR` prepares what the workload needs (opening files outside
//! the timed region), reads the monotonic clock around `ITERATIONS` operations and prints
//! `ns_per_op=<float>` on stderr (stdout is a workload target: the runner points it at
//! `/dev/null`). `DIR` holds the data the runner generated (see `bench/src/data.rs`); under wasm it
//! is the guest name of a preopen, and the calls go straight to the preview1 imports so that std
//! and wasi-libc add nothing to what is measured. Natively the same operations are libc calls.

mod sys;

use std::process::exit;

/// One pass of a workload; returns a value folded into a checksum so nothing is optimised away.
type Op<'a> = Box<dyn FnMut(u64) -> u64 + 'a>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: workloads WORKLOAD ITERATIONS DIR");
        exit(2);
    }
    let iterations: u64 = args[2].parse().unwrap_or_else(|_| {
        eprintln!("bad ITERATIONS {:?}", args[2]);
        exit(2)
    });
    let dir = sys::open_dir(&args[3]);
    let mut buf = vec![0u8; 64 * 1024];
    let mut op: Op<'_> = match args[1].as_str() {
        "empty" => Box::new(std::hint::black_box),
        "floor" => Box::new(|_| sys::floor()),
        "clock" => Box::new(|_| sys::now_ns()),
        "write_null" => Box::new(|_| sys::write(1, b"x") as u64),
        "write_file" => {
            let fd = sys::open_at(dir, "out", sys::WRITE | sys::CREATE | sys::TRUNC).unwrap();
            Box::new(move |_| sys::write(fd, b"x") as u64)
        }
        "pwrite" => {
            let fd = sys::open_at(dir, "out", sys::WRITE | sys::CREATE).unwrap();
            Box::new(move |i| sys::pwrite(fd, b"x", i & 4095) as u64)
        }
        "pread4k" => {
            let fd = sys::open_at(dir, "big", 0).unwrap();
            let blocks = sys::fstat_size(fd) / 4096;
            let mut rng = 0x9E37_79B9_7F4A_7C15u64;
            Box::new(move |_| {
                // xorshift: a fixed, reproducible sequence of random block offsets.
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                sys::pread(fd, &mut buf[..4096], (rng % blocks) * 4096) as u64
            })
        }
        "read_seq64k" => {
            let fd = sys::open_at(dir, "big", 0).unwrap();
            Box::new(move |_| {
                let n = sys::read(fd, &mut buf);
                if n < buf.len() {
                    sys::seek_set(fd, 0);
                }
                n as u64
            })
        }
        "seek" => {
            let fd = sys::open_at(dir, "f", 0).unwrap();
            Box::new(move |_| sys::seek_cur(fd))
        }
        "fstat" => {
            let fd = sys::open_at(dir, "f", 0).unwrap();
            Box::new(move |_| sys::fstat_size(fd))
        }
        "stat1" => Box::new(move |_| sys::stat_at(dir, "f").unwrap()),
        "stat5" => Box::new(move |_| sys::stat_at(dir, "a/b/c/d/f").unwrap()),
        #[cfg(target_os = "linux")]
        "stat5_beneath" => Box::new(move |_| sys::stat_beneath(dir, "a/b/c/d/f").unwrap()),
        "open1" => Box::new(move |_| {
            let fd = sys::open_at(dir, "f", 0).unwrap();
            sys::close(fd);
            fd as u64
        }),
        "open5" => Box::new(move |_| {
            let fd = sys::open_at(dir, "a/b/c/d/f", 0).unwrap();
            sys::close(fd);
            fd as u64
        }),
        "errno_open" => Box::new(move |_| sys::open_at(dir, "missing", 0).unwrap_err() as u64),
        "readdir" => {
            let mut lister = sys::Lister::new(dir, "many");
            Box::new(move |_| lister.count(&mut buf))
        }
        "random256" => Box::new(move |_| {
            sys::random(&mut buf[..256]);
            buf[0] as u64
        }),
        "poll_elapsed" => Box::new(|_| sys::poll_elapsed()),
        "environ" => Box::new(move |_| sys::environ_bytes(&mut buf)),
        other => {
            eprintln!("unknown workload {other:?}");
            exit(2)
        }
    };
    // The runner sets this for native reference runs: a second, idle thread makes the process
    // multi-threaded, which changes what the kernel does on every descriptor call.
    if std::env::var_os("WORKLOADS_IDLE_THREAD").is_some() {
        std::thread::spawn(|| {
            loop {
                std::thread::park();
            }
        });
    }
    let mut check = 0u64;
    let start = sys::now_ns();
    for i in 0..iterations {
        check = check.wrapping_add(op(i));
    }
    let elapsed = sys::now_ns() - start;
    let per_op = elapsed as f64 / iterations.max(1) as f64;
    eprintln!("ns_per_op={per_op:.3} check={check}");
}
