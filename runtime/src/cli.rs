//! The `wasi-host` command line: runs a WASI preview1 command module.
//!
//! ```text
//! wasi-host run [OPTIONS] PROGRAM.wasm|.wat [ARGS]...
//! wasi-host [OPTIONS] PROGRAM [ARGS]...          (`run` is implied)
//! ```
//!
//! The flags are spelled as `wasmtime run` spells them. Exit statuses: the guest's own
//! (`proc_exit`, or 0 when `_start` returns); 134 (128 + `SIGABRT`, as wasmtime on Unix) when
//! the guest traps; 2 when the command line, the module or the host setup is wrong, with a
//! single `error: ...` line on stderr. `docs/cli.md` has the details.

use std::ffi::OsString;
use std::fmt;
use std::net::TcpListener;
use std::num::NonZeroUsize;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use wasmtime::{Config, Engine, ExternType, Linker, Store, WasmBacktrace};

use crate::{Exit, WasiCtx, WasiCtxBuilder};

/// The status for a bad command line, module or host setup (as clap uses for usage errors).
const USAGE_ERROR: u8 = 2;
/// The status for a trap: what a native process killed by `abort()` reports (128 + SIGABRT).
const TRAP: u8 = 134;

#[derive(Parser)]
#[command(
    name = "wasi-host",
    version,
    about = "Runs WebAssembly programs written against WASI preview1",
    arg_required_else_help = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a WASI command module (`.wasm`, or `.wat` text) to completion.
    #[command(override_usage = "wasi-host run [OPTIONS] <PROGRAM> [ARGS]...")]
    Run(RunArgs),
}

#[derive(Args)]
struct RunArgs {
    /// Grants the guest a host directory. `HOST` alone is visible under the same name;
    /// `HOST::GUEST` under the name GUEST; `HOST::GUEST::ro` read-only. Repeatable; the
    /// directories are preopened in order from fd 3.
    #[arg(long = "dir", value_name = "HOST[::GUEST[::ro]]", value_parser = parse_dir)]
    dirs: Vec<DirArg>,

    /// Sets a guest environment variable (`NAME=VALUE`), or passes the host's value of NAME
    /// (`NAME` alone; skipped if the host has none). Repeatable; later ones win.
    #[arg(long = "env", value_name = "NAME[=VALUE]", value_parser = parse_env)]
    env: Vec<(String, Option<String>)>,

    /// Passes every host environment variable to the guest (`--env` entries still win). By
    /// default the guest sees none.
    #[arg(long = "inherit-env")]
    inherit_env: bool,

    /// Binds a TCP listener on ADDR (e.g. `127.0.0.1:8080`) and preopens it for the guest
    /// (`sock_accept`), after the directories. Repeatable.
    #[arg(long = "tcplisten", value_name = "ADDR")]
    tcplisten: Vec<String>,

    /// The most descriptors the guest may have open at once, stdio included.
    #[arg(long = "fd-limit", value_name = "N")]
    fd_limit: Option<u32>,

    /// The module to run (binary `.wasm` or text `.wat`, exporting `_start`), then the
    /// guest's arguments. Everything after PROGRAM is the guest's, flags included; a `--`
    /// directly after PROGRAM (or before it) only separates, and is not passed on. The guest's
    /// argv[0] is PROGRAM as given.
    #[arg(value_name = "PROGRAM", required = true, trailing_var_arg = true)]
    program_and_args: Vec<String>,
}

impl RunArgs {
    /// PROGRAM as given.
    fn program(&self) -> &str {
        self.program_and_args.first().map_or("", String::as_str)
    }

    /// The guest's arguments after argv[0], without a separating `--` right after PROGRAM.
    fn guest_args(&self) -> &[String] {
        let rest = self.program_and_args.get(1..).unwrap_or_default();
        match rest.split_first() {
            Some((first, after)) if first == "--" => after,
            _ => rest,
        }
    }
}

