//! The context's public descriptor API (`WasiCtx::descriptors`), used the way an embedder's
//! extension uses it: `tests/witx/state.witx` implemented on `WasiCtx` in this crate, its
//! descriptors then read by the guest through preview1.

mod state {
    wasi_host::bindings!("witx/state.witx");
}

use std::collections::VecDeque;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::sync::{Arc, Mutex};

use state::State;
use wasi_host::preview1::{Errno, Fd, Fdflags, Filetype, Rights};
use wasi_host::{CallError, DescriptorRights, HostDescriptor, WasiCtx, WasiCtxBuilder};
use wasmtime::{Engine, Instance, Linker, Module, Store};

const GREETING: &[u8] = b"hello from the host";

/// An unnamed host file holding `bytes`, positioned at its start.
fn scratch(bytes: &[u8]) -> std::fs::File {
    let mut file = tempfile::tempfile().unwrap();
    file.write_all(bytes).unwrap();
    file.seek(SeekFrom::Start(0)).unwrap();
    file
}

// The extension, implemented in this crate on the context itself.
impl State for WasiCtx {
    fn open_scratch(&mut self) -> Result<Fd, CallError<Errno>> {
        Ok(self
            .descriptors()
            .insert_file(scratch(GREETING), DescriptorRights::FILE_READ_ONLY)?)
    }

    fn close(&mut self, fd: Fd) -> Result<(), CallError<Errno>> {
        Ok(self.descriptors().close(fd)?)
    }

    fn rights(&mut self, fd: Fd) -> Result<Rights, CallError<Errno>> {
        Ok(self.descriptors().get(fd, Rights::empty())?.rights())
    }
}

fn instantiate(store: &mut Store<WasiCtx>, module: &Module) -> wasmtime::Result<Instance> {
    let linker = Linker::new(store.engine());
    wasi_host::link::instantiate(
        store,
        &linker,
        module,
        &[wasi_host::preview1::IMPORTS, state::IMPORTS],
        |linker, spec, memory| {
            if state::IMPORTS.contains(spec) {
                state::define(
                    linker,
                    spec.witx_module,
                    spec.function,
                    |h: &mut WasiCtx| h,
                    memory,
                )
            } else {
                wasi_host::preview1::define(
                    linker,
                    spec.witx_module,
                    spec.function,
                    |h: &mut WasiCtx| h,
                    memory,
                )
            }
        },
    )
}

/// The guest: `open` (fd at 0), `read` (19 bytes at 64 through fd_read, count at 8), `write`
/// (fd_write on the descriptor), `close` twice, `read` again, `rights` (at 32).
const GUEST: &str = r#"(module
    (import "wasi_state" "open_scratch" (func $open (param i32) (result i32)))
    (import "wasi_state" "close" (func $close (param i32) (result i32)))
    (import "wasi_state" "rights" (func $rights (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "open") (result i32) (call $open (i32.const 0)))
    (func (export "fd") (result i32) (i32.load (i32.const 0)))
    (func (export "read") (result i32)
        (i32.store (i32.const 16) (i32.const 64))
        (i32.store (i32.const 20) (i32.const 32))
        (call $fd_read (i32.load (i32.const 0)) (i32.const 16) (i32.const 1) (i32.const 8)))
    (func (export "nread") (result i32) (i32.load (i32.const 8)))
    (func (export "write") (result i32)
        (i32.store (i32.const 16) (i32.const 64))
        (i32.store (i32.const 20) (i32.const 4))
        (call $fd_write (i32.load (i32.const 0)) (i32.const 16) (i32.const 1) (i32.const 8)))
    (func (export "close") (result i32) (call $close (i32.load (i32.const 0))))
    (func (export "rights") (result i32) (call $rights (i32.load (i32.const 0)) (i32.const 32)))
    (func (export "rights_lo") (result i32) (i32.load (i32.const 32))))"#;

fn call(store: &mut Store<WasiCtx>, instance: &Instance, name: &str) -> i32 {
    let f = instance
        .get_typed_func::<(), i32>(&mut *store, name)
        .unwrap();
    f.call(store, ()).unwrap()
}

