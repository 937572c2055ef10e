//! The custom-host kit end to end: a delegating host over the real one, tracing (as lines, as
//! `tracing` events, and from the CLI), `--deterministic` runs, and captured stdio.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use wasi_host::layers::{Traced, Tracer};
use wasi_host::preview1::{Errno, Fd, WasiSnapshotPreview1, WasiSnapshotPreview1Delegate};
use wasi_host::threads::WasiThreadsDelegate;
use wasi_host::wasix::Wasix32v1Delegate;
use wasi_host::wasmedge::WasmedgeSocketsDelegate;
use wasi_host::{CallError, Stdio, WasiCtx};
use wasi_host_tests::watchdog;
use wasmtime::{Engine, Linker, Module, Store};

const CLI: &str = env!("CARGO_BIN_EXE_wasi-host-under-test");

fn example_wat(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

fn cli(args: &[&str]) -> Output {
    let child = Command::new(CLI)
        .args(args)
        .env_clear()
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    watchdog::wait(child, &format!("wasi-host {args:?}"))
}

fn run<H>(host: H) -> H
where
    H: wasi_host::preview1::WasiSnapshotPreview1
        + wasi_host::wasmedge::WasmedgeSockets
        + wasi_host::wasix::Wasix32v1
        + wasi_host::threads::WasiThreads
        + Send
        + 'static,
{
    let engine = Engine::default();
    let module = Module::from_file(&engine, example_wat("now.wat")).unwrap();
    let mut store = Store::new(&engine, host);
    let linker = Linker::new(&engine);
    let instance = wasi_host::instantiate(&mut store, &linker, &module, |h: &mut H| h).unwrap();
    instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap()
        .call(&mut store, ())
        .unwrap();
    store.into_data()
}

/// Refuses writes to stderr, counts the others; everything else is the real host's.
struct NoStderr {
    inner: WasiCtx,
    writes: usize,
}

impl wasi_host::Delegate for NoStderr {
    type Inner = WasiCtx;
    fn inner(&mut self) -> &mut WasiCtx {
        &mut self.inner
    }
}

impl WasiSnapshotPreview1Delegate for NoStderr {
    fn fd_write(
        &mut self,
        fd: Fd,
        iovs: wasi_host::guest::Iovecs<'_>,
    ) -> Result<u32, CallError<Errno>> {
        if fd == Fd(2) {
            return Err(Errno::Perm.into());
        }
        self.writes += 1;
        self.inner.fd_write(fd, iovs)
    }
}

impl WasmedgeSocketsDelegate for NoStderr {}
impl Wasix32v1Delegate for NoStderr {}
impl WasiThreadsDelegate for NoStderr {}

#[test]
fn a_delegate_overrides_one_call_and_forwards_every_other() {
    let (stdout, captured) = Stdio::capture().unwrap();
    let (stderr, stderr_captured) = Stdio::capture().unwrap();
    let mut b = WasiCtx::builder();
    wasi_host::layers::deterministic::apply(&mut b, 3);
    let inner = b
        .stdin(Stdio::from_bytes("in").unwrap())
        .stdout(stdout)
        .stderr(stderr)
        .build()
        .unwrap();
    let host = run(NoStderr { inner, writes: 0 });
    let out = captured.contents_string().unwrap();
    // The forwarded calls answered as the real host does: the virtual clock's first read, the
    // seeded random bytes, stdin.
    assert!(
        out.starts_with("time: 1735689600000001000\nrandom: "),
        "{out}"
    );
    assert!(out.ends_with("stdin: in\n"), "{out}");
    assert!(host.writes > 5, "{}", host.writes);
    // The override refused the one stderr write.
    assert_eq!(stderr_captured.contents().unwrap(), b"");
}

/// A `tracing` subscriber that keeps each event's fields as text.
#[derive(Clone, Default)]
struct Collect(Arc<Mutex<Vec<String>>>);

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!("{}={:?} ", field.name(), value));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push_str(&format!("{}={} ", field.name(), value));
    }
}