/// One `--dir`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct DirArg {
    host: String,
    guest: String,
    read_only: bool,
}

fn parse_dir(s: &str) -> Result<DirArg, String> {
    let mut parts = s.split("::");
    let host = parts.next().unwrap_or_default();
    let guest = parts.next();
    let read_only = match parts.next() {
        None => false,
        Some("ro") => true,
        Some(other) => {
            return Err(format!(
                "unknown directory mode `{other}` (the only mode is `ro`, as in HOST::GUEST::ro)"
            ));
        }
    };
    if parts.next().is_some() {
        return Err("expected HOST, HOST::GUEST or HOST::GUEST::ro".into());
    }
    if host.is_empty() {
        return Err("the host directory is empty".into());
    }
    let guest = guest.unwrap_or(host);
    if guest.is_empty() {
        return Err("the guest name is empty".into());
    }
    Ok(DirArg {
        host: host.into(),
        guest: guest.into(),
        read_only,
    })
}

fn parse_env(s: &str) -> Result<(String, Option<String>), String> {
    let (name, value) = match s.split_once('=') {
        Some((name, value)) => (name, Some(value.to_string())),
        None => (s, None),
    };
    if name.is_empty() {
        return Err("the variable name is empty".into());
    }
    Ok((name.to_string(), value))
}

/// A failure before the guest runs: reported as one `error:` line, exit status 2.
struct SetupError(String);

impl<T: fmt::Display> From<T> for SetupError {
    fn from(message: T) -> Self {
        SetupError(message.to_string())
    }
}

/// Runs the command line of this process; returns the status to exit with.
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// Runs the given command line (its first item is the program name).
pub fn main_from(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(imply_run(args.into_iter().collect())) {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    let Command::Run(run) = cli.command;
    match execute(run) {
        Ok(code) => code,
        Err(SetupError(message)) => {
            eprintln!("error: {}", one_line(&message));
            ExitCode::from(USAGE_ERROR)
        }
    }
}

/// Inserts `run` when the first argument is not a subcommand or a top-level flag, so that
/// `wasi-host prog.wasm` works as `wasmtime prog.wasm` does.
fn imply_run(mut args: Vec<OsString>) -> Vec<OsString> {
    let explicit = match args.get(1).and_then(|a| a.to_str()) {
        None => true,
        Some(first) => matches!(first, "run" | "-h" | "--help" | "-V" | "--version"),
    };
    if !explicit {
        args.insert(1, "run".into());
    }
    args
}

/// Help and version go to stdout with status 0; usage errors become one line and status 2.
fn clap_error(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = e.print();
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = e.print();
            ExitCode::from(USAGE_ERROR)
        }
        _ => {
            // clap's first paragraph is the message (a missing argument's name is on its
            // second line); tips and usage follow after a blank line.
            let text = e.to_string();
            let first = text.split("\n\n").next().unwrap_or_default();
            let first = one_line(first.strip_prefix("error: ").unwrap_or(first));
            eprintln!("error: {first} (see `wasi-host run --help`)");
            ExitCode::from(USAGE_ERROR)
        }
    }
}

