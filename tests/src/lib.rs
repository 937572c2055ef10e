//! Test support: a small preview1 host that records what the bindings decoded, and a harness
//! that runs `.wat` guests against it; the builders of Rust and C guests ([`guests`]) and a runner
//! for whole programs ([`run`]).

pub mod guests;
pub mod pty;
pub mod run;
pub mod watchdog;

use std::path::{Path, PathBuf};

use wasi_host::guest::{
    GuestAddr, GuestArray, GuestArrayMut, GuestBufMut, GuestPtr, Iovecs, IovecsMut,
};
use wasi_host::preview1::{
    self, Clockid, Dircookie, Dirent, Errno, Event, EventFdReadwrite, Eventrwflags, Eventtype, Fd,
    Fdflags, Filetype, Lookupflags, Oflags, Prestat, PrestatDir, Rights, Size, SubscriptionU,
    Timestamp, WasiSnapshotPreview1,
};
use wasi_host::{CallError, Exit};
use wasmtime::{Engine, Instance, Linker, Module, Store};

type Result<T> = std::result::Result<T, CallError<Errno>>;

/// A host with canned state; each implemented call appends what it received to `log`.
#[derive(Default)]
pub struct TestHost {
    pub args: Vec<String>,
    pub stdin: Vec<u8>,
    pub stdout: Vec<u8>,
    /// Names listed by `fd_readdir` on fd 3, with cookies 1, 2, ….
    pub dir: Vec<String>,
    /// The preopened directory name reported for fd 3.
    pub preopen: String,
    pub log: Vec<String>,
    /// Whether the guest's functions are bound to its instance (no memory lookup per call)
    /// rather than finding memory by name.
    pub bind_memory: bool,
}

impl WasiSnapshotPreview1 for TestHost {
    fn args_sizes_get(&mut self) -> Result<(Size, Size)> {
        let bytes: usize = self.args.iter().map(|a| a.len() + 1).sum();
        Ok((self.args.len() as Size, bytes as Size))
    }

    fn args_get(
        &mut self,
        argv: GuestPtr<'_, GuestAddr>,
        argv_buf: GuestPtr<'_, u8>,
    ) -> Result<()> {
        let mut at = argv_buf;
        for (i, arg) in self.args.iter().enumerate() {
            argv.add(i as u32)?.write(&GuestAddr(at.addr()))?;
            at.write_bytes(arg.as_bytes())?;
            at.add(arg.len() as u32)?.write(&0)?;
            at = at.add(arg.len() as u32 + 1)?;
        }
        Ok(())
    }

    fn fd_write(&mut self, fd: Fd, iovs: Iovecs<'_>) -> Result<Size> {
        if fd != Fd(1) {
            return Err(Errno::Badf.into());
        }
        self.log.push(format!("fd_write {} bufs", iovs.len()));
        for buf in iovs.iter() {
            self.stdout.extend_from_slice(&buf.to_vec());
        }
        Ok(iovs.total_len() as Size)
    }

    fn fd_read(&mut self, fd: Fd, mut iovs: IovecsMut<'_>) -> Result<Size> {
        if fd != Fd(0) {
            return Err(Errno::Badf.into());
        }
        let n = iovs.scatter(&self.stdin);
        self.stdin.drain(..n);
        Ok(n as Size)
    }

    fn fd_prestat_get(&mut self, fd: Fd) -> Result<Prestat> {
        if fd != Fd(3) {
            return Err(Errno::Badf.into());
        }
        Ok(Prestat::Dir(PrestatDir {
            pr_name_len: self.preopen.len() as Size,
        }))
    }

    fn fd_prestat_dir_name(&mut self, fd: Fd, mut path: GuestBufMut<'_>) -> Result<()> {
        if fd != Fd(3) {
            return Err(Errno::Badf.into());
        }
        if path.len() < self.preopen.len() {
            return Err(Errno::Nametoolong.into());
        }
        path.write_at(0, self.preopen.as_bytes());
        Ok(())
    }

    fn path_open(
        &mut self,
        fd: Fd,
        dirflags: Lookupflags,
        path: &str,
        oflags: Oflags,
        fs_rights_base: Rights,
        fs_rights_inheriting: Rights,
        fdflags: Fdflags,
    ) -> Result<Fd> {
        self.log.push(format!(
            "path_open fd={fd} dirflags={:#x} path={path:?} oflags={:#x} base={:#x} inheriting={:#x} fdflags={:#x}",
            dirflags.bits(),
            oflags.bits(),
            fs_rights_base.bits(),
            fs_rights_inheriting.bits(),
            fdflags.bits()
        ));
        match path {
            "missing" => Err(Errno::Noent.into()),
            _ => Ok(Fd(7)),
        }
    }

