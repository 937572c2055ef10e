//! The `wasi-host` command line beyond running a program: the compile cache, precompiled
//! modules, option groups, resource limits, `--invoke`, and refusing bad input early.
//! Cache directories are temporary ones; no test writes to the real `~/.cache`.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime};

use wasi_host_tests::guest_dir;

/// The CLI under test (`tests/src/bin/wasi-host-under-test.rs`).
const CLI: &str = env!("CARGO_BIN_EXE_wasi-host-under-test");

fn wat(name: &str) -> String {
    let p = guest_dir().join("wat").join(format!("{name}.wat"));
    p.to_str().expect("test paths are UTF-8").to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("test paths are UTF-8")
}

/// Runs `wasi-host` with `args` and a clean environment plus `env`; kills it after 60 s, so a
/// hang fails the test instead of stalling the suite.
fn run_env<A: AsRef<OsStr>>(args: &[A], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(CLI);
    cmd.args(args)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start wasi-host");
    let deadline = Instant::now() + Duration::from_secs(60);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!(
                "wasi-host {:?} did not finish",
                cmd.get_args().collect::<Vec<_>>()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().expect("output")
}

fn run<A: AsRef<OsStr>>(args: &[A]) -> Output {
    run_env(args, &[])
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit status `code` and exactly one stderr line `error: ...` containing `needle`.
#[track_caller]
fn assert_one_error(out: &Output, code: i32, needle: &str) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line expected: {err:?}");
    assert!(err.starts_with("error: "), "{err:?}");
    assert!(err.contains(needle), "{needle:?} not in {err:?}");
    assert!(!err.contains("panicked"), "{err:?}");
}

#[track_caller]
fn assert_usage_error(out: &Output, needle: &str) {
    assert_one_error(out, 2, needle);
    assert!(out.stdout.is_empty(), "stdout: {:?}", out.stdout);
}

#[track_caller]
fn assert_status(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "stderr: {}", stderr(out));
}

/// The cache entries under cache directory `dir`.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let Ok(files) = std::fs::read_dir(dir.join("modules")) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = files
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension() == Some(OsStr::new("cwasm")))
        .collect();
    out.sort();
    out
}

/// Marks `entry` as last used in 2001.
fn make_old(entry: &Path) {
    let file = std::fs::File::options().write(true).open(entry).unwrap();
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000))
        .unwrap();
}

/// Whether `entry` is the same file as before (not rewritten) and was used since `make_old`:
/// what a cache hit leaves behind. A miss renames a new file into place.
fn was_hit(entry: &Path, inode: u64) -> bool {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(entry).unwrap();
    let recent =
        meta.modified().unwrap() > SystemTime::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    meta.ino() == inode && recent
}

fn inode(p: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(p).unwrap().ino()
}

fn cache_arg(dir: &Path) -> String {
    format!("cache-dir={}", s(dir))
}

#[test]
fn the_cache_is_filled_then_used() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let exit = wat("cli_exit");
    assert_status(&run(&["run", "-C", &cache_arg(&cache), &exit, "3"]), 3);
    let first = entries(&cache);
    assert_eq!(first.len(), 1, "{first:?}");
    assert!(cache.join("CACHEDIR.TAG").exists());
    let ino = inode(&first[0]);
    make_old(&first[0]);
    assert_status(&run(&["run", "-C", &cache_arg(&cache), &exit, "4"]), 4);
    assert_eq!(entries(&cache), first);
    assert!(
        was_hit(&first[0], ino),
        "the second run did not use the entry"
    );
    // Other compilation settings are another key; so are other module bytes.
    assert_status(
        &run(&["-C", &cache_arg(&cache), "-O", "opt-level=0", &exit, "5"]),
        5,
    );
    assert_eq!(entries(&cache).len(), 2);
    assert_status(&run(&["-C", &cache_arg(&cache), &wat("cli_grow")]), 0);
    assert_eq!(entries(&cache).len(), 3);
    // A relative cache directory is taken from the current directory.
    let out = Command::new(CLI)
        .args(["-C", "cache-dir=rel", &exit, "6"])
        .current_dir(tmp.path())
        .env_clear()
        .output()
        .unwrap();
    assert_status(&out, 6);
    assert_eq!(entries(&tmp.path().join("rel")).len(), 1);
}