impl tracing::Subscriber for Collect {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut text = format!("[{}] ", event.metadata().target());
        event.record(&mut Fields(&mut text));
        self.0.lock().unwrap().push(text);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

#[test]
fn traced_calls_are_tracing_events() {
    let collect = Collect::default();
    let events = collect.0.clone();
    tracing::subscriber::with_default(collect, || {
        let ctx = WasiCtx::builder()
            .stdin(Stdio::from_bytes("x").unwrap())
            .stdout(Stdio::Null)
            .stderr(Stdio::Null)
            .build()
            .unwrap();
        run(Traced::new(ctx, Tracer::events()));
    });
    let events = events.lock().unwrap();
    let find = |function: &str| {
        events
            .iter()
            .find(|e| e.contains(&format!("function={function} ")))
            .unwrap_or_else(|| panic!("no {function} in {events:#?}"))
            .clone()
    };
    let read = find("fd_read");
    assert!(read.starts_with("[wasi_host::call] "), "{read}");
    assert!(read.contains("module=wasi_snapshot_preview1 "), "{read}");
    assert!(read.contains("args=fd=0, iovs=[1024@0x400] "), "{read}");
    assert!(read.contains("outcome=1 "), "{read}");
    assert!(read.contains("nanos="), "{read}");
    assert!(find("random_get").contains("args=buf=<8 bytes> outcome=0 "));
    // One event per call: 17 writes, one read, one clock, one random.
    assert_eq!(events.len(), 20, "{events:#?}");
}

#[test]
fn cli_trace_shows_errnos_by_name_and_the_exit() {
    // hello.wat without a preopen: fd_prestat_get(3) fails, and the guest exits with 1.
    let hello = example_wat("hello.wat");
    let out = cli(&["run", "--trace", hello.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fd_prestat_get(fd=3) = EBADF <"), "{err}");
    assert!(err.contains("proc_exit(rval=1) = exit(1) <"), "{err}");
    assert!(err.contains("fd_write(fd=2, iovs=["), "{err}");
    // Without --trace, the same run prints no trace line.
    let quiet = cli(&["run", hello.to_str().unwrap()]);
    assert!(
        !String::from_utf8_lossy(&quiet.stderr).contains(" = "),
        "{quiet:?}"
    );
}

#[test]
fn cli_trace_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("calls.txt");
    let arg = format!("--trace={}", file.display());
    let now = example_wat("now.wat");
    let out = cli(&["run", &arg, now.to_str().unwrap()]);
    assert!(out.status.success(), "{out:?}");
    // The guest's stderr is untouched; the trace is in the file.
    assert_eq!(out.stderr, b"bye\n");
    let trace = std::fs::read_to_string(&file).unwrap();
    assert!(
        trace.starts_with("fd_write(fd=1, iovs=[6@0x40]) = 6 <"),
        "{trace}"
    );
    assert!(
        trace.contains("\nclock_time_get(id=Realtime, precision=1) = "),
        "{trace}"
    );
    assert_eq!(trace.lines().count(), 20, "{trace}");
}

#[test]
fn cli_deterministic_runs_repeat() {
    let now = example_wat("now.wat");
    let now = now.to_str().unwrap();
    let a = cli(&["run", "--deterministic", now]);
    let b = cli(&["run", "--deterministic", now]);
    assert!(a.status.success(), "{a:?}");
    assert_eq!(a.stdout, b.stdout);
    let text = String::from_utf8_lossy(&a.stdout);
    assert!(text.starts_with("time: 1735689600000001000\n"), "{text}");
    // Another seed, other random bytes, the same clock.
    let c = cli(&["run", "--deterministic=9", now]);
    let c_text = String::from_utf8_lossy(&c.stdout);
    assert_ne!(a.stdout, c.stdout);
    assert_eq!(text.lines().next(), c_text.lines().next());
    // Not deterministic: the real clock.
    let real = cli(&["run", now]);
    assert_ne!(
        String::from_utf8_lossy(&real.stdout).lines().next(),
        text.lines().next()
    );
}

#[test]
fn pumped_stderr_is_complete_after_the_store_is_dropped() {
    let (stderr, pumped) = Stdio::pipe_to(Vec::new()).unwrap();
    let (stdout, captured) = Stdio::capture().unwrap();
    let ctx = WasiCtx::builder()
        .stdin(Stdio::Null)
        .stdout(stdout)
        .stderr(stderr)
        .build()
        .unwrap();
    drop(run(ctx));
    assert_eq!(pumped.finish().unwrap(), b"bye\n");
    assert!(captured.contents_string().unwrap().ends_with("stdin: \n"));
}

/// Creates `note` in the first preopen (fd 3), writes a line to it, reads it back and prints it.
const WRITE_READ_BACK: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "note")
  (data (i32.const 200) "kept in memory\0a")
  (func (export "_start")
    (local $fd i32)
    (if (call $open (i32.const 3) (i32.const 0) (i32.const 100) (i32.const 4) (i32.const 1)
          (i64.const 70) (i64.const 0) (i32.const 0) (i32.const 8))
      (then (call $exit (i32.const 2))))
    (local.set $fd (i32.load (i32.const 8)))
    (i32.store (i32.const 16) (i32.const 200))
    (i32.store (i32.const 20) (i32.const 15))
    (drop (call $write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 8)))
    (drop (call $seek (local.get $fd) (i64.const 0) (i32.const 0) (i32.const 8)))
    (i32.store (i32.const 16) (i32.const 300))
    (i32.store (i32.const 20) (i32.const 100))
    (drop (call $read (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 8)))
    (i32.store (i32.const 20) (i32.load (i32.const 8)))
    (drop (call $write (i32.const 1) (i32.const 16) (i32.const 1) (i32.const 8)))))"#;