fn execute(run: RunArgs) -> Result<ExitCode, SetupError> {
    let mut config = Config::new();
    // Traps print where they happened; WASMTIME_BACKTRACE_DETAILS=1 adds file and line from
    // the module's debug info (wasmtime's default reads that variable).
    config.wasm_backtrace_max_frames(NonZeroUsize::new(20));
    let engine = Engine::new(&config).map_err(|e| chain(&e))?;

    let program = run.program();
    let bytes = std::fs::read(program).map_err(|e| format!("cannot read `{program}`: {e}"))?;
    let module = crate::compile_module(&engine, &bytes)
        .map_err(|e| format!("`{program}` is not a valid module: {}", chain(&e)))?;
    match module.get_export("_start") {
        Some(ExternType::Func(ty)) if ty.params().len() == 0 && ty.results().len() == 0 => {}
        Some(_) => {
            return Err(format!(
                "`{}` exports `_start`, but not as a function without parameters and results",
                program
            )
            .into());
        }
        None => {
            return Err(format!(
                "`{}` has no `_start` export: it is not a WASI command (reactors and libraries \
                 cannot be run)",
                program
            )
            .into());
        }
    }

    let ctx = build_ctx(&run)?;
    let linker = Linker::new(&engine);
    let mut store = Store::new(&engine, ctx);

    let instance = match crate::instantiate(&mut store, &linker, &module, |ctx: &mut WasiCtx| ctx) {
        Ok(instance) => instance,
        // A start function that exits or traps ran guest code: report it as a run would.
        Err(e) if is_guest_outcome(&e) => return Ok(guest_failed(&e)),
        Err(e) => {
            return Err(format!("cannot instantiate `{program}`: {}", chain(&e)).into());
        }
    };
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .map_err(|e| chain(&e))?;
    Ok(match start.call(&mut store, ()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => guest_failed(&e),
    })
}

fn build_ctx(run: &RunArgs) -> Result<WasiCtx, SetupError> {
    let mut b = WasiCtxBuilder::new();
    b.arg(run.program()).args(run.guest_args().iter().cloned());
    if run.inherit_env {
        b.inherit_env();
    }
    for (name, value) in &run.env {
        match value {
            Some(value) => b.env(name, value),
            None => b.inherit_env_var(name),
        };
    }
    for dir in &run.dirs {
        if dir.read_only {
            b.preopen_dir_read_only(&dir.host, dir.guest.as_str());
        } else {
            b.preopen_dir(&dir.host, dir.guest.as_str());
        }
    }
    for addr in &run.tcplisten {
        let listener = TcpListener::bind(addr.as_str())
            .map_err(|e| format!("cannot listen on `{addr}` (--tcplisten): {e}"))?;
        b.tcp_listener(listener);
    }
    if let Some(limit) = run.fd_limit {
        b.fd_limit(limit);
    }
    Ok(b.build()?)
}

/// Whether an instantiation error came from running guest code (an exit or a trap) rather
/// than from linking.
fn is_guest_outcome(e: &wasmtime::Error) -> bool {
    e.downcast_ref::<Exit>().is_some()
        || e.downcast_ref::<wasmtime::Trap>().is_some()
        || e.downcast_ref::<WasmBacktrace>().is_some()
}

/// The exit status for a guest that did not return from `_start`: its `proc_exit` status, or
/// a trap printed with its wasm backtrace.
fn guest_failed(e: &wasmtime::Error) -> ExitCode {
    if let Some(&Exit(code)) = e.downcast_ref::<Exit>() {
        return match u8::try_from(code) {
            Ok(code) => ExitCode::from(code),
            // A Unix status keeps only the low 8 bits: 256 would read as success. Treat an
            // unrepresentable status as the abnormal end it is, as wasmtime does.
            Err(_) => {
                eprintln!("error: the guest exited with status {code}, which is above 255");
                ExitCode::from(TRAP)
            }
        };
    }
    eprintln!("error: {}", chain(e));
    if let Some(trace) = e.downcast_ref::<WasmBacktrace>() {
        // Frames only: wasmtime's own heading line is replaced by a shorter one.
        let text = trace.to_string();
        let mut lines = text.lines();
        lines.next();
        eprintln!("wasm backtrace:");
        for line in lines {
            eprintln!("{line}");
        }
    }
    ExitCode::from(TRAP)
}