#[test]
fn a_descriptor_an_extension_inserts_is_read_with_preview1_and_closed_once() {
    let engine = Engine::default();
    let mut store = Store::new(&engine, WasiCtxBuilder::new().build().unwrap());
    let instance = instantiate(&mut store, &Module::new(&engine, GUEST).unwrap()).unwrap();

    assert_eq!(call(&mut store, &instance, "open"), 0);
    let fd = call(&mut store, &instance, "fd");
    // The lowest free number after stdio.
    assert_eq!(fd, 3);
    assert_eq!(call(&mut store, &instance, "read"), 0);
    assert_eq!(call(&mut store, &instance, "nread"), GREETING.len() as i32);
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    let data = memory.data(&store);
    assert_eq!(&data[64..64 + GREETING.len()], GREETING);

    // Read-only: the rights the extension asked for are the ones preview1 enforces.
    assert_eq!(
        call(&mut store, &instance, "write"),
        Errno::Notcapable as i32
    );
    assert_eq!(call(&mut store, &instance, "rights"), 0);
    let rights =
        Rights::from_bits_truncate(u64::from(call(&mut store, &instance, "rights_lo") as u32));
    assert!(rights.contains(Rights::FD_READ | Rights::FD_SEEK));
    assert!(!rights.contains(Rights::FD_WRITE));

    assert_eq!(call(&mut store, &instance, "close"), 0);
    assert_eq!(call(&mut store, &instance, "close"), Errno::Badf as i32);
    assert_eq!(call(&mut store, &instance, "read"), Errno::Badf as i32);
    assert_eq!(call(&mut store, &instance, "rights"), Errno::Badf as i32);
}

#[test]
fn rights_beyond_the_descriptor_kind_are_refused() {
    let mut ctx = WasiCtxBuilder::new().build().unwrap();
    let mut fds = ctx.descriptors();
    let too_much = DescriptorRights {
        base: Rights::FD_READ | Rights::PATH_OPEN,
        inheriting: Rights::empty(),
    };
    assert_eq!(
        fds.insert_file(scratch(b""), too_much).unwrap_err(),
        Errno::Notcapable
    );
    let inheriting = DescriptorRights {
        base: Rights::FD_READ,
        inheriting: Rights::FD_READ,
    };
    assert_eq!(
        fds.insert_file(scratch(b""), inheriting).unwrap_err(),
        Errno::Inval
    );
    let dir = std::fs::File::open(std::env::temp_dir()).unwrap();
    assert_eq!(
        fds.insert_file(dir, DescriptorRights::FILE).unwrap_err(),
        Errno::Isdir
    );
    // A stream loses the seek rights a read-only file asks for; it is not refused.
    let (reader, _writer) = std::io::pipe().unwrap();
    let pipe = fds
        .insert_file(
            std::fs::File::from(std::os::fd::OwnedFd::from(reader)),
            DescriptorRights::FILE_READ_ONLY,
        )
        .unwrap();
    let rights = fds.get(pipe, Rights::FD_READ).unwrap().rights();
    assert!(!rights.intersects(Rights::FD_SEEK | Rights::FD_TELL));
    // A socket's rights do not include seeking.
    let (a, _b) = socket_pair();
    assert_eq!(
        fds.insert_socket(a, DescriptorRights::FILE).unwrap_err(),
        Errno::Notcapable
    );
}

/// A connected TCP pair on the loopback.
fn socket_pair() -> (std::net::TcpStream, std::net::TcpStream) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let a = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (b, _) = listener.accept().unwrap();
    (a, b)
}

