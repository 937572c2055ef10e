//! The in-memory filesystem layer: a tree mounted at `/mem` beside a real preopen, driven by
//! a guest that exports one function per call, so each step's result is checked.

use wasi_host::layers::{MemFs, MemTree, MountPoint};
use wasi_host::{Stdio, WasiCtx};
use wasmtime::{Engine, Instance, Linker, Memory, Module, Store};

/// Each export makes one call with arguments from the host; paths and data at 1024+.
/// Results are the call's value (fd, size) or the errno negated.
const GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_renumber" (func $renumber (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_unlink_file" (func $unlink (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_remove_directory" (func $rmdir (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_rename" (func $rename (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_get" (func $stat (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $prestat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_allocate" (func $allocate (param i32 i64 i64) (result i32)))
  (import "wasi_snapshot_preview1" "path_link" (func $link (param i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_symlink" (func $symlink (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_readlink" (func $readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_filestat_set_times" (func $settimes (param i32 i32 i32 i32 i64 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_filestat_set_times" (func $fsettimes (param i32 i64 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (func $or (param $e i32) (param $v i32) (result i32)
    (if (result i32) (local.get $e) (then (i32.sub (i32.const 0) (local.get $e))) (else (local.get $v))))
  (func (export "open") (param $dir i32) (param $p i32) (param $l i32) (param $oflags i32) (param $rights i64) (result i32)
    (call $or (call $open (local.get $dir) (i32.const 1) (local.get $p) (local.get $l) (local.get $oflags)
      (local.get $rights) (i64.const 0) (i32.const 0) (i32.const 8)) (i32.load (i32.const 8))))
  (func (export "read") (param $fd i32) (param $p i32) (param $l i32) (result i32)
    (i32.store (i32.const 16) (local.get $p)) (i32.store (i32.const 20) (local.get $l))
    (call $or (call $read (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 8)) (i32.load (i32.const 8))))
  (func (export "write") (param $fd i32) (param $p i32) (param $l i32) (result i32)
    (i32.store (i32.const 16) (local.get $p)) (i32.store (i32.const 20) (local.get $l))
    (call $or (call $write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 8)) (i32.load (i32.const 8))))
  (func (export "seek") (param $fd i32) (param $off i64) (param $whence i32) (result i32)
    (call $or (call $seek (local.get $fd) (local.get $off) (local.get $whence) (i32.const 8)) (i32.load (i32.const 8))))
  (func (export "close") (param $fd i32) (result i32) (call $or (call $close (local.get $fd)) (i32.const 0)))
  (func (export "renumber") (param $fd i32) (param $to i32) (result i32)
    (call $or (call $renumber (local.get $fd) (local.get $to)) (i32.const 0)))
  (func (export "readdir") (param $fd i32) (param $p i32) (param $l i32) (result i32)
    (call $or (call $readdir (local.get $fd) (local.get $p) (local.get $l) (i64.const 0) (i32.const 8)) (i32.load (i32.const 8))))
  (func (export "readdir_at") (param $fd i32) (param $p i32) (param $l i32) (param $cookie i64) (result i32)
    (call $or (call $readdir (local.get $fd) (local.get $p) (local.get $l) (local.get $cookie) (i32.const 8)) (i32.load (i32.const 8))))
  (func (export "mkdir") (param $dir i32) (param $p i32) (param $l i32) (result i32)
    (call $or (call $mkdir (local.get $dir) (local.get $p) (local.get $l)) (i32.const 0)))
  (func (export "unlink") (param $dir i32) (param $p i32) (param $l i32) (result i32)
    (call $or (call $unlink (local.get $dir) (local.get $p) (local.get $l)) (i32.const 0)))
  (func (export "rmdir") (param $dir i32) (param $p i32) (param $l i32) (result i32)
    (call $or (call $rmdir (local.get $dir) (local.get $p) (local.get $l)) (i32.const 0)))
  (func (export "rename") (param $dir i32) (param $p i32) (param $l i32) (param $to i32) (param $q i32) (param $m i32) (result i32)
    (call $or (call $rename (local.get $dir) (local.get $p) (local.get $l) (local.get $to) (local.get $q) (local.get $m)) (i32.const 0)))
  (func (export "size") (param $dir i32) (param $p i32) (param $l i32) (result i32)
    (call $or (call $stat (local.get $dir) (i32.const 1) (local.get $p) (local.get $l) (i32.const 64)) (i32.load (i32.const 96))))
  (func (export "allocate") (param $fd i32) (param $off i64) (param $len i64) (result i32)
    (call $or (call $allocate (local.get $fd) (local.get $off) (local.get $len)) (i32.const 0)))
  (func (export "link") (param $dir i32) (param $flags i32) (param $p i32) (param $l i32) (param $q i32) (param $m i32) (result i32)
    (call $or (call $link (local.get $dir) (local.get $flags) (local.get $p) (local.get $l) (local.get $dir) (local.get $q) (local.get $m)) (i32.const 0)))
  (func (export "symlink") (param $p i32) (param $l i32) (param $dir i32) (param $q i32) (param $m i32) (result i32)
    (call $or (call $symlink (local.get $p) (local.get $l) (local.get $dir) (local.get $q) (local.get $m)) (i32.const 0)))
  (func (export "readlink") (param $dir i32) (param $p i32) (param $l i32) (param $buf i32) (param $n i32) (result i32)
    (call $or (call $readlink (local.get $dir) (local.get $p) (local.get $l) (local.get $buf) (local.get $n) (i32.const 8)) (i32.load (i32.const 8))))
  (func (export "stat") (param $dir i32) (param $flags i32) (param $p i32) (param $l i32) (result i32)
    (call $or (call $stat (local.get $dir) (local.get $flags) (local.get $p) (local.get $l) (i32.const 64)) (i32.const 0)))
  (func (export "settimes") (param $dir i32) (param $flags i32) (param $p i32) (param $l i32) (param $a i64) (param $m i64) (param $f i32) (result i32)
    (call $or (call $settimes (local.get $dir) (local.get $flags) (local.get $p) (local.get $l) (local.get $a) (local.get $m) (local.get $f)) (i32.const 0)))
  (func (export "fsettimes") (param $fd i32) (param $a i64) (param $m i64) (param $f i32) (result i32)
    (call $or (call $fsettimes (local.get $fd) (local.get $a) (local.get $m) (local.get $f)) (i32.const 0)))
  (func (export "prestat") (param $fd i32) (result i32)
    (call $or (call $prestat (local.get $fd) (i32.const 8)) (i32.load (i32.const 12)))))"#;

const CREAT: i32 = 1;
const DIRECTORY: i32 = 2;
const EXCL: i32 = 4;
const TRUNC: i32 = 8;
const READ: i64 = 1 << 1;
const WRITE: i64 = 1 << 6;
const ENOENT: i32 = 44;
const EEXIST: i32 = 20;
const EPERM: i32 = 63;
const ENOTCAPABLE: i32 = 76;
const ELOOP: i32 = 32;
const EINVAL: i32 = 28;
const FOLLOW: i32 = 1;
const ENOTEMPTY: i32 = 55;
const EXDEV: i32 = 75;
const EBADF: i32 = 8;

struct Guest {
    store: Store<MemFs<WasiCtx>>,
    instance: Instance,
    memory: Memory,
}

impl Guest {
    /// Writes `s` at 1024 (paths) or 2048 (second path), returns (ptr, len).
    fn put(&mut self, at: usize, s: &[u8]) -> (i32, i32) {
        self.memory.write(&mut self.store, at, s).unwrap();
        (at as i32, s.len() as i32)
    }

    fn call<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(&mut self, name: &str, p: P) -> R {
        let f = self
            .instance
            .get_typed_func::<P, R>(&mut self.store, name)
            .unwrap();
        f.call(&mut self.store, p).unwrap()
    }

    fn open(&mut self, dir: i32, path: &str, oflags: i32, rights: i64) -> i32 {
        let (p, l) = self.put(1024, path.as_bytes());
        self.call("open", (dir, p, l, oflags, rights))
    }

    fn path_call(&mut self, name: &str, dir: i32, path: &str) -> i32 {
        let (p, l) = self.put(1024, path.as_bytes());
        self.call(name, (dir, p, l))
    }

    /// `path_filestat_get`: (errno or 0, then filetype, nlink, size, atim, mtim, ctim).
    fn stat(&mut self, dir: i32, flags: i32, path: &str) -> (i32, [u64; 6]) {
        let (p, l) = self.put(1024, path.as_bytes());
        let e: i32 = self.call("stat", (dir, flags, p, l));
        let mut raw = [0u8; 64];
        self.memory.read(&self.store, 64, &mut raw).unwrap();
        let at = |i: usize| u64::from_le_bytes(raw[i..i + 8].try_into().unwrap());
        (e, [raw[16] as u64, at(24), at(32), at(40), at(48), at(56)])
    }

    fn two_paths(&mut self, name: &str, dir: i32, flags: i32, from: &str, to: &str) -> i32 {
        let (p, l) = self.put(1024, from.as_bytes());
        let (q, m) = self.put(2048, to.as_bytes());
        match name {
            "link" => self.call(name, (dir, flags, p, l, q, m)),
            _ => self.call(name, (p, l, dir, q, m)),
        }
    }

    fn readlink(&mut self, dir: i32, path: &str, len: i32) -> Result<Vec<u8>, i32> {
        let (p, l) = self.put(1024, path.as_bytes());
        let n: i32 = self.call("readlink", (dir, p, l, 8192, len));
        if n < 0 {
            return Err(n);
        }
        let mut out = vec![0; n as usize];
        self.memory.read(&self.store, 8192, &mut out).unwrap();
        Ok(out)
    }

    fn write(&mut self, fd: i32, data: &[u8]) -> i32 {
        let (p, l) = self.put(4096, data);
        self.call("write", (fd, p, l))
    }

    fn read(&mut self, fd: i32, len: i32) -> Vec<u8> {
        let n: i32 = self.call("read", (fd, 8192, len));
        assert!(n >= 0, "read: {n}");
        let mut out = vec![0; n as usize];
        self.memory.read(&self.store, 8192, &mut out).unwrap();
        out
    }

    /// One `fd_readdir` from `cookie` into a `len`-byte buffer: the whole entries in it, as
    /// (name, the cookie after it).
    fn read_dir_at(&mut self, fd: i32, cookie: u64, len: i32) -> Vec<(String, u64)> {
        let n: i32 = self.call("readdir_at", (fd, 16384, len, cookie as i64));
        assert!(n >= 0, "readdir: {n}");
        let mut buf = vec![0; n as usize];
        self.memory.read(&self.store, 16384, &mut buf).unwrap();
        let mut entries = Vec::new();
        let mut at = 0;
        while at + 24 <= buf.len() {
            let next = u64::from_le_bytes(buf[at..at + 8].try_into().unwrap());
            let len = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
            if at + 24 + len > buf.len() {
                break;
            }
            entries.push((
                String::from_utf8(buf[at + 24..at + 24 + len].to_vec()).unwrap(),
                next,
            ));
            at += 24 + len;
        }
        entries
    }

    /// The names `fd_readdir` lists, from one call with a large buffer.
    fn list(&mut self, fd: i32) -> Vec<String> {
        let n: i32 = self.call("readdir", (fd, 16384, 16384));
        assert!(n >= 0, "readdir: {n}");
        let mut buf = vec![0; n as usize];
        self.memory.read(&self.store, 16384, &mut buf).unwrap();
        let mut names = Vec::new();
        let mut at = 0;
        while at + 24 <= buf.len() {
            let len = u32::from_le_bytes(buf[at + 16..at + 20].try_into().unwrap()) as usize;
            names.push(String::from_utf8(buf[at + 24..at + 24 + len].to_vec()).unwrap());
            at += 24 + len;
        }
        names
    }
}

fn setup(real: &std::path::Path) -> Guest {
    let mut tree = MemTree::new();
    tree.file("in.txt", "hello memfs").dir("empty");
    setup_with(real, tree)
}

fn setup_with(real: &std::path::Path, tree: MemTree) -> Guest {
    let mut b = WasiCtx::builder();
    b.stdin(Stdio::Null)
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .preopen_dir(real, "/real");
    let mount = MountPoint::add(&mut b, "/mem").unwrap();
    let host = MemFs::new(b.build().unwrap(), mount, tree).unwrap();
    let engine = Engine::default();
    let module = Module::new(&engine, GUEST).unwrap();
    let mut store = Store::new(&engine, host);
    let linker = Linker::new(&engine);
    let instance =
        wasi_host::instantiate(&mut store, &linker, &module, |h: &mut MemFs<WasiCtx>| h).unwrap();
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    Guest {
        store,
        instance,
        memory,
    }
}

#[test]
fn files_and_directories_live_in_memory_beside_a_real_preopen() {
    let real = tempfile::tempdir().unwrap();
    let mut g = setup(real.path());
    // fd 3 is the real preopen, fd 4 the mount; both are preopens to the guest.
    assert_eq!(g.call::<i32, i32>("prestat", 4), 4, "/mem's name length");
    assert_eq!(
        g.call::<i32, i32>("prestat", 5),
        -8,
        "EBADF past the preopens"
    );

    // Read a file the embedder put in the tree.
    let fd = g.open(4, "in.txt", 0, READ);
    assert!(fd > 4, "{fd}");
    assert_eq!(g.read(fd, 100), b"hello memfs");
    assert_eq!(g.read(fd, 100), b"", "end of file");
    assert_eq!(g.call::<i32, i32>("close", fd), 0);

    // Create a directory and a file in it, write, seek back, read.
    assert_eq!(g.path_call("mkdir", 4, "sub"), 0);
    assert_eq!(g.path_call("mkdir", 4, "sub"), -EEXIST);
    let out = g.open(4, "sub/out.txt", CREAT | TRUNC, READ | WRITE);
    assert!(out > 4, "{out}");
    assert_eq!(g.write(out, b"written by the guest"), 20);
    assert_eq!(g.call::<(i32, i64, i32), i32>("seek", (out, 11, 0)), 11);
    assert_eq!(g.read(out, 100), b"the guest");
    assert_eq!(g.path_call("size", 4, "sub/out.txt"), 20);
    assert_eq!(g.open(4, "sub/out.txt", CREAT | EXCL, WRITE), -EEXIST);
    // Allocation extends, never shrinks.
    assert_eq!(g.call::<(i32, i64, i64), i32>("allocate", (out, 0, 4)), 0);
    assert_eq!(g.path_call("size", 4, "sub/out.txt"), 20);
    assert_eq!(g.call::<(i32, i64, i64), i32>("allocate", (out, 20, 2)), 0);
    assert_eq!(g.path_call("size", 4, "sub/out.txt"), 22);
    assert_eq!(g.call::<(i32, i64, i64), i32>("allocate", (out, 20, 0)), 0);

    // Directory listings.
    let dir = g.open(4, "sub", DIRECTORY, READ);
    assert_eq!(g.list(dir), [".", "..", "out.txt"]);
    // In the order the entries were made (`fd_readdir`'s order is the host's to choose).
    assert_eq!(g.list(4), [".", "..", "in.txt", "empty", "sub"]);
    // Paths relative to an opened directory, and no way out of the mount.
    // Beneath the descriptor given, as the OS-backed host.
    assert_eq!(g.path_call("size", dir, "../in.txt"), -ENOTCAPABLE);
    assert_eq!(g.path_call("size", dir, "../sub/out.txt"), -ENOTCAPABLE);
    assert_eq!(g.path_call("size", 4, "sub/../in.txt"), 11);
    assert_eq!(g.open(4, "../escape", CREAT, WRITE), -ENOTCAPABLE);
    assert_eq!(g.open(dir, "../../escape", CREAT, WRITE), -ENOTCAPABLE);
    assert_eq!(g.open(4, "missing", 0, READ), -ENOENT);

    // Rename inside the mount; not across its edge.
    let (p, l) = g.put(1024, b"sub/out.txt");
    let (q, m) = g.put(2048, b"moved.txt");
    assert_eq!(g.call::<_, i32>("rename", (4, p, l, 4, q, m)), 0);
    assert_eq!(g.call::<_, i32>("rename", (4, q, m, 3, q, m)), -EXDEV);
    assert_eq!(g.list(dir), [".", ".."]);
    assert_eq!(g.path_call("size", 4, "moved.txt"), 22);
    // Removing: files with unlink, empty directories with rmdir.
    let f = g.open(4, "empty/f", CREAT, WRITE);
    assert_eq!(g.call::<i32, i32>("close", f), 0);
    assert_eq!(g.path_call("rmdir", 4, "empty"), -ENOTEMPTY);
    assert_eq!(g.path_call("unlink", 4, "empty/f"), 0);
    assert_eq!(g.path_call("rmdir", 4, "empty"), 0);
    assert_eq!(g.path_call("unlink", 4, "in.txt"), 0);
    assert_eq!(g.path_call("unlink", 4, "in.txt"), -ENOENT);
    assert_eq!(g.call::<i32, i32>("close", dir), 0);
    assert_eq!(g.call::<i32, i32>("close", out), 0);

    // The real preopen still works and saw nothing of the above.
    let real_fd = g.open(3, "on-disk.txt", CREAT, WRITE);
    assert!(real_fd > 4, "{real_fd}");
    assert_eq!(g.write(real_fd, b"disk"), 4);
    assert_eq!(g.call::<i32, i32>("close", real_fd), 0);
    assert_eq!(
        std::fs::read(real.path().join("on-disk.txt")).unwrap(),
        b"disk"
    );
    assert_eq!(std::fs::read_dir(real.path()).unwrap().count(), 1);

    // What the guest wrote is in the tree, and nothing reached the placeholder on disk.
    let host = g.store.data();
    assert_eq!(
        host.tree().read("moved.txt").unwrap(),
        b"written by the guest\0\0"
    );
    assert!(host.tree().read("in.txt").is_none());
    assert!(host.tree().read("sub/out.txt").is_none());
    let placeholder = host.mount_point().host_path();
    assert_eq!(std::fs::read_dir(placeholder).unwrap().count(), 0);
    // The placeholder goes with the host.
    let placeholder = placeholder.to_path_buf();
    drop(g);
    assert!(!placeholder.exists());
}

#[test]
fn hard_links_symbolic_links_and_times_in_memory() {
    let real = tempfile::tempdir().unwrap();
    let mut g = setup(real.path());
    // Hard links: one node under two names.
    assert_eq!(g.two_paths("link", 4, 0, "in.txt", "twin.txt"), 0);
    assert_eq!(g.two_paths("link", 4, 0, "in.txt", "twin.txt"), -EEXIST);
    assert_eq!(g.two_paths("link", 4, 0, "empty", "dirlink"), -EPERM);
    let (e, a) = g.stat(4, 0, "in.txt");
    let (_, b) = g.stat(4, 0, "twin.txt");
    assert_eq!((e, a[1]), (0, 2), "nlink");
    assert_eq!(a, b);
    let fd = g.open(4, "twin.txt", 0, WRITE);
    assert_eq!(g.write(fd, b"HELLO"), 5);
    assert_eq!(g.call::<i32, i32>("close", fd), 0);
    assert_eq!(g.path_call("unlink", 4, "in.txt"), 0);
    assert_eq!(g.stat(4, 0, "twin.txt").1[1], 1, "nlink after unlink");
    assert_eq!(
        g.store.data().tree().read("twin.txt").unwrap(),
        b"HELLO memfs"
    );
    // Renaming one name over another of the same file does nothing.
    assert_eq!(g.two_paths("link", 4, 0, "twin.txt", "third"), 0);
    let (p, l) = g.put(1024, b"twin.txt");
    let (q, m) = g.put(2048, b"third");
    assert_eq!(g.call::<_, i32>("rename", (4, p, l, 4, q, m)), 0);
    assert_eq!(g.stat(4, 0, "twin.txt").1[1], 2);

    // Symbolic links: followed on the way and with SYMLINK_FOLLOW, never out of the mount.
    assert_eq!(g.two_paths("symlink", 4, 0, "twin.txt", "ln"), 0);
    assert_eq!(g.two_paths("symlink", 4, 0, "x", "ln"), -EEXIST);
    assert_eq!(g.two_paths("symlink", 4, 0, "/etc", "abs"), -EPERM);
    assert_eq!(g.readlink(4, "ln", 100), Ok(b"twin.txt".to_vec()));
    assert_eq!(g.readlink(4, "ln", 3), Ok(b"twi".to_vec()), "truncated");
    assert_eq!(g.readlink(4, "twin.txt", 100), Err(-EINVAL));
    let (e, st) = g.stat(4, 0, "ln");
    assert_eq!((e, st[0], st[2]), (0, 7, 8), "the link itself");
    let (e, st) = g.stat(4, FOLLOW, "ln");
    assert_eq!((e, st[0], st[2]), (0, 4, 11), "its target");
    // (`open` passes SYMLINK_FOLLOW.)
    let fd = g.open(4, "ln", 0, READ);
    assert_eq!(g.read(fd, 100), b"HELLO memfs");
    assert_eq!(g.path_call("mkdir", 4, "d"), 0);
    assert_eq!(g.two_paths("symlink", 4, 0, "d", "dl"), 0);
    let f = g.open(4, "dl/inside", CREAT, WRITE);
    assert!(f > 4, "{f}");
    assert!(g.store.data().tree().read("d/inside").is_some());
    assert_eq!(g.two_paths("symlink", 4, 0, "../..", "up"), 0);
    assert_eq!(g.stat(4, FOLLOW, "up").0, -ENOTCAPABLE);
    assert_eq!(g.stat(4, 0, "up/x").0, -ENOTCAPABLE);
    assert_eq!(g.two_paths("symlink", 4, 0, "loop", "loop"), 0);
    assert_eq!(g.stat(4, FOLLOW, "loop").0, -ELOOP);
    assert_eq!(g.stat(4, 0, "loop").0, 0);
    assert_eq!(g.path_call("unlink", 4, "ln"), 0);
    assert_eq!(g.stat(4, 0, "twin.txt").1[1], 2, "the target stays");

    // Times: set on creation from the real clock, on writes, and by the guest.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let st = g.stat(4, 0, "d/inside").1;
    assert!(st[3] <= now && now - st[3] < 60_000_000_000, "{st:?} {now}");
    let (p, l) = g.put(1024, b"d/inside");
    const ATIM: i32 = 1;
    const ATIM_NOW: i32 = 2;
    const MTIM: i32 = 4;
    assert_eq!(
        g.call::<_, i32>("settimes", (4, 0, p, l, 11i64, 22i64, ATIM | MTIM)),
        0
    );
    let st = g.stat(4, 0, "d/inside").1;
    assert_eq!((st[3], st[4]), (11, 22));
    assert!(st[5] >= now, "ctim moves");
    assert_eq!(
        g.call::<_, i32>("settimes", (4, 0, p, l, 0i64, 0i64, ATIM | ATIM_NOW)),
        -EINVAL
    );
    assert_eq!(g.call::<_, i32>("fsettimes", (f, 0i64, 0i64, ATIM_NOW)), 0);
    let st = g.stat(4, 0, "d/inside").1;
    assert!(st[3] >= now && st[4] == 22, "{st:?}");
    assert_eq!(g.write(f, b"x"), 1);
    let st = g.stat(4, 0, "d/inside").1;
    assert!(st[4] >= now, "a write moves mtim: {st:?}");
}

#[test]
fn a_host_directory_loads_into_memory() {
    use std::os::unix::fs::symlink;
    let host = tempfile::tempdir().unwrap();
    let h = host.path();
    std::fs::create_dir_all(h.join("a/b")).unwrap();
    std::fs::write(h.join("a/b/f"), "deep").unwrap();
    std::fs::write(h.join("top"), "top").unwrap();
    std::fs::hard_link(h.join("top"), h.join("top2")).unwrap();
    symlink("a/b/f", h.join("ln")).unwrap();
    let old = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000_000);
    std::fs::File::options()
        .write(true)
        .open(h.join("top"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let tree = MemTree::load(h).unwrap();
    assert_eq!(tree.read("a/b/f").unwrap(), b"deep");
    assert_eq!(tree.read_link("ln"), Some("a/b/f"));
    assert_eq!(tree.list("").unwrap(), ["a", "ln", "top", "top2"]);
    let real = tempfile::tempdir().unwrap();
    let mut g = setup_with(real.path(), tree);
    let (e, st) = g.stat(4, 0, "top");
    assert_eq!(
        (e, st[1], st[4]),
        (0, 2, 1_000_000_000_000_000_000),
        "linked, with its time"
    );
    let fd = g.open(4, "ln", 0, READ);
    assert_eq!(g.read(fd, 100), b"deep");
    let (e, st) = g.stat(4, FOLLOW, "ln");
    assert_eq!((e, st[2]), (0, 4));
    // Something that is not a file, directory or link: an error, not a partial tree.
    let fifo = h.join("fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    assert!(MemTree::load(h).is_err());
    assert!(MemTree::load(&h.join("top")).is_err(), "not a directory");
}

#[test]
fn a_listing_that_deletes_as_it_goes_sees_every_entry_once() {
    // As `rm -r` reads a directory: a buffer of a few entries at a time, each entry read is
    // deleted before the next read, which resumes from the last cookie. Cookies that counted
    // places in the listing would skip entries as earlier ones went.
    let real = tempfile::tempdir().unwrap();
    let mut tree = MemTree::new();
    tree.dir("d");
    for i in 0..40 {
        tree.file(&format!("d/f{i:02}"), "x");
    }
    let mut g = setup_with(real.path(), tree);
    let dir = g.open(4, "d", DIRECTORY, READ);
    assert!(dir > 4, "{dir}");
    let mut seen = Vec::new();
    let mut cookie = 0;
    loop {
        let batch = g.read_dir_at(dir, cookie, 100);
        if batch.is_empty() {
            break;
        }
        for (name, next) in batch {
            cookie = next;
            if name != "." && name != ".." {
                assert_eq!(g.path_call("unlink", dir, &name), 0, "{name}");
                seen.push(name);
            }
        }
    }
    let mut want: Vec<String> = (0..40).map(|i| format!("f{i:02}")).collect();
    seen.sort();
    want.sort();
    assert_eq!(seen, want);
    assert_eq!(g.list(dir), [".", ".."]);
    // A cookie past every entry lists nothing; one made before later additions finds them.
    assert!(g.read_dir_at(dir, cookie, 100).is_empty());
    let f = g.open(dir, "late", CREAT, WRITE);
    assert!(f > 4, "{f}");
    let after: Vec<String> = g
        .read_dir_at(dir, cookie, 1000)
        .into_iter()
        .map(|(name, _)| name)
        .collect();
    assert_eq!(after, ["late"]);
}

#[test]
fn creating_through_a_dangling_link_makes_its_target() {
    // O_CREAT through a dangling symbolic link makes the file the link names, as open(2)
    // does; with O_EXCL the name is taken. Checked on the real preopen (fd 3) and the mount
    // (fd 4) alike.
    let real = tempfile::tempdir().unwrap();
    let mut tree = MemTree::new();
    tree.dir("sub");
    let mut g = setup_with(real.path(), tree);
    std::fs::create_dir(real.path().join("sub")).unwrap();
    for root in [3, 4] {
        assert_eq!(g.two_paths("symlink", root, 0, "made.txt", "dangle"), 0);
        assert_eq!(g.open(root, "dangle", CREAT | EXCL, WRITE), -EEXIST);
        let fd = g.open(root, "dangle", CREAT, READ | WRITE);
        assert!(fd > 4, "root {root}: {fd}");
        assert_eq!(g.write(fd, b"through the link"), 16);
        assert_eq!(g.call::<i32, i32>("close", fd), 0);
        assert_eq!(g.path_call("size", root, "made.txt"), 16, "root {root}");
        // A chain of dangling links, ending in a directory that exists.
        assert_eq!(g.two_paths("symlink", root, 0, "l2", "l1"), 0);
        assert_eq!(g.two_paths("symlink", root, 0, "sub/deep.txt", "l2"), 0);
        let fd = g.open(root, "sub/../l1", CREAT, WRITE);
        assert!(fd > 4, "root {root}: {fd}");
        assert_eq!(g.call::<i32, i32>("close", fd), 0);
        assert_eq!(g.path_call("size", root, "sub/deep.txt"), 0, "root {root}");
        // A target outside the directory stays outside reach.
        assert_eq!(g.two_paths("symlink", root, 0, "../outside.txt", "out"), 0);
        assert_eq!(
            g.open(root, "out", CREAT, WRITE),
            -ENOTCAPABLE,
            "root {root}"
        );
    }
    assert!(!real.path().join("../outside.txt").exists());
}

#[test]
fn renumbering_moves_descriptors_into_and_out_of_memory() {
    let real = tempfile::tempdir().unwrap();
    std::fs::write(real.path().join("r.txt"), "real bytes").unwrap();
    let mut g = setup(real.path());
    let renumber =
        |g: &mut Guest, fd: i32, to: i32| g.call::<(i32, i32), i32>("renumber", (fd, to));
    // A file in memory onto a real file's number: it goes on from its position there, the
    // real descriptor is closed and the old number is free.
    let mem = g.open(4, "in.txt", 0, READ);
    let real_fd = g.open(3, "r.txt", 0, READ);
    assert!(mem > 4 && real_fd > 4, "{mem} {real_fd}");
    assert_eq!(g.read(mem, 2), b"he");
    assert_eq!(renumber(&mut g, mem, real_fd), 0);
    assert_eq!(g.read(real_fd, 3), b"llo");
    assert_eq!(g.call::<i32, i32>("close", mem), -EBADF);
    // A real file onto a number in memory: the memory descriptor is gone, the real one reads.
    let other = g.open(4, "in.txt", 0, READ);
    let again = g.open(3, "r.txt", 0, READ);
    assert_eq!(renumber(&mut g, again, other), 0);
    assert_eq!(g.read(other, 4), b"real");
    assert_eq!(g.call::<i32, i32>("close", again), -EBADF);
    // Memory onto memory, and a number onto itself: nothing else changes.
    let third = g.open(4, "in.txt", 0, READ);
    assert_eq!(renumber(&mut g, real_fd, third), 0);
    assert_eq!(renumber(&mut g, third, third), 0);
    assert_eq!(g.read(third, 3), b" me");
    // A closed or never-opened end is EBADF and moves nothing.
    assert_eq!(renumber(&mut g, 99, third), -EBADF);
    assert_eq!(renumber(&mut g, third, 99), -EBADF);
    assert_eq!(g.read(third, 2), b"mf");
    // The mount itself moved: new files open from its new number, none from the old.
    let moved_root = g.open(3, "r.txt", 0, READ);
    assert_eq!(renumber(&mut g, 4, moved_root), 0);
    let fd = g.open(moved_root, "in.txt", 0, READ);
    assert_eq!(fd, 4, "the lowest free number");
    assert_eq!(g.read(fd, 5), b"hello");
    assert_eq!(g.call::<i32, i32>("close", fd), 0);
    assert_eq!(g.open(4, "in.txt", 0, READ), -EBADF);
    // A file written through a moved descriptor is the tree's.
    let w = g.open(moved_root, "new.txt", CREAT, WRITE);
    let spare = g.open(3, "r.txt", 0, READ);
    assert_eq!(renumber(&mut g, w, spare), 0);
    assert_eq!(g.write(spare, b"moved"), 5);
    assert_eq!(g.store.data().tree().read("new.txt"), Some(&b"moved"[..]));
    assert_eq!(g.call::<i32, i32>("close", w), -EBADF);
    for fd in [other, third, spare, moved_root] {
        assert_eq!(g.call::<i32, i32>("close", fd), 0, "close {fd}");
    }
}
