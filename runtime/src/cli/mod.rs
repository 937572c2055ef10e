//! The `wasi-host` command line: runs a WASI preview1 command module, or compiles one ahead of
//! time.
//!
//! ```text
//! wasi-host run [OPTIONS] PROGRAM.wasm|.wat|.cwasm [ARGS]...
//! wasi-host [OPTIONS] PROGRAM [ARGS]...          (`run` is implied)
//! wasi-host compile [OPTIONS] PROGRAM.wasm [-o PROGRAM.cwasm]
//! ```
//!
//! The flags are spelled as `wasmtime run` spells them, option groups (`-S`, `-W`, `-C`, `-O`)
//! included. Exit statuses: the guest's own (`proc_exit`, or 0 when `_start` returns); 134
//! (128 + `SIGABRT`, as wasmtime on Unix) when the guest traps; 124, 152 and 139 when it hits
//! `-W timeout`, `-W fuel` or its stack limit; 2 when the command line, the module or the host
//! setup is wrong, with a single `error: ...` line on stderr. `docs/cli.md` has the details.

mod cache;
mod load;
mod options;
mod run;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use thiserror::Error;
use wasmtime::{Engine, WasmBacktrace};

use options::{OptionError, Settings};

/// The status for a bad command line, module or host setup (as clap uses for usage errors).
const USAGE_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "wasi-host",
    version,
    about = "Runs WebAssembly programs written against WASI preview1",
    after_help = "`run` may be left out: `wasi-host [OPTIONS] PROGRAM [ARGS]...` runs PROGRAM.",
    arg_required_else_help = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of the larger variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Runs a WASI command module (`.wasm`, `.wat` text, or a precompiled `.cwasm`) to
    /// completion.
    #[command(override_usage = "wasi-host run [OPTIONS] <PROGRAM> [ARGS]...")]
    Run(RunArgs),
    /// Compiles a module ahead of time into a file `run --allow-precompiled` loads without
    /// compiling.
    Compile(CompileArgs),
}

/// The options that decide the machine code, shared by `run` and `compile`.
#[derive(Args)]
struct CodegenArgs {
    /// Compilation: `cache=y|n` (default y), `cache-dir=DIR` (default
    /// $XDG_CACHE_HOME/wasi-host, else ~/.cache/wasi-host), `compiler=cranelift|winch`
    /// (default cranelift). Repeatable; items may be comma-separated.
    #[arg(short = 'C', value_name = "KEY[=VAL]")]
    compile: Vec<String>,

    /// Optimisation: `opt-level=0|1|2|s` (default 2).
    #[arg(short = 'O', value_name = "KEY[=VAL]")]
    optimize: Vec<String>,

    /// Wasm limits: `max-memory-size=BYTES` (default: the module's own maximum),
    /// `max-wasm-stack=BYTES` (default 512K), `fuel=N` (default: unlimited),
    /// `timeout=DURATION` such as 500ms, 2s, 1m (default: none); `threads=y` enables the
    /// threads proposal (a wasi-threads module gets it anyway; needed to `compile` one).
    /// Sizes take a K, M or G suffix.
    #[arg(short = 'W', value_name = "KEY[=VAL]")]
    wasm: Vec<String>,
}

impl CodegenArgs {
    fn apply(&self, settings: &mut Settings) -> Result<(), OptionError> {
        for (group, items) in [
            ('C', &self.compile),
            ('O', &self.optimize),
            ('W', &self.wasm),
        ] {
            for item in items {
                settings.apply(group, item)?;
            }
        }
        Ok(())
    }
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

    /// WASI: `inherit-env[=y|n]` passes every host environment variable (default n; `--env`
    /// entries still win); `tcplisten=ADDR` binds and preopens a TCP listener (repeatable);
    /// `inherit-network[=y|n]` lets the WasmEdge socket calls create, bind and connect
    /// sockets and resolve names freely (default n: each is refused with EACCES);
    /// `allow-ip-name-lookup[=y|n]` allows name resolution alone; `threads[=y|n]`: a module
    /// that imports `wasi.thread-spawn` runs threaded (default y; n refuses such a module).
    #[arg(short = 'S', value_name = "KEY[=VAL]")]
    wasi: Vec<String>,

    #[command(flatten)]
    codegen: CodegenArgs,

    /// The same as `-S inherit-env`.
    #[arg(long = "inherit-env")]
    inherit_env: bool,

    /// The same as `-S tcplisten=ADDR` (e.g. `127.0.0.1:8080`). Repeatable; listeners are
    /// preopened after the directories, `-S` ones first.
    #[arg(long = "tcplisten", value_name = "ADDR")]
    tcplisten: Vec<String>,

    /// Lets the guest bind (and listen on) these addresses and ports through the WasmEdge
    /// socket calls: `ADDR:PORTS`, ADDR an IP (`[...]` for IPv6), a CIDR block, a host name
    /// or `*`; PORTS `N`, `N-M` or `*`. Repeatable.
    #[arg(long = "allow-bind", value_name = "ADDR:PORTS", value_parser = parse_net_rule)]
    allow_bind: Vec<crate::NetRule>,

