//! Shared by the WasmEdge extension tests (`wasmedge.rs`, `wasmedge_getaddrinfo.rs`): a guest
//! that re-exports raw imports with the exact core signatures under test, so a test can pass
//! any argument and inspect guest memory.
#![allow(dead_code)]

use std::time::Duration;

use wasi_host::preview1::Errno;
use wasi_host::{Stdio, WasiCtx, WasiCtxBuilder};
use wasmtime::{Engine, Instance, Linker, Memory, Module, Store, Val};

pub const TIMEOUT: Duration = Duration::from_secs(10);

/// A guest exporting each import `name` (with `params` i32 parameters) under the same name.
pub struct Guest {
    store: Store<WasiCtx>,
    instance: Instance,
    memory: Memory,
}

pub fn module(engine: &Engine, imports: &[(&str, usize)]) -> Module {
    let mut wat = String::from("(module\n");
    for (i, (name, n)) in imports.iter().enumerate() {
        let params = "i32 ".repeat(*n);
        wat += &format!(
            "(import \"wasi_snapshot_preview1\" \"{name}\" (func $f{i} (param {params}) (result i32)))\n"
        );
    }
    wat += "(memory (export \"memory\") 1)\n";
    for (i, (name, n)) in imports.iter().enumerate() {
        let params = "i32 ".repeat(*n);
        let gets: String = (0..*n).map(|k| format!("(local.get {k}) ")).collect();
        wat += &format!(
            "(func (export \"{name}\") (param {params}) (result i32) (call $f{i} {gets}))\n"
        );
    }
    wat += ")";
    Module::new(engine, wat).unwrap()
}

impl Guest {
    pub fn new(ctx: &mut WasiCtxBuilder, imports: &[(&str, usize)]) -> Guest {
        ctx.stdin(Stdio::Null)
            .stdout(Stdio::Null)
            .stderr(Stdio::Null);
        let engine = Engine::default();
        let module = module(&engine, imports);
        let mut store = Store::new(&engine, ctx.build().unwrap());
        let linker = Linker::new(&engine);
        let instance =
            wasi_host::instantiate(&mut store, &linker, &module, |c: &mut WasiCtx| c).unwrap();
        let memory = instance.get_memory(&mut store, "memory").unwrap();
        Guest {
            store,
            instance,
            memory,
        }
    }

    pub fn call(&mut self, name: &str, args: &[i32]) -> i32 {
        let f = self.instance.get_func(&mut self.store, name).unwrap();
        let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
        let mut out = [Val::I32(0)];
        f.call(&mut self.store, &args, &mut out).unwrap();
        out[0].unwrap_i32()
    }

    pub fn write(&mut self, at: u32, bytes: &[u8]) {
        self.memory
            .write(&mut self.store, at as usize, bytes)
            .unwrap();
    }

    pub fn read(&mut self, at: u32, len: usize) -> Vec<u8> {
        let mut v = vec![0; len];
        self.memory.read(&self.store, at as usize, &mut v).unwrap();
        v
    }

    pub fn u32(&mut self, at: u32) -> u32 {
        u32::from_le_bytes(self.read(at, 4).try_into().unwrap())
    }

    pub fn set_u32(&mut self, at: u32, v: u32) {
        self.write(at, &v.to_le_bytes());
    }

    /// An `address` record at `rec` pointing at `len` bytes at `buf`.
    pub fn address(&mut self, rec: u32, buf: u32, bytes: &[u8], len: u32) {
        self.set_u32(rec, buf);
        self.set_u32(rec + 4, len);
        self.write(buf, bytes);
    }

    /// `sock_open` → the new fd, asserting success.
    pub fn open(&mut self, af: i32, ty: i32) -> i32 {
        assert_eq!(self.call("sock_open", &[af, ty, 0x10]), 0);
        self.u32(0x10) as i32
    }

    /// An iovec at 0x20 over `len` bytes at 0x800.
    pub fn iovec(&mut self, len: u32) {
        self.set_u32(0x20, 0x800);
        self.set_u32(0x24, len);
    }
}

pub const OK: i32 = 0;
pub fn e(errno: Errno) -> i32 {
    errno as i32
}

pub fn net() -> WasiCtxBuilder {
    let mut b = WasiCtxBuilder::new();
    b.inherit_network(true).allow_ip_name_lookup(true);
    b
}

