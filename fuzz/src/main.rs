//! `wasi-host-fuzz [--seconds N] [--calls N] [--seed S] [--instance N] [--hang-seconds N]`:
//! runs the hostcall fuzzer (usually through `cargo xtask fuzz`) and prints its report; exits 1
//! on a finding, 2 on a bad command line or a failure of the fuzzer itself.

use std::process::ExitCode;
use std::time::Duration;

use wasi_host_fuzz::alloc::CountingAlloc;
use wasi_host_fuzz::{Options, run};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const USAGE: &str =
    "usage: wasi-host-fuzz [--seconds N] [--calls N] [--seed S] [--instance N] [--hang-seconds N]";

fn number(text: &str) -> Option<u64> {
    match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

fn parse(args: &[String]) -> Option<Options> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut options = Options {
        seed: now,
        calls: None,
        duration: None,
        instance: None,
        hang: Duration::from_secs(10),
    };
    let mut rest = args.iter();
    while let Some(flag) = rest.next() {
        let value = number(rest.next()?)?;
        match flag.as_str() {
            "--seconds" => options.duration = Some(Duration::from_secs(value)),
            "--calls" => options.calls = Some(value),
            "--seed" => options.seed = value,
            "--instance" => options.instance = Some(value),
            "--hang-seconds" => options.hang = Duration::from_secs(value.max(1)),
            _ => return None,
        }
    }
    if options.calls.is_none() && options.duration.is_none() {
        options.duration = Some(Duration::from_secs(10));
    }
    Some(options)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(options) = parse(&args) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    println!("fuzz: seed {:#x}", options.seed);
    match run(&options) {
        Ok(report) => {
            print!("{report}");
            if report.findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