#[test]
fn a_corrupt_entry_is_ignored_and_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let exit = wat("cli_exit");
    assert_status(&run(&["-C", &cache_arg(&cache), &exit, "6"]), 6);
    let entry = entries(&cache).pop().expect("an entry");
    let good = std::fs::read(&entry).unwrap();
    // Single flipped bits: in the middle (machine code and tables) and early (headers).
    let mut flipped = good.clone();
    flipped[good.len() / 2] ^= 0x10;
    let mut flipped_early = good.clone();
    flipped_early[good.len() / 5] ^= 0x01;
    for junk in [
        &b"not a module at all"[..],
        &good[..good.len() / 2],
        b"",
        &flipped,
        &flipped_early,
    ] {
        std::fs::write(&entry, junk).unwrap();
        assert_status(&run(&["-C", &cache_arg(&cache), &exit, "7"]), 7);
        let now = std::fs::read(&entry).unwrap();
        assert!(now != junk, "the corrupt entry was not replaced");
        assert_eq!(now.len(), good.len());
    }
    // And the replacement serves the next run.
    let ino = inode(&entry);
    make_old(&entry);
    assert_status(&run(&["-C", &cache_arg(&cache), &exit, "8"]), 8);
    assert!(was_hit(&entry, ino));
}

#[test]
fn concurrent_runs_fill_an_empty_cache_safely() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let exit = wat("cli_exit");
    let children: Vec<_> = (0..6)
        .map(|i| {
            Command::new(CLI)
                .args(["-C", &cache_arg(&cache), &exit, &(10 + i).to_string()])
                .env_clear()
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (i, child) in children.into_iter().enumerate() {
        let out = child.wait_with_output().unwrap();
        assert_status(&out, 10 + i as i32);
        assert!(out.stderr.is_empty(), "{}", stderr(&out));
    }
    let found = entries(&cache);
    assert_eq!(found.len(), 1, "{found:?}");
    // No temporary file is left behind, and the entry is whole: the next run is a hit.
    let all = std::fs::read_dir(cache.join("modules")).unwrap().count();
    assert_eq!(all, 1);
    let ino = inode(&found[0]);
    make_old(&found[0]);
    assert_status(&run(&["-C", &cache_arg(&cache), &exit, "9"]), 9);
    assert!(was_hit(&found[0], ino));
}

#[test]
fn cache_n_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let exit = wat("cli_exit");
    let out = run(&["-C", &format!("cache=n,{}", cache_arg(&cache)), &exit, "3"]);
    assert_status(&out, 3);
    assert!(!cache.exists());
    // The default location follows XDG_CACHE_HOME, then HOME; `cache=n` keeps it untouched.
    let xdg = tmp.path().join("xdg");
    let xdg_env = [("XDG_CACHE_HOME", s(&xdg))];
    assert_status(&run_env(&["-C", "cache=no", &exit], &xdg_env), 0);
    assert!(!xdg.exists());
    assert_status(&run_env(&[&exit], &xdg_env), 0);
    assert_eq!(entries(&xdg.join("wasi-host")).len(), 1);
    let home = tmp.path().join("home");
    assert_status(&run_env(&[&exit], &[("HOME", s(&home))]), 0);
    assert_eq!(entries(&home.join(".cache/wasi-host")).len(), 1);
    // A default location that cannot be made only costs the cache; a named one is an error.
    let no_dir = [("XDG_CACHE_HOME", "/proc/wasi-host-no-such-dir")];
    assert_status(&run_env(&[&exit, "4"], &no_dir), 4);
    assert_usage_error(
        &run(&["-C", "cache-dir=/proc/wasi-host-no-such-dir", &exit]),
        "compile cache",
    );
}