    fn path_readlink(&mut self, _fd: Fd, path: &str, mut buf: GuestBufMut<'_>) -> Result<Size> {
        let target = format!("target-of-{path}");
        Ok(buf.write_at(0, target.as_bytes()) as Size)
    }

    fn fd_readdir(&mut self, fd: Fd, mut buf: GuestBufMut<'_>, cookie: Dircookie) -> Result<Size> {
        if fd != Fd(3) {
            return Err(Errno::Badf.into());
        }
        // Serialise the entries after `cookie` and let the buffer truncate the last one.
        let mut bytes = Vec::new();
        for (i, name) in self.dir.iter().enumerate().skip(cookie as usize) {
            let dirent = Dirent {
                d_next: i as u64 + 1,
                d_ino: 1000 + i as u64,
                d_namlen: name.len() as u32,
                d_type: Filetype::RegularFile,
            };
            bytes.extend_from_slice(&encode(&dirent));
            bytes.extend_from_slice(name.as_bytes());
        }
        Ok(buf.write_at(0, &bytes) as Size)
    }

    fn clock_time_get(&mut self, id: Clockid, precision: Timestamp) -> Result<Timestamp> {
        self.log
            .push(format!("clock_time_get {} {precision}", id.name()));
        Ok(1_000_000_000 * (id as u64 + 1))
    }

    fn poll_oneoff(
        &mut self,
        in_: GuestArray<'_, preview1::Subscription>,
        mut out: GuestArrayMut<'_, Event>,
    ) -> Result<Size> {
        if in_.is_empty() {
            return Err(Errno::Inval.into());
        }
        // Decode everything first: a bad subscription fails the call before any event is written.
        let subs = in_.iter().collect::<std::result::Result<Vec<_>, _>>()?;
        for (i, sub) in subs.iter().enumerate() {
            let type_ = match sub.u {
                SubscriptionU::Clock(c) => {
                    self.log.push(format!(
                        "poll clock {} {} {:#x}",
                        c.id.name(),
                        c.timeout,
                        c.flags.bits()
                    ));
                    Eventtype::Clock
                }
                SubscriptionU::FdRead(f) => {
                    self.log.push(format!("poll fd_read {}", f.file_descriptor));
                    Eventtype::FdRead
                }
                SubscriptionU::FdWrite(f) => {
                    self.log
                        .push(format!("poll fd_write {}", f.file_descriptor));
                    Eventtype::FdWrite
                }
            };
            let event = Event {
                userdata: sub.userdata,
                error: Errno::Success,
                type_,
                fd_readwrite: EventFdReadwrite {
                    nbytes: 0,
                    flags: Eventrwflags::empty(),
                },
            };
            out.set(i, &event)?;
        }
        Ok(subs.len() as Size)
    }
}

/// Encodes a value the way the guest would see it, using the generated `GuestType` impl.
pub fn encode<T: wasi_host::guest::GuestType>(value: &T) -> Vec<u8> {
    let mut bytes = vec![0u8; T::SIZE as usize];
    let mem = wasi_host::guest::GuestMemory::unshared(&mut bytes);
    mem.write(0, value).expect("encodes in bounds");
    bytes
}

/// The directory holding this crate's guests.
pub fn guest_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("guests")
}

/// An engine with threads enabled (for shared-memory guests) whose guests run within the
/// time limit of [`watchdog`]; one for the whole test process.
pub fn engine() -> Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE
        .get_or_init(|| {
            let mut config = watchdog::engine_config();
            config.wasm_threads(true);
            config.shared_memory(true);
            let engine = Engine::new(&config).expect("engine");
            watchdog::register(&engine);
            engine
        })
        .clone()
}

/// One instantiated guest with its host.
pub struct Guest {
    pub store: Store<TestHost>,
    pub instance: Instance,
}