#[test]
fn get_replace_renumber_and_close_follow_the_table_rules() {
    let mut ctx = WasiCtxBuilder::new().fd_limit(5).build().unwrap();
    let mut fds = ctx.descriptors();
    let file = scratch(b"abc");
    let host = file.as_raw_fd();
    let fd = fds.insert_file(file, DescriptorRights::FILE).unwrap();
    {
        let view = fds.get(fd, Rights::FD_READ | Rights::FD_WRITE).unwrap();
        assert_eq!(view.filetype(), Filetype::RegularFile);
        assert!(view.rights().contains(Rights::FD_SEEK));
        assert!(view.inheriting().is_empty());
        assert!(view.preopen().is_none());
        assert_eq!(view.as_fd().unwrap().as_raw_fd(), host);
    }
    let read_only = DescriptorRights::FILE_READ_ONLY;
    fds.replace_file(fd, scratch(b"xyz"), read_only).unwrap();
    assert_eq!(fds.get(fd, Rights::FD_WRITE).err(), Some(Errno::Notcapable));
    assert_eq!(
        fds.get(fd, Rights::FD_READ).unwrap().rights(),
        read_only.base
    );
    assert_eq!(
        fds.replace_file(Fd(4), scratch(b""), read_only)
            .unwrap_err(),
        Errno::Badf
    );

    let (a, _b) = socket_pair();
    let sock = fds.insert_socket(a, DescriptorRights::SOCKET).unwrap();
    assert_eq!(sock, Fd(4));
    assert_eq!(
        fds.get(sock, Rights::empty()).unwrap().filetype(),
        Filetype::SocketStream
    );
    // The context's descriptor limit applies (3 stdio + 2).
    assert_eq!(
        fds.insert_file(scratch(b""), read_only).unwrap_err(),
        Errno::Mfile
    );

    fds.renumber(sock, fd).unwrap();
    assert_eq!(
        fds.get(fd, Rights::empty()).unwrap().filetype(),
        Filetype::SocketStream
    );
    assert_eq!(fds.get(sock, Rights::empty()).err(), Some(Errno::Badf));
    assert_eq!(fds.renumber(sock, fd).unwrap_err(), Errno::Badf);
    fds.close(fd).unwrap();
    assert_eq!(fds.close(fd).unwrap_err(), Errno::Badf);
}

