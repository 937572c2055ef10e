//! Raw `wasix_32v1` imports (the core signatures of the ABI) and the little a test guest
//! needs around them: a check counter and the `addr_port` byte layout.

/// The raw imports, declared `safe`: the host checks every pointer against guest memory and
/// answers `EFAULT` (never touching memory) for one outside it, and these test programs pass
/// only pointers to memory they own and may have written, or pointers deliberately outside
/// memory. Nothing the host does through them can break the guest's Rust invariants.
pub mod sys {
    // SAFETY: the signatures are the `wasix_32v1` / preview1 core signatures (docs/wasix.md,
    // ext-abi B); see the module docs for why calling them is sound in these programs.
    #[link(wasm_import_module = "wasix_32v1")]
    unsafe extern "C" {
        pub safe fn fd_dup(fd: u32, ro_fd: *mut u32) -> i32;
        pub safe fn fd_dup2(fd: u32, min_result_fd: u32, cloexec: u32, ro_fd: *mut u32) -> i32;
        pub safe fn fd_event(initial: u64, flags: u32, ro_fd: *mut u32) -> i32;
        pub safe fn fd_pipe(ro_read: *mut u32, ro_write: *mut u32) -> i32;
        pub safe fn tty_get(tty: *mut u8) -> i32;
        pub safe fn tty_set(tty: *const u8) -> i32;
        pub safe fn getcwd(buf: *mut u8, len: *mut u32) -> i32;
        pub safe fn chdir(path: *const u8, len: usize) -> i32;
        pub safe fn thread_id(ro_tid: *mut u32) -> i32;
        pub safe fn thread_sleep(ns: u64) -> i32;
        pub safe fn thread_exit(code: u32) -> !;
        pub safe fn callback_signal(name: *const u8, name_len: usize);
        pub safe fn proc_id(ro_pid: *mut u32) -> i32;
        pub safe fn proc_parent(pid: u32, ro_pid: *mut u32) -> i32;
        pub safe fn proc_fork(copy_memory: u32, ro_pid: *mut u32) -> i32;
        pub safe fn futex_wait(
            futex: *mut u32,
            expected: u32,
            timeout: *const u8,
            ro: *mut u8,
        ) -> i32;
        pub safe fn futex_wake(futex: *mut u32, ro: *mut u8) -> i32;
        pub safe fn sock_open(af: u32, ty: u32, proto: u32, ro_fd: *mut u32) -> i32;
        pub safe fn sock_pair(af: u32, ty: u32, proto: u32, ro_a: *mut u32, ro_b: *mut u32) -> i32;
        pub safe fn sock_bind(fd: u32, addr: *const u8) -> i32;
        pub safe fn sock_listen(fd: u32, backlog: u32) -> i32;
        pub safe fn sock_connect(fd: u32, addr: *const u8) -> i32;
        pub safe fn sock_accept_v2(fd: u32, flags: u32, ro_fd: *mut u32, ro_addr: *mut u8) -> i32;
        pub safe fn sock_addr_local(fd: u32, ro_addr: *mut u8) -> i32;
        pub safe fn sock_addr_peer(fd: u32, ro_addr: *mut u8) -> i32;
        pub safe fn sock_status(fd: u32, ro: *mut u8) -> i32;
        pub safe fn sock_set_opt_flag(fd: u32, opt: u32, flag: u32) -> i32;
        pub safe fn sock_get_opt_flag(fd: u32, opt: u32, ro: *mut u8) -> i32;
        pub safe fn sock_set_opt_time(fd: u32, opt: u32, time: *const u8) -> i32;
        pub safe fn sock_get_opt_time(fd: u32, opt: u32, ro: *mut u8) -> i32;
        pub safe fn sock_send_to(
            fd: u32,
            iovs: *const [u32; 2],
            iovs_len: usize,
            flags: u32,
            addr: *const u8,
            ro_len: *mut u32,
        ) -> i32;
        pub safe fn sock_recv_from(
            fd: u32,
            iovs: *const [u32; 2],
            iovs_len: usize,
            flags: u32,
            ro_len: *mut u32,
            ro_flags: *mut u16,
            ro_addr: *mut u8,
        ) -> i32;
        pub safe fn resolve(
            name: *const u8,
            name_len: usize,
            port: u32,
            addrs: *mut u8,
            naddrs: usize,
            ro_n: *mut u32,
        ) -> i32;
    }

    // SAFETY: preview1's core signatures; as above.
    #[link(wasm_import_module = "wasi_snapshot_preview1")]
    unsafe extern "C" {
        pub safe fn poll_oneoff(subs: *const u8, events: *mut u8, n: usize, ro_n: *mut u32) -> i32;
        pub safe fn fd_fdstat_set_flags(fd: u32, flags: u32) -> i32;
        pub safe fn fd_close(fd: u32) -> i32;
    }
}

/// Errno values (preview1's numbering, which WASIX keeps).
pub mod errno {
    pub const ACCES: i32 = 2;
    pub const AGAIN: i32 = 6;
    pub const BADF: i32 = 8;
    pub const DEADLK: i32 = 16;
    pub const FAULT: i32 = 21;
    pub const INVAL: i32 = 28;
    pub const NOENT: i32 = 44;
    pub const NOSYS: i32 = 52;
    pub const NOTDIR: i32 = 54;
    pub const NOTSOCK: i32 = 57;
    pub const NOTSUP: i32 = 58;
    pub const AFNOSUPPORT: i32 = 5;
    pub const PIPE: i32 = 64;
    pub const RANGE: i32 = 68;
    pub const SRCH: i32 = 71;
}

/// Counts checks; a failed one ends the program with status 1 and says which.
pub struct Checks {
    pub name: &'static str,
    pub n: u32,
}

impl Checks {
    pub fn new(name: &'static str) -> Self {
        Checks { name, n: 0 }
    }

    #[track_caller]
    pub fn eq<T: PartialEq + std::fmt::Debug>(&mut self, got: T, want: T, what: &str) {
        self.n += 1;
        if got != want {
            eprintln!(
                "{}: check {} failed: {what}: got {got:?}, want {want:?} (at {})",
                self.name,
                self.n,
                std::panic::Location::caller()
            );
            std::process::exit(1);
        }
    }

    pub fn done(self) {
        println!("{} ok: {} checks", self.name, self.n);
    }
}

/// An `addr_port` (110 bytes): family 1 (inet4) at 0, the port little-endian at 2, the
/// address at 4.
pub fn addr4(ip: [u8; 4], port: u16) -> [u8; 110] {
    let mut a = [0u8; 110];
    a[0] = 1;
    a[2..4].copy_from_slice(&port.to_le_bytes());
    a[4..8].copy_from_slice(&ip);
    a
}

/// The family, IPv4 address and port of an `addr_port`.
pub fn parse4(a: &[u8; 110]) -> (u8, [u8; 4], u16) {
    (
        a[0],
        [a[4], a[5], a[6], a[7]],
        u16::from_le_bytes([a[2], a[3]]),
    )
}