#[test]
fn eviction_removes_the_least_recently_used_entries_only() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let modules = cache.join("modules");
    std::fs::create_dir_all(&modules).unwrap();
    // 1000 entries (the bound), each older than the one before; and files that are not entries.
    let old = |i: u32| modules.join(format!("{i:064x}.cwasm"));
    for i in 0..1000u32 {
        std::fs::write(old(i), b"x").unwrap();
        let file = std::fs::File::options().write(true).open(old(i)).unwrap();
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000 - u64::from(i));
        file.set_modified(t).unwrap();
    }
    std::fs::write(modules.join("notes.txt"), "keep").unwrap();
    std::fs::write(cache.join("notes.txt"), "keep").unwrap();
    // A new entry makes 1001: the pass evicts down to 80%, oldest first.
    assert_status(&run(&["-C", &cache_arg(&cache), &wat("cli_exit"), "3"]), 3);
    assert_eq!(entries(&cache).len(), 800, "entries left");
    assert!(old(0).exists() && old(798).exists(), "recent entries stay");
    assert!(!old(799).exists() && !old(999).exists(), "the oldest go");
    assert!(modules.join("notes.txt").exists() && cache.join("notes.txt").exists());
}

/// A guest blocked on stdin must be the process's only thread, with the cache cold and warm:
/// the cache's worker thread has to be gone by then.
#[cfg(target_os = "linux")]
#[test]
fn no_cache_thread_is_left_when_the_guest_runs() {
    use std::io::Write;

    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    for round in ["cold", "warm"] {
        let mut child = Command::new(CLI)
            .args(["-C", &cache_arg(&cache), &wat("cli_read_stdin")])
            .env_clear()
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let status = format!("/proc/{}/status", child.id());
        let read = || -> Option<(u32, String)> {
            let text = std::fs::read_to_string(&status).ok()?;
            let field = |name: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(|v| v.trim().to_string())
            };
            Some((field("Threads:")?.parse().ok()?, field("State:")?))
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let mut seen = None;
        while Instant::now() < deadline {
            seen = read();
            if let Some((1, state)) = &seen
                && state.starts_with('S')
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"hello").unwrap();
        drop(stdin);
        let out = child.wait_with_output().unwrap();
        assert!(
            matches!(&seen, Some((1, state)) if state.starts_with('S')),
            "{round}: threads and state while the guest waited: {seen:?}"
        );
        assert_status(&out, 5);
        assert_eq!(entries(&cache).len(), 1, "{round}");
    }
}

#[test]
fn precompiled_modules_run_only_when_allowed() {
    let tmp = tempfile::tempdir().unwrap();
    let cwasm = tmp.path().join("exit.cwasm");
    let out = run(&["compile", &wat("cli_exit"), "-o", s(&cwasm)]);
    assert_status(&out, 0);
    assert!(std::fs::read(&cwasm).unwrap().starts_with(b"\x7fELF"));
    assert_usage_error(&run(&["run", s(&cwasm), "3"]), "--allow-precompiled");
    assert_status(&run(&["run", "--allow-precompiled", s(&cwasm), "3"]), 3);
    assert_status(&run(&["--allow-precompiled", s(&cwasm), "4"]), 4);
    // Compiled without fuel checks, it cannot run with `-W fuel`: one line, no crash.
    assert_usage_error(
        &run(&["--allow-precompiled", "-W", "fuel=100", s(&cwasm)]),
        "error",
    );
    // The default output name replaces the extension.
    let copy = tmp.path().join("prog.wat");
    std::fs::copy(wat("cli_exit"), &copy).unwrap();
    assert_status(&run(&["compile", s(&copy)]), 0);
    assert!(tmp.path().join("prog.cwasm").exists());
    // A precompiled module is not compiled again.
    assert_usage_error(&run(&["compile", s(&cwasm)]), "already a precompiled");
}

#[test]
fn memory_grow_past_the_limit_returns_minus_one() {
    let grow = wat("cli_grow");
    assert_status(&run(&[&grow]), 0);
    assert_status(&run(&["-W", "max-memory-size=2M", &grow]), 0);
    let out = run(&["-W", "max-memory-size=1M", &grow]);
    assert_status(&out, 7);
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
    // A module whose initial memory is already too big cannot start: one line, naming the limit.
    assert_usage_error(
        &run(&["-W", "max-memory-size=1K", &grow]),
        "max-memory-size",
    );
}