#[test]
fn cli_mem_dir_keeps_files_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("note.wat");
    std::fs::write(&wat, WRITE_READ_BACK).unwrap();
    let out = cli(&[
        "run",
        "--trace",
        "--mem-dir",
        "/scratch",
        wat.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(out.stdout, b"kept in memory\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(r#"path_open(fd=3, dirflags=0, path="note", oflags=CREAT, "#),
        "{err}"
    );
    assert!(
        err.contains("fd_read(fd=4, iovs=[100@0x12c]) = 15 <"),
        "{err}"
    );
    // Nothing on disk: the temporary directory holds only the guest's source.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    // Without --mem-dir there is no fd 3: the guest exits with 2.
    let none = cli(&["run", wat.to_str().unwrap()]);
    assert_eq!(none.status.code(), Some(2));
}

mod ext {
    wasi_host::bindings!("witx/ext.witx");
}

/// A `Write` whose bytes the test reads afterwards.
#[derive(Clone, Default)]
struct SharedBuf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Implements only `dup_v1`: `dup_v2` and `fill` keep the trait's ENOSYS defaults.
struct ExtHost;

impl ext::Ext for ExtHost {
    fn dup_v1(&mut self, fd: Fd) -> Result<Fd, CallError<Errno>> {
        Ok(Fd(fd.0 + 100))
    }
}

/// Overrides `dup_v2` over `ExtHost`; `dup_v1` forwards.
struct ExtOverride(ExtHost);

impl wasi_host::Delegate for ExtOverride {
    type Inner = ExtHost;
    fn inner(&mut self) -> &mut ExtHost {
        &mut self.0
    }
}

impl ext::ExtDelegate for ExtOverride {
    fn dup_v2(
        &mut self,
        fd: Fd,
        _flags: wasi_host::preview1::Fdflags,
    ) -> Result<Fd, CallError<Errno>> {
        Ok(Fd(fd.0 + 200))
    }
}

#[test]
fn a_spec_of_our_own_gets_delegation_and_tracing_too() {
    use ext::Ext;
    use wasi_host::preview1::Fdflags;
    let out = SharedBuf::default();
    let mut traced = Traced::new(ExtOverride(ExtHost), Tracer::to_writer(out.clone()));
    // Through the tracer, then the delegate: the override, the forward.
    assert_eq!(traced.dup_v2(Fd(1), Fdflags::APPEND).unwrap(), Fd(201));
    assert_eq!(traced.dup_v1(Fd(3)).unwrap(), Fd(103));
    // Not implemented anywhere: the inner host's ENOSYS default, forwarded and traced.
    let mut plain = Traced::new(ExtHost, Tracer::to_writer(out.clone()));
    assert!(matches!(
        plain.dup_v2(Fd(0), Fdflags::empty()),
        Err(CallError::Errno(Errno::Nosys))
    ));
    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("dup_v2(fd=1, flags=APPEND) = 201 <"),
        "{text}"
    );
    assert!(lines[1].starts_with("dup_v1(fd=3) = 103 <"), "{text}");
    assert!(
        lines[2].starts_with("dup_v2(fd=0, flags=0) = ENOSYS <"),
        "{text}"
    );
}

#[test]
fn cli_deterministic_rust_guest_passes_its_clock_checks_and_repeats() {
    // The clock and random checks of a real Rust guest (realtime after 2020 and agreeing with
    // std, monotonic, CPU time advancing, random buffers differing) hold on the virtual clock
    // and seeded source, and two runs print the same bytes.
    let guest = wasi_host_tests::guests::rust("clock_random");
    let guest = guest.to_str().unwrap();
    let a = cli(&["run", "--deterministic=5", guest]);
    let b = cli(&["run", "--deterministic=5", guest]);
    assert!(a.status.success(), "{a:?}");
    assert!(
        String::from_utf8_lossy(&a.stdout).starts_with("checks passed: "),
        "{a:?}"
    );
    assert_eq!((a.stdout, a.stderr), (b.stdout, b.stderr));
}