/// A guest of plain preview1 calls, each exported with its arguments; results land at fixed
/// addresses: counts at 8, an fdstat at 32, a new fd or offset at 48, a prestat at 56,
/// poll events at 304. Paths and data go from 1024 on.
const CALLS: &str = r#"(module
    (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_seek" (func $fd_seek (param i32 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
    (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "sock_accept" (func $sock_accept (param i32 i32 i32) (result i32)))
    (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
    (memory (export "memory") 1)
    (func (export "write") (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
        (i32.store (i32.const 16) (local.get $ptr))
        (i32.store (i32.const 20) (local.get $len))
        (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 8)))
    (func (export "read") (param $fd i32) (param $ptr i32) (param $len i32) (result i32)
        (i32.store (i32.const 16) (local.get $ptr))
        (i32.store (i32.const 20) (local.get $len))
        (call $fd_read (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 8)))
    (func (export "fdstat") (param $fd i32) (result i32) (call $fdstat (local.get $fd) (i32.const 32)))
    (func (export "seek") (param $fd i32) (param $whence i32) (result i32)
        (call $fd_seek (local.get $fd) (i64.const 0) (local.get $whence) (i32.const 48)))
    (func (export "close") (param $fd i32) (result i32) (call $fd_close (local.get $fd)))
    (func (export "prestat") (param $fd i32) (result i32) (call $prestat (local.get $fd) (i32.const 56)))
    ;; Opens the path at 1024 (`len` bytes) for reading and writing, following symlinks.
    (func (export "open") (param $dir i32) (param $len i32) (param $oflags i32) (result i32)
        (call $path_open (local.get $dir) (i32.const 1) (i32.const 1024) (local.get $len)
            (local.get $oflags) (i64.const 66) (i64.const 0) (i32.const 0) (i32.const 48)))
    (func (export "accept") (param $fd i32) (result i32)
        (call $sock_accept (local.get $fd) (i32.const 0) (i32.const 48)))
    ;; One fd_read subscription on `fd`, then the number of events.
    (func (export "poll_read") (param $fd i32) (result i32)
        (i64.store (i32.const 200) (i64.const 7))
        (i32.store8 (i32.const 208) (i32.const 1))
        (i32.store (i32.const 216) (local.get $fd))
        (call $poll (i32.const 200) (i32.const 304) (i32.const 1) (i32.const 8)))
    (func (export "load") (param $at i32) (result i32) (i32.load (local.get $at)))
    (func (export "load8") (param $at i32) (result i32) (i32.load8_u (local.get $at)))
    (func (export "load16") (param $at i32) (result i32) (i32.load16_u (local.get $at))))"#;

/// A store running [`CALLS`] over `ctx`.
fn calls(ctx: WasiCtx) -> (Store<WasiCtx>, Instance) {
    let engine = Engine::default();
    let mut store = Store::new(&engine, ctx);
    let instance = instantiate(&mut store, &Module::new(&engine, CALLS).unwrap()).unwrap();
    (store, instance)
}

/// Calls the export `name` of [`CALLS`] with `args`.
fn run(store: &mut Store<WasiCtx>, instance: &Instance, name: &str, args: &[i32]) -> i32 {
    let f = instance.get_func(&mut *store, name).unwrap();
    let args: Vec<wasmtime::Val> = args.iter().map(|&a| wasmtime::Val::I32(a)).collect();
    let mut out = [wasmtime::Val::I32(0)];
    f.call(&mut *store, &args, &mut out).unwrap();
    out[0].unwrap_i32()
}

/// Copies `bytes` into the guest's memory at `at`.
fn put(store: &mut Store<WasiCtx>, instance: &Instance, at: usize, bytes: &[u8]) {
    let memory = instance.get_memory(&mut *store, "memory").unwrap();
    memory.data_mut(&mut *store)[at..at + bytes.len()].copy_from_slice(bytes);
}

/// `len` bytes of the guest's memory at `at`.
fn peek(store: &mut Store<WasiCtx>, instance: &Instance, at: usize, len: usize) -> Vec<u8> {
    let memory = instance.get_memory(&mut *store, "memory").unwrap();
    memory.data(&*store)[at..at + len].to_vec()
}

/// An embedder's own descriptor: a bounded in-memory ring of bytes, a character device to
/// the guest, with no position.
struct Ring {
    bytes: Mutex<VecDeque<u8>>,
    capacity: usize,
}

impl HostDescriptor for Ring {
    fn filetype(&self) -> Filetype {
        Filetype::CharacterDevice
    }

    fn read(&self, buf: &mut [u8], flags: Fdflags) -> Result<usize, Errno> {
        let mut bytes = self.bytes.lock().unwrap();
        if bytes.is_empty() && flags.contains(Fdflags::NONBLOCK) {
            return Err(Errno::Again);
        }
        let n = buf.len().min(bytes.len());
        for (to, from) in buf.iter_mut().zip(bytes.drain(..n)) {
            *to = from;
        }
        Ok(n)
    }

    fn write(&self, buf: &[u8], _flags: Fdflags) -> Result<usize, Errno> {
        let mut bytes = self.bytes.lock().unwrap();
        let n = buf.len().min(self.capacity - bytes.len());
        if n == 0 {
            return Err(Errno::Again);
        }
        bytes.extend(&buf[..n]);
        Ok(n)
    }
}

#[test]
fn an_embedder_defined_descriptor_is_read_written_and_closed_with_preview1() {
    let ring = Arc::new(Ring {
        bytes: Mutex::new(VecDeque::new()),
        capacity: 6,
    });
    let mut ctx = WasiCtxBuilder::new().build().unwrap();
    let fd = ctx
        .descriptors()
        .insert_host(ring.clone(), DescriptorRights::HOST)
        .unwrap();
    assert_eq!(fd, Fd(3));
    let (mut s, i) = calls(ctx);
    let fd = fd.0 as i32;

    put(&mut s, &i, 1024, b"ping-pong");
    // The ring takes what fits: a short write.
    assert_eq!(run(&mut s, &i, "write", &[fd, 1024, 9]), 0);
    assert_eq!(run(&mut s, &i, "load", &[8]), 6);
    assert_eq!(
        ring.bytes
            .lock()
            .unwrap()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        b"ping-p"
    );
    assert_eq!(run(&mut s, &i, "read", &[fd, 2048, 4]), 0);
    assert_eq!(run(&mut s, &i, "load", &[8]), 4);
    assert_eq!(peek(&mut s, &i, 2048, 4), b"ping");
    // A full ring with nothing read: the implementation's own EAGAIN.
    assert_eq!(run(&mut s, &i, "write", &[fd, 1024, 9]), 0);
    assert_eq!(
        run(&mut s, &i, "write", &[fd, 1024, 1]),
        Errno::Again as i32
    );

    // Its filetype and rights, as fd_fdstat_get reports them.
    assert_eq!(run(&mut s, &i, "fdstat", &[fd]), 0);
    assert_eq!(
        run(&mut s, &i, "load8", &[32]),
        Filetype::CharacterDevice as i32
    );
    // No position: seeking is ESPIPE, as on a pipe.
    assert_eq!(run(&mut s, &i, "seek", &[fd, 0]), Errno::Spipe as i32);
    // Not a directory, not a socket, not a preopen.
    put(&mut s, &i, 1024, b"x");
    assert_eq!(run(&mut s, &i, "open", &[fd, 1, 0]), Errno::Notdir as i32);
    assert_eq!(run(&mut s, &i, "accept", &[fd]), Errno::Notsock as i32);
    assert_eq!(run(&mut s, &i, "prestat", &[fd]), Errno::Badf as i32);
    // No descriptor to wait on: always ready.
    assert_eq!(run(&mut s, &i, "poll_read", &[fd]), 0);
    assert_eq!(run(&mut s, &i, "load", &[8]), 1);
    assert_eq!(run(&mut s, &i, "load16", &[312]), 0);

    // An extension finds its own type again from the number.
    {
        let fds = s.data_mut().descriptors();
        let view = fds.get(Fd(3), Rights::FD_READ).unwrap();
        assert!(view.as_fd().is_none());
        assert!(view.host().unwrap().downcast_ref::<Ring>().is_some());
    }
    // Closing drops the table's handle: ours is the last.
    assert_eq!(Arc::strong_count(&ring), 2);
    assert_eq!(run(&mut s, &i, "close", &[fd]), 0);
    assert_eq!(Arc::strong_count(&ring), 1);
    assert_eq!(run(&mut s, &i, "close", &[fd]), Errno::Badf as i32);
    assert_eq!(run(&mut s, &i, "read", &[fd, 2048, 4]), Errno::Badf as i32);
}

#[test]
fn a_directory_inserted_through_the_api_confines_path_calls_like_a_preopen() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("data")).unwrap();
    std::fs::write(root.path().join("data/inside.txt"), b"inside").unwrap();
    std::fs::write(root.path().join("secret.txt"), b"secret").unwrap();
    std::os::unix::fs::symlink("../secret.txt", root.path().join("data/link")).unwrap();

    let mut ctx = WasiCtxBuilder::new().build().unwrap();
    let mut fds = ctx.descriptors();
    let data = root.path().join("data");
    let dir = fds
        .insert_dir(&data, Some("/data"), DescriptorRights::DIR)
        .unwrap();
    let ro = fds
        .insert_dir(&data, None, DescriptorRights::DIR_READ_ONLY)
        .unwrap();
    // The same limits as every other insert.
    let beyond = DescriptorRights {
        base: Rights::PATH_OPEN | Rights::SOCK_ACCEPT,
        inheriting: Rights::empty(),
    };
    assert_eq!(
        fds.insert_dir(&data, None, beyond).unwrap_err(),
        Errno::Notcapable
    );
    assert_eq!(
        fds.insert_dir(&root.path().join("missing"), None, DescriptorRights::DIR)
            .unwrap_err(),
        Errno::Noent
    );
    assert_eq!(
        fds.insert_dir(&root.path().join("secret.txt"), None, DescriptorRights::DIR)
            .unwrap_err(),
        Errno::Notdir
    );
    let (mut s, i) = calls(ctx);
    let (dir, ro) = (dir.0 as i32, ro.0 as i32);

    // A guest name makes it a preopen; without one it is a plain directory descriptor.
    assert_eq!(run(&mut s, &i, "prestat", &[dir]), 0);
    assert_eq!(run(&mut s, &i, "load", &[60]), 5);
    assert_eq!(run(&mut s, &i, "prestat", &[ro]), Errno::Badf as i32);
    assert_eq!(run(&mut s, &i, "fdstat", &[ro]), 0);
    assert_eq!(run(&mut s, &i, "load8", &[32]), Filetype::Directory as i32);

    put(&mut s, &i, 1024, b"inside.txt");
    assert_eq!(run(&mut s, &i, "open", &[dir, 10, 0]), 0);
    let file = run(&mut s, &i, "load", &[48]);
    assert_eq!(run(&mut s, &i, "read", &[file, 2048, 16]), 0);
    assert_eq!(run(&mut s, &i, "load", &[8]), 6);
    assert_eq!(peek(&mut s, &i, 2048, 6), b"inside");

    // Out through `..` or a symlink: refused, as beneath a preopen.
    for path in [&b"../secret.txt"[..], b"link"] {
        put(&mut s, &i, 1024, path);
        let got = run(&mut s, &i, "open", &[dir, path.len() as i32, 0]);
        assert!(
            got == Errno::Notcapable as i32 || got == Errno::Perm as i32,
            "{} gave errno {got}",
            String::from_utf8_lossy(path)
        );
        assert_eq!(run(&mut s, &i, "open", &[ro, path.len() as i32, 0]), got);
    }
    // The read-only rights hold: creating is refused.
    put(&mut s, &i, 1024, b"new.txt");
    let creat = 1;
    assert_eq!(
        run(&mut s, &i, "open", &[ro, 7, creat]),
        Errno::Notcapable as i32
    );
    assert!(!data.join("new.txt").exists());
    assert_eq!(run(&mut s, &i, "open", &[dir, 7, creat]), 0);
    assert!(data.join("new.txt").exists());
}