#[test]
fn fuel_runs_out() {
    let out = run(&["-W", "fuel=10000", &wat("cli_loop")]);
    assert_one_error(&out, 152, "fuel");
    // Enough fuel for a short program.
    assert_status(&run(&["-W", "fuel=100000", &wat("cli_exit"), "3"]), 3);
}

#[test]
fn timeout_ends_an_endless_loop() {
    let start = Instant::now();
    let out = run(&["-W", "timeout=200ms", &wat("cli_loop")]);
    assert_one_error(&out, 124, "timeout");
    assert!(start.elapsed() < Duration::from_secs(30));
    assert_status(&run(&["-W", "timeout=30s", &wat("cli_exit"), "3"]), 3);
}

#[test]
fn the_wasm_stack_limit_ends_deep_recursion() {
    let recurse = wat("cli_recurse");
    assert_status(&run(&[&recurse]), 0);
    let out = run(&["-W", "max-wasm-stack=16K", &recurse]);
    assert_one_error(&out, 139, "max-wasm-stack=16384");
    // Bigger than the process's own stack: refused, rather than crashing when it is used.
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for the call to fill.
    let known = unsafe { libc::getrlimit(libc::RLIMIT_STACK, &mut limit) } == 0;
    if known && limit.rlim_cur != libc::RLIM_INFINITY && limit.rlim_cur < 64 << 30 {
        assert_usage_error(&run(&["-W", "max-wasm-stack=64G", &recurse]), "stack");
    }
}

#[test]
fn option_groups_parse_and_name_their_mistakes() {
    let exit = wat("cli_exit");
    assert_usage_error(&run(&["-W", "bogus=1", &exit]), "-W bogus");
    assert_usage_error(&run(&["-S", "fuel=1", &exit]), "-S fuel");
    assert_usage_error(&run(&["-C", "cache=maybe", &exit]), "`maybe`");
    assert_usage_error(&run(&["-S", "inherit-env=2", &exit]), "`2`");
    assert_usage_error(&run(&["-O", "opt-level=3", &exit]), "opt-level");
    assert_usage_error(&run(&["-C", "compiler=llvm", &exit]), "llvm");
    assert_usage_error(&run(&["-W", "timeout=soon", &exit]), "soon");
    assert_usage_error(&run(&["-W", "fuel", &exit]), "fuel=");
    assert_usage_error(
        &run(&["-S", "tcplisten=not an address", &exit]),
        "not an address",
    );
    // Accepted and working spellings.
    for args in [
        &["-C", "compiler=winch", "-C", "cache=n"][..],
        &["-O", "opt-level=0", "-C", "cache=false"],
        &["-O", "opt-level=s", "-C", "cache=no"],
        &["-W", "threads=y", "-S", "threads=yes", "-C", "cache=n"],
        &[
            "-W",
            "fuel=1000000,timeout=30s,max-memory-size=1G",
            "-C",
            "cache=n",
        ],
    ] {
        let mut all = args.to_vec();
        all.extend([exit.as_str(), "3"]);
        assert_status(&run(&all), 3);
    }
    // `-S inherit-env` as `--inherit-env`; `=n` turns it off.
    let expect = wat("cli_expect");
    let host = [("FROM_HOST", "1")];
    let e = expect.as_str();
    assert_status(
        &run_env(&["-S", "inherit-env", e, e, "FROM_HOST=1"], &host),
        0,
    );
    assert_status(&run_env(&["-S", "inherit-env=n", e, e], &host), 0);
    assert_status(&run_env(&["--inherit-env", e, e, "FROM_HOST=1"], &host), 0);
}

