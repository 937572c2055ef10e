//! The context's public descriptor API (`WasiCtx::descriptors`), used the way an embedder's
//! extension uses it: `tests/witx/state.witx` implemented on `WasiCtx` in this crate, its
//! descriptors then read by the guest through preview1.

mod state {
    wasi_host::bindings!("witx/state.witx");
}

use std::io::{Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;

use state::State;
use wasi_host::preview1::{Errno, Fd, Filetype, Rights};
use wasi_host::{CallError, DescriptorRights, WasiCtx, WasiCtxBuilder};
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
        assert_eq!(view.as_fd().as_raw_fd(), host);
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