    /// Lets the guest connect and send datagrams to these addresses and ports (`HOST` or
    /// `CIDR`, then `:PORTS`, as `--allow-bind`). Repeatable.
    #[arg(long = "allow-connect", value_name = "HOST|CIDR:PORTS", value_parser = parse_net_rule)]
    allow_connect: Vec<crate::NetRule>,

    /// The most descriptors the guest may have open at once, stdio included (at least 3).
    #[arg(
        long = "fd-limit",
        value_name = "N",
        default_value_t = 1024,
        value_parser = parse_fd_limit,
        allow_hyphen_values = true
    )]
    fd_limit: u32,

    /// The most threads a wasi-threads program may run at once besides its main thread;
    /// `thread-spawn` fails beyond it.
    #[arg(long = "max-threads", value_name = "N", default_value_t = crate::program::DEFAULT_MAX_THREADS)]
    pub(crate) max_threads: u32,

    /// The guest's argv[0] (default: PROGRAM as given).
    #[arg(long = "argv0", value_name = "NAME")]
    argv0: Option<String>,

    /// Calls the exported function NAME instead of `_start` (after `_initialize`, if
    /// exported), with ARGS as its parameters; prints each result on its own line.
    #[arg(long = "invoke", value_name = "NAME")]
    invoke: Option<String>,

    /// Allows PROGRAM to be a precompiled module (`wasi-host compile`). Its machine code is
    /// run as it is: only use files you compiled yourself or trust.
    #[arg(long = "allow-precompiled")]
    allow_precompiled: bool,

    /// Prints every WASI call, one line each, strace-like: its decoded arguments (paths,
    /// descriptors, flags by name, iovec sizes and addresses), its result or errno by name,
    /// and its duration. To stderr, or to FILE with `--trace=FILE`.
    #[arg(
        long = "trace",
        value_name = "FILE",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "-"
    )]
    trace: Option<String>,

    /// Makes runs repeatable: a virtual clock (realtime from 2025-01-01, every read one
    /// microsecond later, monotonic and realtime consistent) and random bytes from SEED
    /// (default 0) instead of the OS's.
    #[arg(
        long = "deterministic",
        value_name = "SEED",
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "0"
    )]
    deterministic: Option<u64>,

    /// Mounts an in-memory directory at GUEST (a preopen, after the `--dir` ones): empty, or
    /// with `HOST::GUEST` a copy of the host directory HOST (files, directories, symbolic
    /// links). The guest may create, write and read files there; nothing reaches the disk and
    /// everything is gone when the run ends.
    #[arg(long = "mem-dir", value_name = "[HOST::]GUEST")]
    mem_dir: Option<String>,

    /// Writes profiling information for `perf`: a perf map (/tmp/perf-PID.map) or a jitdump.
    #[arg(long = "profile", value_name = "STRATEGY", value_enum)]
    profile: Option<Profile>,

    /// The module to run (binary `.wasm`, text `.wat`, precompiled with
    /// `--allow-precompiled`), then the guest's arguments. Everything after PROGRAM is the
    /// guest's, flags included; a `--` directly after PROGRAM (or before it) only separates,
    /// and is not passed on.
    #[arg(value_name = "PROGRAM", required = true, trailing_var_arg = true)]
    program_and_args: Vec<String>,
}

/// `--profile`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Profile {
    /// A perf map file: function names for `perf report`.
    Perfmap,
    /// A jitdump file for `perf inject --jit`.
    Jitdump,
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

    /// The option groups and their long aliases, merged.
    fn settings(&self) -> Result<Settings, OptionError> {
        let mut settings = Settings::default();
        for item in &self.wasi {
            settings.apply('S', item)?;
        }
        self.codegen.apply(&mut settings)?;
        settings.inherit_env |= self.inherit_env;
        settings.tcplisten.extend(self.tcplisten.iter().cloned());
        Ok(settings)
    }
}

#[derive(Args)]
struct CompileArgs {
    #[command(flatten)]
    codegen: CodegenArgs,

    /// Where to write the compiled module (default: PROGRAM with the extension `.cwasm`).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,

    /// The module to compile (binary `.wasm` or text `.wat`).
    #[arg(value_name = "PROGRAM")]
    program: String,
}

fn parse_fd_limit(s: &str) -> Result<u32, String> {
    let n: i128 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number"))?;
    if n < 3 {
        return Err(format!(
            "{n} is below 3: stdin, stdout and stderr take three descriptors"
        ));
    }
    u32::try_from(n).map_err(|_| format!("{n} is above {}", u32::MAX))
}

/// One `--dir`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct DirArg {
    host: String,
    guest: String,
    read_only: bool,
}

