//! `cargo xtask`: repository maintenance commands. Run `cargo xtask help`.

mod bench;
mod codegen;
mod fuzz;
mod rg_patch;
mod spec;
mod test;
mod upstream;

use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  codegen [--check]     regenerate the WITX bindings (--check: fail if they are stale)
  spec-check            check that witx/preview1 is ABI-identical to the pinned upstream spec
  spec-diff OLD NEW     print ABI differences; OLD and NEW are .witx files, directories of
                        them, or upstream:p0 / upstream:p1 (the pinned upstream snapshots)
  test [ARGS]           install what the tests need (wasm32-wasip1 target; clang and
                        wasi-libc on Debian, as root) and run every test; ARGS go to
                        `cargo test --workspace`
  bench [--quick] [ARGS] run the benchmarks: guest workloads under wasi-host, wasmtime-wasi
                        and natively, ripgrep, allocations, memory, a hyper server under wrk
                        (--quick: once, small sizes, no ripgrep, no network; for CI;
                        --net-only: the network rows alone). ARGS go to the runner (see bench/)
  fuzz [--seconds N] [--seed S] [--calls N] [--instance N]
                        run the hostcall fuzzer in release (10 s by default): random
                        calls of every bound function against a sandbox beside canaries;
                        fails on a panic, escape, allocation over 1 MiB, fd leak or hang
  help                  show this message";

/// A command's verdict when it ran to completion.
enum Outcome {
    Success,
    /// The command worked but found a problem it has already reported.
    Failed,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failed) => ExitCode::FAILURE,
        Err(e) => {
            // `{:#}` keeps the whole context chain on one line.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<Outcome> {
    let (command, rest) = match args.split_first() {
        Some((command, rest)) => (command.as_str(), rest),
        None => bail!("no command given; run `cargo xtask help`"),
    };
    // `bench` is expected to join this list.
    match command {
        "bench" => {
            bench::run(rest)?;
            Ok(Outcome::Success)
        }
        "fuzz" => {
            fuzz::run(rest)?;
            Ok(Outcome::Success)
        }
        "test" => {
            test::run(rest)?;
            Ok(Outcome::Success)
        }
        "codegen" => {
            let check = match rest {
                [] => false,
                [flag] if flag == "--check" => true,
                _ => bail!("usage: cargo xtask codegen [--check]"),
            };
            codegen::run(check)?;
            Ok(Outcome::Success)
        }
        "spec-check" => {
            if !rest.is_empty() {
                bail!("spec-check takes no arguments");
            }
            spec_check()
        }
        "spec-diff" => match rest {
            [old, new] => spec_diff(old, new),
            _ => bail!("usage: cargo xtask spec-diff OLD NEW"),
        },
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(Outcome::Success)
        }
        other => bail!("unknown command `{other}`; run `cargo xtask help`"),
    }
}

/// The workspace root; the xtask crate sits directly below it.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives inside the workspace")
        .to_path_buf()
}

fn spec_diff(old: &str, new: &str) -> Result<Outcome> {
    let (old, new) = (spec::Source::parse(old)?, spec::Source::parse(new)?);
    let mut loader = spec::Loader::new(&workspace_root());
    let old = loader.load(&old)?;
    let new = loader.load(&new)?;
    let changes = spec::diff(&spec::Abi::of(&old.doc), &spec::Abi::of(&new.doc));
    print!("{}", spec::render(&changes));
    // Differences are the expected output of a diff, not a failure.
    Ok(Outcome::Success)
}

fn spec_check() -> Result<Outcome> {
    let report = spec::check(&workspace_root())?;
    if !report.changes.is_empty() {
        print!("{}", spec::render(&report.changes));
        eprintln!(
            "spec-check: {} differs from {}: {} ABI differences above (old = upstream, new = ours)",
            spec::OUR_PREVIEW1,
            report.upstream,
            report.changes.len()
        );
        return Ok(Outcome::Failed);
    }
    println!(
        "spec-check: {} is ABI-identical to {} ({} functions, {} types)",
        spec::OUR_PREVIEW1,
        report.upstream,
        report.functions,
        report.types
    );
    Ok(Outcome::Success)
}
