//! Runs a guest program the way users do: in-process through `WasiCtxBuilder`, or through the
//! `wasi-host` command line; either way the test gets its exit status and output.

use std::collections::HashMap;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

use wasi_host::layers::{MemFs, MemTree, MountPoint};
use wasi_host::{Exit, Stdio, WasiCtx, WasiCtxBuilder};
use wasmtime::{Engine, Linker, Module, Store};

/// What a guest run produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The exit status: the guest's `proc_exit` code, 0 when `_start` returns, or 134 on a trap.
    pub status: i32,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    /// Stdout as text.
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Stderr as text.
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Panics unless the guest exited with status 0 and its last line of stdout is
    /// `checks passed: N` with `expected` checks: a guest judged by its status alone could
    /// leave early with 0 (a stray `exit(0)`, a check skipped by a changed condition) and look
    /// as if it had passed.
    #[track_caller]
    pub fn assert_checks_passed(&self, expected: u32) -> &Self {
        self.assert_success();
        let text = self.stdout_text();
        let last = text.lines().last().unwrap_or("");
        assert_eq!(
            last,
            format!("checks passed: {expected}"),
            "the guest did not report finishing all its checks\n--- stdout\n{text}\n--- stderr\n{}",
            self.stderr_text()
        );
        self
    }

    /// Panics with the guest's output unless it exited with status 0.
    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        assert_eq!(
            self.status,
            0,
            "guest failed\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout_text(),
            self.stderr_text()
        );
        self
    }
}

/// A guest run being set up.
#[derive(Debug, Clone)]
pub struct Run {
    wasm: PathBuf,
    args: Vec<String>,
    env: Vec<(String, Option<String>)>,
    dirs: Vec<(PathBuf, String, bool)>,
    stdin: Vec<u8>,
    fd_limit: Option<u32>,
    /// A host directory copied into an in-memory mount (`--mem-dir HOST::GUEST`).
    mem_dir: Option<(PathBuf, String)>,
}

impl Run {
    /// Runs the module at `wasm`.
    pub fn new(wasm: impl AsRef<Path>) -> Run {
        Run {
            wasm: wasm.as_ref().to_path_buf(),
            args: Vec::new(),
            env: Vec::new(),
            dirs: Vec::new(),
            stdin: Vec::new(),
            fd_limit: None,
            mem_dir: None,
        }
    }

    /// Runs Rust guest `name` (`guests/rust/src/bin/<name>.rs`).
    pub fn rust(name: &str) -> Run {
        Run::new(crate::guests::rust(name))
    }

    /// Runs C guest `name` (`guests/c/<name>.c`).
    pub fn c(name: &str) -> Run {
        Run::new(crate::guests::c(name))
    }

    /// Runs `.wat` guest `name` (`guests/wat/<name>.wat`).
    pub fn wat(name: &str) -> Run {
        Run::new(crate::guest_dir().join("wat").join(format!("{name}.wat")))
    }

    /// Appends a guest argument (after the program name).
    pub fn arg(mut self, arg: impl Into<String>) -> Run {
        self.args.push(arg.into());
        self
    }

    /// Sets a guest environment variable.
    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    /// Preopens host directory `host` as `guest`.
    pub fn dir(mut self, host: impl AsRef<Path>, guest: &str) -> Run {
        self.dirs
            .push((host.as_ref().to_path_buf(), guest.into(), false));
        self
    }

    /// Preopens host directory `host` as `guest`, read-only.
    pub fn dir_read_only(mut self, host: impl AsRef<Path>, guest: &str) -> Run {
        self.dirs
            .push((host.as_ref().to_path_buf(), guest.into(), true));
        self
    }

    /// Mounts a copy of host directory `host` in memory as `guest`: the first preopen in
    /// process, after the `--dir` ones through the CLI.
    pub fn mem_dir(mut self, host: impl AsRef<Path>, guest: &str) -> Run {
        self.mem_dir = Some((host.as_ref().to_path_buf(), guest.into()));
        self
    }

    /// What the guest reads from stdin.
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Run {
        self.stdin = bytes.into();
        self
    }

    /// Limits how many descriptors the guest may hold.
    pub fn fd_limit(mut self, limit: u32) -> Run {
        self.fd_limit = Some(limit);
        self
    }