fn parse_net_rule(s: &str) -> Result<crate::NetRule, String> {
    s.parse().map_err(|e: crate::NetRuleError| e.to_string())
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
#[derive(Debug, Error)]
pub(crate) enum SetupError {
    /// The program file cannot be read (missing, not a regular file, too large).
    #[error("cannot read `{path}`: {why}")]
    Read { path: String, why: String },
    /// The program is not a module wasmtime accepts.
    #[error("`{path}` is not a valid module: {why}")]
    Invalid { path: String, why: String },
    /// The program is a component.
    #[error(
        "`{0}` is a WebAssembly component; wasi-host runs core modules written against WASI \
         preview1"
    )]
    Component(String),
    /// A precompiled program without `--allow-precompiled`.
    #[error(
        "`{0}` is a precompiled module; run it with `--allow-precompiled` if you trust it (its \
         machine code is not checked)"
    )]
    PrecompiledRefused(String),
    /// `-C cache-dir` cannot be used.
    #[error("cannot use the compile cache in `{dir}`: {why}")]
    Cache { dir: String, why: String },
    /// A wrong `-S`, `-W`, `-C` or `-O` item.
    #[error(transparent)]
    Option(#[from] OptionError),
    /// wasmtime refused the configuration.
    #[error("cannot set up the engine: {0}")]
    Engine(String),
    /// Anything else, already phrased.
    #[error("{0}")]
    Other(String),
}

/// Runs the command line of this process; returns the status to exit with.
pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// Runs the given command line (its first item is the program name).
pub fn main_from(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let args: Vec<OsString> = args.into_iter().collect();
    // Guest arguments reach the guest as strings: name a non-UTF-8 one here, rather than let
    // clap report that "one or more arguments" were invalid.
    if let Some((i, bad)) = args
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, a)| a.to_str().is_none())
    {
        eprintln!("error: argument {i} ({bad:?}) is not valid UTF-8");
        return ExitCode::from(USAGE_ERROR);
    }
    let cli = match Cli::try_parse_from(imply_run(args)) {
        Ok(cli) => cli,
        Err(e) => return clap_error(e),
    };
    let outcome = match cli.command {
        Command::Run(args) => args
            .settings()
            .map_err(SetupError::from)
            .and_then(|settings| run::run(&args, &settings)),
        Command::Compile(args) => compile(&args),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", one_line(&e.to_string()));
            ExitCode::from(USAGE_ERROR)
        }
    }
}

/// `wasi-host compile`: writes the module compiled for these settings.
fn compile(args: &CompileArgs) -> Result<ExitCode, SetupError> {
    let mut settings = Settings::default();
    args.codegen.apply(&mut settings)?;
    let program = args.program.as_str();
    let wasm = match load::read_program(program)? {
        load::Program::Wasm(wasm) => wasm,
        load::Program::Precompiled(_) => {
            return Err(SetupError::Other(format!(
                "`{program}` is already a precompiled module"
            )));
        }
    };
    let shape = load::shape(program, &wasm)?;
    let mut config = run::engine_config(&settings, None)?;
    // A threaded program is compiled as `wasi-host run` will run it (shared memory, epoch
    // checks), unless `-W threads=n` says otherwise.
    let threaded = shape
        .imports
        .iter()
        .any(|(module, name)| crate::program::spawns_threads(module, name));
    if threaded && settings.threads != Some(false) {
        crate::program::configure(&mut config);
    }
    let engine = Engine::new(&config).map_err(|e| SetupError::Engine(chain(&e)))?;
    let compiled = engine
        .precompile_module(&wasm)
        .map_err(|e| SetupError::Invalid {
            path: program.to_string(),
            why: chain(&e),
        })?;
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| Path::new(program).with_extension("cwasm"));
    write_atomically(&output, &compiled)
        .map_err(|e| SetupError::Other(format!("cannot write `{}`: {e}", output.display())))?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `bytes` to a temporary file beside `path`, then renames it into place, so that no
/// reader ever sees half a module.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Inserts `run` when the first argument is not a subcommand or a top-level flag, so that
/// `wasi-host prog.wasm` works as `wasmtime prog.wasm` does.
fn imply_run(mut args: Vec<OsString>) -> Vec<OsString> {
    let explicit = match args.get(1).and_then(|a| a.to_str()) {
        None => true,
        Some(first) => matches!(
            first,
            "run" | "compile" | "-h" | "--help" | "-V" | "--version"
        ),
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
        let parse = |a: &[&str]| match Cli::try_parse_from(imply_run(
            a.iter().map(OsString::from).collect(),
        ))
        .unwrap()
        .command
        {
            Command::Run(r) => r,
            Command::Compile(_) => panic!("not a run"),
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
            (9, &["127.0.0.1:0".to_string()][..])
        );
        assert_eq!(parse(&["w", "p.wat"]).fd_limit, 1024);
    }

    #[test]
    fn messages_become_one_line() {
        assert_eq!(one_line("a\n  b\n\n c "), "a b c");
    }
}