#[test]
fn a_listener_inserted_through_the_api_accepts_on_the_loopback() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut ctx = WasiCtxBuilder::new().build().unwrap();
    let mut fds = ctx.descriptors();
    assert_eq!(
        fds.insert_listener(
            listener.try_clone().unwrap(),
            DescriptorRights {
                base: Rights::SOCK_ACCEPT | Rights::FD_SEEK,
                inheriting: Rights::empty(),
            }
        )
        .unwrap_err(),
        Errno::Notcapable
    );
    let fd = fds
        .insert_listener(listener, DescriptorRights::LISTENER)
        .unwrap()
        .0 as i32;
    let (mut s, i) = calls(ctx);
    assert_eq!(run(&mut s, &i, "fdstat", &[fd]), 0);
    assert_eq!(
        run(&mut s, &i, "load8", &[32]),
        Filetype::SocketStream as i32
    );
    // Connected before the guest accepts: the connection is queued, so accept never waits.
    let mut peer = std::net::TcpStream::connect(addr).unwrap();
    peer.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    assert_eq!(run(&mut s, &i, "accept", &[fd]), 0);
    let conn = run(&mut s, &i, "load", &[48]);
    put(&mut s, &i, 1024, b"hey");
    assert_eq!(run(&mut s, &i, "write", &[conn, 1024, 3]), 0);
    let mut got = [0u8; 3];
    peer.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"hey");
}