    fn program_name(&self) -> String {
        self.wasm
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// Runs the guest inside this process, on a thread of its own, within the time limit of
    /// [`crate::watchdog`].
    pub fn in_process(&self) -> Output {
        let run = self.clone();
        let what = format!("guest {} (in process)", self.program_name());
        crate::watchdog::run(&what, move || run.in_process_here())
    }

    fn in_process_here(&self) -> Output {
        let mut stdin = tempfile::tempfile().expect("stdin file");
        stdin.write_all(&self.stdin).unwrap();
        stdin.rewind().unwrap();
        let stdout = tempfile::tempfile().expect("stdout file");
        let stderr = tempfile::tempfile().expect("stderr file");

        let mut builder = WasiCtxBuilder::new();
        builder
            .arg(self.program_name())
            .args(self.args.iter().cloned());
        for (k, v) in &self.env {
            match v {
                Some(v) => builder.env(k, v),
                None => builder.inherit_env_var(k),
            };
        }
        // In process, the in-memory mount is the first preopen (fd 3), so that guests which
        // number their preopens find it where a real one would be.
        let mount = self.mem_dir.as_ref().map(|(host, guest)| {
            let mount = MountPoint::add(&mut builder, guest).expect("mount point");
            (mount, MemTree::load(host).expect("load the in-memory tree"))
        });
        for (host, guest, read_only) in &self.dirs {
            if *read_only {
                builder.preopen_dir_read_only(host, guest.clone());
            } else {
                builder.preopen_dir(host, guest.clone());
            }
        }
        if let Some(limit) = self.fd_limit {
            builder.fd_limit(limit);
        }
        builder
            // The guests under test seek, truncate and stamp their stdin file: it is theirs.
            .stdin(Stdio::GuestFile(stdin))
            .stdout(Stdio::File(stdout.try_clone().unwrap()))
            .stderr(Stdio::File(stderr.try_clone().unwrap()));
        let ctx = builder.build().expect("build WasiCtx");

        let engine = engine();
        let module = module(&self.wasm);
        let result = match mount {
            None => {
                let linker: Linker<WasiCtx> = Linker::new(engine);
                let mut store = Store::new(engine, ctx);
                crate::watchdog::arm(&mut store);
                wasi_host::instantiate(&mut store, &linker, &module, |ctx| ctx)
                    .and_then(|i| i.get_typed_func::<(), ()>(&mut store, "_start"))
                    .and_then(|start| start.call(&mut store, ()))
            }
            Some((mount, tree)) => {
                let host = MemFs::new(ctx, mount, tree).expect("mount in memory");
                let linker: Linker<MemFs<WasiCtx>> = Linker::new(engine);
                let mut store = Store::new(engine, host);
                crate::watchdog::arm(&mut store);
                wasi_host::instantiate(&mut store, &linker, &module, |h: &mut MemFs<WasiCtx>| h)
                    .and_then(|i| i.get_typed_func::<(), ()>(&mut store, "_start"))
                    .and_then(|start| start.call(&mut store, ()))
            }
        };
        let mut trap_text = String::new();
        let status = match result {
            Ok(()) => 0,
            Err(e) if crate::watchdog::is_timeout(&e) => panic!(
                "guest {} (in process) was still running wasm code after {:?}: {e:?}",
                self.program_name(),
                crate::watchdog::limit()
            ),
            Err(e) => match e.downcast_ref::<Exit>() {
                Some(Exit(code)) => *code as i32,
                None => {
                    trap_text = format!("{e:?}\n");
                    134
                }
            },
        };
        let read_all = |mut f: std::fs::File| {
            let mut bytes = Vec::new();
            f.rewind().unwrap();
            f.read_to_end(&mut bytes).unwrap();
            bytes
        };
        let mut stderr = read_all(stderr);
        stderr.extend_from_slice(trap_text.as_bytes());
        Output {
            status,
            stdout: read_all(stdout),
            stderr,
        }
    }

    /// Runs the guest through the `wasi-host` command line (`wasi-host run ...`).
    pub fn cli(&self) -> Output {
        let exe = crate::cli_exe();
        let mut cmd = Command::new(exe);
        // No compile cache: tests never write to the user's ~/.cache.
        cmd.args(["run", "-C", "cache=n"]);
        for (host, guest, read_only) in &self.dirs {
            let spec = if *read_only {
                format!("{}::{guest}::ro", host.display())
            } else {
                format!("{}::{guest}", host.display())
            };
            cmd.arg("--dir").arg(spec);
        }
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.arg("--env").arg(format!("{k}={v}")),
                None => cmd.arg("--env").arg(k),
            };
        }
        if let Some(limit) = self.fd_limit {
            cmd.arg("--fd-limit").arg(limit.to_string());
        }
        if let Some((host, guest)) = &self.mem_dir {
            cmd.arg("--mem-dir")
                .arg(format!("{}::{guest}", host.display()));
        }
        cmd.arg(&self.wasm).arg("--").args(&self.args);
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("start wasi-host");
        let mut stdin = child.stdin.take().unwrap();
        let input = self.stdin.clone();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let what = format!("guest {} through the CLI", self.program_name());
        let out = crate::watchdog::wait(child, &what);
        writer.join().unwrap();
        Output {
            status: out.status.code().unwrap_or(-1),
            stdout: out.stdout,
            stderr: out.stderr,
        }
    }
}

/// The engine every in-process run shares (compiled modules are cached per file).
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let engine = Engine::new(&crate::watchdog::engine_config()).expect("engine");
        crate::watchdog::register(&engine);
        engine
    })
}

/// The compiled module at `path`, compiled once per test process.
pub fn module(path: &Path) -> Module {
    static MODULES: OnceLock<Mutex<HashMap<PathBuf, Module>>> = OnceLock::new();
    let cache = MODULES.get_or_init(Default::default);
    if let Some(m) = cache.lock().unwrap().get(path) {
        return m.clone();
    }
    let m =
        Module::from_file(engine(), path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
    cache.lock().unwrap().insert(path.to_path_buf(), m.clone());
    m
}