pub const V1: &[(&str, usize)] = &[
    ("sock_open", 3),
    ("sock_bind", 3),
    ("sock_connect", 3),
    ("sock_listen", 2),
    ("sock_accept", 2),
    ("sock_recv", 6),
    ("sock_send", 5),
    ("sock_recv_from", 7),
    ("sock_send_to", 7),
    ("sock_shutdown", 2),
    ("sock_getsockopt", 5),
    ("sock_setsockopt", 5),
    ("sock_getlocaladdr", 4),
    ("sock_getpeeraddr", 4),
    ("sock_getaddrinfo", 8),
    ("fd_close", 1),
    ("fd_write", 4),
    ("fd_read", 4),
    ("fd_fdstat_get", 2),
    ("fd_fdstat_set_flags", 2),
    ("poll_oneoff", 4),
];

pub const V2: &[(&str, usize)] = &[
    ("sock_open", 3),
    ("sock_bind_v2", 3),
    ("sock_connect_v2", 3),
    ("sock_listen_v2", 2),
    ("sock_accept", 3),
    ("sock_accept_v2", 3),
    ("sock_recv_v2", 6),
    ("sock_send_v2", 5),
    ("sock_recv_from", 8),
    ("sock_recv_from_v2", 8),
    ("sock_send_to_v2", 7),
    ("sock_getlocaladdr", 3),
    ("sock_getlocaladdr_v2", 3),
    ("sock_getpeeraddr_v2", 3),
    ("sock_open_v2", 3),
];

/// Opens a TCP listener on 127.0.0.1 with port 0 and returns (fd, port), through v1 calls.
pub fn v1_listener(g: &mut Guest) -> (i32, u16) {
    let fd = g.open(1, 2);
    g.address(0x100, 0x200, &[127, 0, 0, 1], 4);
    assert_eq!(g.call("sock_bind", &[fd, 0x100, 0]), OK);
    assert_eq!(g.call("sock_listen", &[fd, 4]), OK);
    g.address(0x100, 0x200, &[0; 16], 16);
    assert_eq!(g.call("sock_getlocaladdr", &[fd, 0x100, 0x30, 0x34]), OK);
    assert_eq!(g.u32(0x30), 4, "v1 reports the address type as 4");
    assert_eq!(g.read(0x200, 4), [127, 0, 0, 1]);
    (fd, g.u32(0x34) as u16)
}

/// Writes a chain of `n` addrinfo nodes at 0x1000.. (each with a sockaddr and 26 data bytes),
/// `*res` at 0x40 pointing at the first; returns the nodes' addresses.
pub fn chain(g: &mut Guest, n: u32) -> Vec<u32> {
    let nodes: Vec<u32> = (0..n).map(|i| 0x1000 + i * 0x80).collect();
    for (i, &node) in nodes.iter().enumerate() {
        let mut rec = [0u8; 28];
        rec[12..16].copy_from_slice(&(node + 0x20).to_le_bytes());
        rec[16..20].copy_from_slice(&(node + 0x50).to_le_bytes());
        rec[20..24].copy_from_slice(&30u32.to_le_bytes());
        let next = nodes.get(i + 1).copied().unwrap_or(0);
        rec[24..28].copy_from_slice(&next.to_le_bytes());
        g.write(node, &rec);
        let mut sa = [0u8; 12];
        sa[4..8].copy_from_slice(&14u32.to_le_bytes());
        sa[8..12].copy_from_slice(&(node + 0x30).to_le_bytes());
        g.write(node + 0x20, &sa);
    }
    g.set_u32(0x40, nodes[0]);
    nodes
}

/// Hints at 0x300 (family, socktype, flags); node at 0x400, service at 0x500.
pub fn gai(g: &mut Guest, node: &[u8], service: &[u8], hints: (u8, u8, u16), max: i32) -> i32 {
    let mut h = [0u8; 28];
    h[0..2].copy_from_slice(&hints.2.to_le_bytes());
    h[2] = hints.0;
    h[3] = hints.1;
    g.write(0x300, &h);
    g.write(0x400, node);
    g.write(0x500, service);
    g.call(
        "sock_getaddrinfo",
        &[
            0x400,
            node.len() as i32,
            0x500,
            service.len() as i32,
            0x300,
            0x40,
            max,
            0x44,
        ],
    )
}