#[test]
fn set_flags_append_is_applied_to_the_host_file() {
    let file = scratch(b"abc");
    let mut ctx = WasiCtxBuilder::new().build().unwrap();
    let fd = ctx
        .descriptors()
        .insert_file(file.try_clone().unwrap(), DescriptorRights::FILE)
        .unwrap();
    ctx.descriptors().set_flags(fd, Fdflags::APPEND).unwrap();
    assert_eq!(
        ctx.descriptors().get(fd, Rights::empty()).unwrap().flags(),
        Fdflags::APPEND
    );
    // For real: the host's open file description has O_APPEND.
    let oflags = status_flags(&file);
    assert_ne!(oflags & libc::O_APPEND, 0);
    // A change of the sync flags cannot be honoured; an unknown fd is EBADF.
    assert_eq!(
        ctx.descriptors().set_flags(fd, Fdflags::SYNC).unwrap_err(),
        Errno::Notsup
    );
    assert_eq!(
        ctx.descriptors()
            .set_flags(Fd(40), Fdflags::empty())
            .unwrap_err(),
        Errno::Badf
    );
    let (mut s, i) = calls(ctx);
    let fd = fd.0 as i32;
    // At position 0, yet the write lands at the end.
    assert_eq!(run(&mut s, &i, "seek", &[fd, 0]), 0);
    assert_eq!(run(&mut s, &i, "load", &[48]), 0);
    put(&mut s, &i, 1024, b"XY");
    assert_eq!(run(&mut s, &i, "write", &[fd, 1024, 2]), 0);
    let mut all = Vec::new();
    let mut file = file;
    file.seek(SeekFrom::Start(0)).unwrap();
    file.read_to_end(&mut all).unwrap();
    assert_eq!(all, b"abcXY");
}

/// The host status flags of `file`, as `/proc` reports them (no `unsafe` `fcntl` call).
fn status_flags(file: &std::fs::File) -> i32 {
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{}", file.as_raw_fd())).unwrap();
    let octal = info
        .lines()
        .find_map(|line| line.strip_prefix("flags:"))
        .unwrap()
        .trim();
    i32::from_str_radix(octal, 8).unwrap()
}