impl Guest {
    /// Instantiates `guests/wat/<name>.wat` against a [`TestHost`] prepared by `setup`.
    pub fn new(name: &str, setup: impl FnOnce(&mut TestHost)) -> Guest {
        let engine = engine();
        let path = guest_dir().join("wat").join(format!("{name}.wat"));
        let module = Module::from_file(&engine, &path)
            .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
        let mut host = TestHost {
            bind_memory: true,
            ..TestHost::default()
        };
        setup(&mut host);
        let bind = host.bind_memory;
        let mut store = Store::new(&engine, host);
        // The engine counts epochs: a store's deadline must be set before any wasm runs.
        watchdog::arm(&mut store);
        let mut linker = Linker::new(&engine);
        let instance = if bind {
            wasi_host::link::instantiate(
                &mut store,
                &linker,
                &module,
                &[preview1::IMPORTS],
                |l, spec, memory| {
                    preview1::define(
                        l,
                        spec.witx_module,
                        spec.function,
                        |h: &mut TestHost| h,
                        memory,
                    )
                },
            )
        } else {
            preview1::add_to_linker(&mut linker, |h: &mut TestHost| h).expect("link");
            linker.instantiate(&mut store, &module)
        }
        .expect("instantiate");
        Guest { store, instance }
    }

    /// Calls export `name` (no params, one i32 result): the errno, or the trap. The test host
    /// never blocks, so only wasm code can hang: the epoch deadline bounds it.
    pub fn call(&mut self, name: &str) -> std::result::Result<i32, wasmtime::Error> {
        let f = self
            .instance
            .get_typed_func::<(), i32>(&mut self.store, name)
            .unwrap_or_else(|e| panic!("export {name}: {e}"));
        watchdog::arm(&mut self.store);
        let result = f.call(&mut self.store, ());
        if let Err(e) = &result
            && watchdog::is_timeout(e)
        {
            panic!(
                "export {name} was still running wasm code after {:?}",
                watchdog::limit()
            );
        }
        result
    }

    /// Calls export `name` and expects an errno.
    pub fn errno(&mut self, name: &str) -> Errno {
        let code = self
            .call(name)
            .unwrap_or_else(|e| panic!("{name} trapped: {e:?}"));
        Errno::try_from(u16::try_from(code).expect("errno fits u16")).expect("a defined errno")
    }

    /// Calls export `name` and expects a trap; returns its message chain.
    pub fn trap(&mut self, name: &str) -> String {
        match self.call(name) {
            Ok(code) => panic!("{name} returned {code} instead of trapping"),
            Err(e) => format!("{e:?}"),
        }
    }

    /// Bytes of guest memory.
    pub fn mem(&mut self, ptr: usize, len: usize) -> Vec<u8> {
        let memory = self.instance.get_memory(&mut self.store, "memory");
        match memory {
            Some(m) => m.data(&self.store)[ptr..ptr + len].to_vec(),
            None => {
                let m = self
                    .instance
                    .get_shared_memory(&mut self.store, "memory")
                    .expect("a memory export");
                m.data()[ptr..ptr + len]
                    .iter()
                    // SAFETY: the guest is not running; nothing else touches the memory.
                    .map(|c| unsafe { *c.get() })
                    .collect()
            }
        }
    }

    /// A little-endian u32 of guest memory.
    pub fn u32_at(&mut self, ptr: usize) -> u32 {
        u32::from_le_bytes(self.mem(ptr, 4).try_into().unwrap())
    }

    /// A little-endian u64 of guest memory.
    pub fn u64_at(&mut self, ptr: usize) -> u64 {
        u64::from_le_bytes(self.mem(ptr, 8).try_into().unwrap())
    }

    /// The host.
    pub fn host(&mut self) -> &mut TestHost {
        self.store.data_mut()
    }
}

/// Reports that a test cannot run on this machine: prints `skipped: WHY` to the real stderr
/// (past the harness's capture, so it shows even when the test passes) and returns, or fails
/// when the `CI` variable is set: CI machines are set up to have what the tests need, so a
/// skip there means a test silently stopped testing.
pub fn skip(why: &str) {
    if std::env::var_os("CI").is_some() {
        panic!("cannot run, and CI is set: {why}");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "skipped: {why}");
}

/// The exit status carried by a trap, if it is a `proc_exit`.
pub fn exit_status(e: &wasmtime::Error) -> Option<u32> {
    e.downcast_ref::<Exit>().map(|e| e.0)
}

/// The `wasi-host` command-line binary under test.
///
/// Cargo sets `CARGO_BIN_EXE_*` only when compiling integration tests, not this library, so
/// the binary is found beside them: tests run from `target/<profile>/deps/`, the binary is
/// built into `target/<profile>/`.
pub fn cli_exe() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test executable");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executables live in target/<profile>/deps");
    let cli = profile_dir.join(format!(
        "wasi-host-under-test{}",
        std::env::consts::EXE_SUFFIX
    ));
    assert!(
        cli.exists(),
        "{} is missing (cargo builds it for the tests crate's integration tests)",
        cli.display()
    );
    cli
}