#[test]
fn invoke_calls_an_export_after_initialize() {
    let guest = wat("cli_invoke");
    let out = run(&["--invoke", "add", &guest, "2", "3"]);
    assert_status(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "15\n");
    let out = run(&["run", "--invoke", "split", &guest, "-7"]);
    assert_status(&out, 0);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "-7\n-3.5\n");
    let out = run(&["--invoke", "nothing", &guest]);
    assert_status(&out, 0);
    assert!(out.stdout.is_empty());
    assert_usage_error(&run(&["--invoke", "add", &guest, "2"]), "2 argument");
    assert_usage_error(&run(&["--invoke", "add", &guest, "2", "x"]), "`x`");
    assert_usage_error(&run(&["--invoke", "missing", &guest]), "`missing`");
    // Without --invoke, a reactor is still refused.
    assert_usage_error(&run(&[&guest]), "`_start`");
}

#[test]
fn argv0_replaces_the_program_name() {
    let expect = wat("cli_expect");
    assert_status(&run(&["--argv0", "prog", &expect, "prog"]), 0);
    assert_status(&run(&["--argv0", "prog", &expect, &expect]), 11);
}

#[test]
fn fd_limit_below_three_is_refused_and_the_default_shown() {
    let exit = wat("cli_exit");
    for bad in ["2", "0", "-1"] {
        assert_usage_error(&run(&["--fd-limit", bad, &exit]), "below 3");
    }
    assert_usage_error(&run(&["--fd-limit", "many", &exit]), "many");
    assert_status(&run(&["--fd-limit", "3", &exit, "3"]), 3);
    let help = run(&["run", "--help"]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("[default: 1024]"), "{help}");
    for flag in [
        "-S",
        "-W",
        "-C",
        "-O",
        "--invoke",
        "--argv0",
        "--allow-precompiled",
        "--profile",
    ] {
        assert!(help.contains(flag), "{flag} not in {help}");
    }
    let top = run(&["--help"]);
    assert!(String::from_utf8_lossy(&top.stdout).contains("may be left out"));
}

#[test]
fn files_that_are_not_modules_are_refused_quickly() {
    let start = Instant::now();
    assert_usage_error(&run(&["/dev/zero"]), "not a regular file");
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("fifo");
    let c = std::ffi::CString::new(s(&fifo)).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    assert_usage_error(&run(&[s(&fifo)]), "FIFO");
    assert!(start.elapsed() < Duration::from_secs(20));

    let png = tmp.path().join("image.wasm");
    std::fs::write(&png, b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe").unwrap();
    assert_usage_error(&run(&[s(&png)]), "bad magic");
    // An executable is ELF, like a precompiled module, but not one.
    let elf = std::env::current_exe().unwrap();
    assert_usage_error(&run(&["--allow-precompiled", s(&elf)]), "bad magic");
    let empty = tmp.path().join("empty.wasm");
    std::fs::write(&empty, b"").unwrap();
    assert_usage_error(&run(&[s(&empty)]), "empty");
    let component = tmp.path().join("component.wat");
    std::fs::write(&component, "(component)").unwrap();
    assert_usage_error(&run(&[s(&component)]), "component");
}

#[test]
fn a_non_utf8_argument_is_named() {
    let exit = wat("cli_exit");
    let bad = OsStr::from_bytes(b"a\xffb");
    let out = run(&[OsStr::new(&exit), bad]);
    assert_usage_error(&out, "a\\xFFb");
}

#[test]
fn profile_writes_what_perf_reads() {
    let tmp = tempfile::tempdir().unwrap();
    for (strategy, file) in [("perfmap", "/tmp/perf-{}.map"), ("jitdump", "jit-{}.dump")] {
        let child = Command::new(CLI)
            .args([
                &format!("--profile={strategy}"),
                "-C",
                "cache=n",
                &wat("cli_exit"),
                "3",
            ])
            .current_dir(tmp.path())
            .env_clear()
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let path = tmp.path().join(file.replace("{}", &child.id().to_string()));
        let out = child.wait_with_output().unwrap();
        assert_status(&out, 3);
        let written = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let _ = std::fs::remove_file(&path);
        assert!(written > 0, "{strategy}: nothing at {}", path.display());
    }
    assert_usage_error(&run(&["--profile=vtune", &wat("cli_exit")]), "vtune");
}