/// An error and its causes on one line, without the wasm backtrace (printed separately).
fn chain(e: &wasmtime::Error) -> String {
    let trace = e.downcast_ref::<WasmBacktrace>().map(ToString::to_string);
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if Some(&text) == trace.as_ref() {
            continue;
        }
        let text = one_line(&text);
        if text.is_empty() || out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// The message with its lines joined, so every error is one line of output.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dir_forms() {
        let d = parse_dir("data").unwrap();
        assert_eq!(
            (d.host.as_str(), d.guest.as_str(), d.read_only),
            ("data", "data", false)
        );
        let d = parse_dir("a/b::/x").unwrap();
        assert_eq!(
            (d.host.as_str(), d.guest.as_str(), d.read_only),
            ("a/b", "/x", false)
        );
        let d = parse_dir(".::/::ro").unwrap();
        assert_eq!(
            (d.host.as_str(), d.guest.as_str(), d.read_only),
            (".", "/", true)
        );
        assert!(parse_dir(".::/::rw").is_err());
        assert!(parse_dir(".::/::ro::x").is_err());
        assert!(parse_dir("::guest").is_err());
        assert!(parse_dir("").is_err());
        assert!(parse_dir("host::").is_err());
    }

    #[test]
    fn env_forms() {
        assert_eq!(parse_env("A=1").unwrap(), ("A".into(), Some("1".into())));
        assert_eq!(parse_env("A=").unwrap(), ("A".into(), Some("".into())));
        assert_eq!(
            parse_env("A=b=c").unwrap(),
            ("A".into(), Some("b=c".into()))
        );
        assert_eq!(parse_env("A").unwrap(), ("A".into(), None));
        assert!(parse_env("=x").is_err());
        assert!(parse_env("").is_err());
    }

    #[test]
    fn run_is_implied_unless_given_or_a_top_level_flag() {
        let v = |a: &[&str]| imply_run(a.iter().map(OsString::from).collect());
        assert_eq!(v(&["w", "x.wasm"]), v(&["w", "run", "x.wasm"]));
        assert_eq!(v(&["w", "--dir", "."])[1], "run");
        assert_eq!(v(&["w", "run", "run"]).len(), 3);
        assert_eq!(v(&["w", "--help"]).len(), 2);
        assert_eq!(v(&["w"]).len(), 1);
    }

    #[test]
    fn trailing_arguments_belong_to_the_guest() {
        let parse = |a: &[&str]| {
            let Command::Run(r) =
                Cli::try_parse_from(imply_run(a.iter().map(OsString::from).collect()))
                    .unwrap()
                    .command;
            r
        };
        let r = parse(&["w", "--env", "A=1", "p.wasm", "--env", "B", "-x", "--", "y"]);
        assert_eq!(r.program(), "p.wasm");
        assert_eq!(r.guest_args(), ["--env", "B", "-x", "--", "y"]);
        assert_eq!(r.env, [("A".to_string(), Some("1".to_string()))]);
        let r = parse(&["w", "run", "--inherit-env", "--", "p.wasm", "--dir", "x"]);
        assert!(r.inherit_env);
        assert_eq!(r.program(), "p.wasm");
        assert_eq!(r.guest_args(), ["--dir", "x"]);
        // A `--` right after PROGRAM ends the host's options; a later one is the guest's.
        let r = parse(&["w", "p.wasm", "--", "a", "--", "b"]);
        assert_eq!(r.guest_args(), ["a", "--", "b"]);
        let r = parse(&["w", "p.wasm", "--", "--", "x"]);
        assert_eq!(r.guest_args(), ["--", "x"]);
        let r = parse(&["w", "p.wasm", "--dir", "x"]);
        assert_eq!(
            (r.program(), r.guest_args()),
            ("p.wasm", &["--dir".to_string(), "x".to_string()][..])
        );
        assert!(r.dirs.is_empty());
        let r = parse(&["w", "p.wasm"]);
        assert!(r.guest_args().is_empty());
        let r = parse(&[
            "w",
            "--fd-limit",
            "9",
            "--tcplisten",
            "127.0.0.1:0",
            "p.wat",
        ]);
        assert_eq!(
            (r.fd_limit, &r.tcplisten[..]),
            (Some(9), &["127.0.0.1:0".to_string()][..])
        );
    }

    #[test]
    fn messages_become_one_line() {
        assert_eq!(one_line("a\n  b\n\n c "), "a b c");
    }
}
