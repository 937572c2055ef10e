//! WASIX descriptors, working directory, terminal and identity, checked from a guest.
//! Argument 1 picks a part: `pipe`, `dup`, `event`, `cwd`, `tty`, `ident`, `hostile`,
//! `exit` (`thread_exit(7)`), `pair` (`sock_pair`).
//! `cwd` and `dup` expect a preopen `/sandbox` holding `hello.txt` ("hello from the host").

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsRawFd, FromRawFd};

use wasi_host_wasix_guests::errno::*;
use wasi_host_wasix_guests::{Checks, sys};

fn main() {
    let part = std::env::args().nth(1).unwrap_or_default();
    let mut c = Checks::new(match part.as_str() {
        "pipe" => "pipe",
        "dup" => "dup",
        "event" => "event",
        "cwd" => "cwd",
        "tty" => "tty",
        "ident" => "ident",
        "hostile" => "hostile",
        "exit" => "exit",
        "pair" => "pair",
        other => panic!("unknown part {other:?}"),
    });
    match part.as_str() {
        "pipe" => pipe(&mut c),
        "dup" => dup(&mut c),
        "event" => event(&mut c),
        "cwd" => cwd(&mut c),
        "tty" => tty(&mut c),
        "ident" => ident(&mut c),
        "pair" => pair(&mut c),
        // The only thread ending ends the program with its status.
        "exit" => sys::thread_exit(7),
        _ => hostile(&mut c),
    }
    c.done();
}

fn new_pipe(c: &mut Checks) -> (File, File) {
    let (mut r, mut w) = (u32::MAX, u32::MAX);
    c.eq(sys::fd_pipe(&mut r, &mut w), 0, "fd_pipe");
    // SAFETY: fresh descriptors this program owns.
    unsafe { (File::from_raw_fd(r as i32), File::from_raw_fd(w as i32)) }
}

/// One preview1 `poll_oneoff` for readability of `fd` with a zero timeout beside it: the
/// events, as (userdata, type, nbytes).
fn poll_read(fd: u32) -> Vec<(u64, u8, u64)> {
    let mut subs = [0u8; 96];
    subs[0..8].copy_from_slice(&1u64.to_le_bytes());
    subs[8] = 1; // fd_read
    subs[16..20].copy_from_slice(&fd.to_le_bytes());
    subs[48..56].copy_from_slice(&2u64.to_le_bytes());
    subs[56] = 0; // clock
    subs[64..68].copy_from_slice(&1u32.to_le_bytes()); // monotonic; timeout 0 at 72
    let mut events = [0u8; 64];
    let mut n = 0;
    let rc = sys::poll_oneoff(subs.as_ptr(), events.as_mut_ptr(), 2, &mut n);
    assert_eq!(rc, 0);
    (0..n as usize)
        .map(|i| {
            let e = &events[i * 32..];
            (
                u64::from_le_bytes(e[0..8].try_into().unwrap()),
                e[10],
                u64::from_le_bytes(e[16..24].try_into().unwrap()),
            )
        })
        .collect()
}

fn pipe(c: &mut Checks) {
    let (mut r, mut w) = new_pipe(c);
    c.eq(
        poll_read(r.as_raw_fd() as u32),
        vec![(2, 0, 0)],
        "empty pipe: only the clock",
    );
    w.write_all(b"through the pipe").unwrap();
    let events = poll_read(r.as_raw_fd() as u32);
    c.eq(
        events.iter().any(|e| *e == (1, 1, 16)),
        true,
        "written pipe polls readable",
    );
    let mut buf = [0u8; 64];
    let n = r.read(&mut buf).unwrap();
    c.eq(&buf[..n], &b"through the pipe"[..], "read back");
    drop(w);
    c.eq(
        r.read(&mut buf).unwrap(),
        0,
        "EOF once the writer is closed",
    );
    let (r, mut w) = new_pipe(c);
    drop(r);
    let e = w.write(b"x").unwrap_err();
    c.eq(e.raw_os_error(), Some(PIPE), "EPIPE without a reader");
}

fn pair(c: &mut Checks) {
    let (mut a, mut b) = (0, 0);
    c.eq(
        sys::sock_pair(3, 1, 0, &mut a, &mut b),
        0,
        "sock_pair unix stream",
    );
    // SAFETY: fresh descriptors this program owns.
    let (mut fa, mut fb) = unsafe { (File::from_raw_fd(a as i32), File::from_raw_fd(b as i32)) };
    fa.write_all(b"one way").unwrap();
    let mut buf = [0u8; 7];
    fb.read_exact(&mut buf).unwrap();
    c.eq(&buf, b"one way", "a to b");
    fb.write_all(b"and back").unwrap();
    let mut buf = [0u8; 8];
    fa.read_exact(&mut buf).unwrap();
    c.eq(&buf, b"and back", "b to a");
    let mut status = 9u8;
    c.eq(sys::sock_status(a, &mut status), 0, "sock_status");
    c.eq(status, 1, "opened");
    drop(fa);
    c.eq(
        fb.read(&mut buf).unwrap(),
        0,
        "EOF once the other end is closed",
    );
    c.eq(
        fb.write(b"x").unwrap_err().raw_os_error(),
        Some(PIPE),
        "EPIPE, no SIGPIPE",
    );
    c.eq(
        sys::sock_pair(1, 1, 0, &mut a, &mut b),
        AFNOSUPPORT,
        "inet pair",
    );
    c.eq(sys::sock_pair(3, 1, 6, &mut a, &mut b), 66, "a protocol");
}

fn dup(c: &mut Checks) {
    let path = "/sandbox/dup.txt";
    let f = File::create(path).unwrap();
    let fd = f.as_raw_fd() as u32;
    let mut d = 0;
    c.eq(sys::fd_dup(fd, &mut d), 0, "fd_dup");
    c.eq(d != fd, true, "a new number");
    drop(f);
    // SAFETY: the duplicate is this program's.
    let mut dup = unsafe { File::from_raw_fd(d as i32) };
    dup.write_all(b"written through the duplicate").unwrap();
    drop(dup);
    c.eq(
        std::fs::read_to_string(path).unwrap(),
        "written through the duplicate".to_string(),
        "the file holds what the duplicate wrote",
    );
    let f = File::open(path).unwrap();
    let fd = f.as_raw_fd() as u32;
    let (mut a, mut b) = (0, 0);
    c.eq(sys::fd_dup2(fd, 100, 1, &mut a), 0, "fd_dup2 min 100");
    c.eq(a, 100, "lowest free >= 100");
    c.eq(sys::fd_dup2(fd, 100, 0, &mut b), 0, "fd_dup2 min 100 again");
    c.eq(b, 101, "100 taken: 101");
    c.eq(sys::fd_close(100), 0, "close 100");
    c.eq(sys::fd_dup2(fd, 50, 0, &mut b), 0, "fd_dup2 min 50");
    c.eq(b, 50, "50 was free");
    let mut low = 0;
    c.eq(sys::fd_dup(fd, &mut low), 0, "fd_dup after the table grew");
    c.eq(
        low < 50 && low > fd,
        true,
        "the lowest free number again, not past 101",
    );
    c.eq(sys::fd_close(low), 0, "close it");
    c.eq(
        sys::fd_dup2(fd, 1 << 30, 0, &mut b),
        INVAL,
        "min above the limit",
    );
    c.eq(sys::fd_dup(9999, &mut b), BADF, "dup of a closed fd");
    let mut via = String::new();
    // SAFETY: descriptor 101 is the duplicate made above, used only here.
    unsafe { File::from_raw_fd(101) }
        .read_to_string(&mut via)
        .unwrap();
    c.eq(
        via.as_str(),
        "written through the duplicate",
        "read through fd 101",
    );
}

fn read_u64(f: &mut File) -> std::io::Result<u64> {
    let mut b = [0u8; 8];
    f.read_exact(&mut b)?;
    Ok(u64::from_le_bytes(b))
}

fn event(c: &mut Checks) {
    let mut fd = 0;
    c.eq(sys::fd_event(3, 0, &mut fd), 0, "fd_event counter");
    // SAFETY: fresh descriptor.
    let mut e = unsafe { File::from_raw_fd(fd as i32) };
    c.eq(read_u64(&mut e).unwrap(), 3, "the initial count");
    e.write_all(&2u64.to_le_bytes()).unwrap();
    e.write_all(&5u64.to_le_bytes()).unwrap();
    c.eq(
        poll_read(fd).iter().any(|ev| ev.0 == 1),
        true,
        "a count polls readable",
    );
    c.eq(
        read_u64(&mut e).unwrap(),
        7,
        "writes add up; a read takes all",
    );
    c.eq(poll_read(fd), vec![(2, 0, 0)], "zero: not readable");
    c.eq(sys::fd_event(2, 1, &mut fd), 0, "fd_event semaphore");
    // SAFETY: fresh descriptor.
    let mut s = unsafe { File::from_raw_fd(fd as i32) };
    c.eq(read_u64(&mut s).unwrap(), 1, "semaphore read 1");
    c.eq(read_u64(&mut s).unwrap(), 1, "semaphore read 2");
    c.eq(sys::fd_fdstat_set_flags(fd, 4), 0, "nonblocking");
    c.eq(
        read_u64(&mut s).unwrap_err().kind(),
        ErrorKind::WouldBlock,
        "semaphore spent",
    );
    c.eq(
        sys::fd_event(1 << 40, 0, &mut fd),
        INVAL,
        "initial beyond 32 bits",
    );
    c.eq(sys::fd_event(0, 2, &mut fd), INVAL, "unknown flag");
}

fn getcwd() -> (i32, u32, String) {
    let mut buf = [0u8; 256];
    let mut len = buf.len() as u32;
    let rc = sys::getcwd(buf.as_mut_ptr(), &mut len);
    let s = String::from_utf8_lossy(&buf[..(len as usize).min(256)]).into_owned();
    (rc, len, s)
}

fn chdir(p: &str) -> i32 {
    sys::chdir(p.as_ptr(), p.len())
}

fn cwd(c: &mut Checks) {
    c.eq(getcwd(), (0, 1, "/".to_string()), "initially /");
    std::fs::create_dir_all("/sandbox/sub/deeper").unwrap();
    std::fs::write("/sandbox/sub/inner.txt", "inside sub").unwrap();
    c.eq(chdir("/sandbox"), 0, "chdir to the preopen");
    c.eq(chdir("sub"), 0, "chdir relative");
    let (rc, len, path) = getcwd();
    c.eq(
        (rc, len, path.as_str()),
        (0, 12, "/sandbox/sub"),
        "getcwd after chdir",
    );
    // A WASIX libc resolves a relative name against getcwd, then opens it in the preopen.
    let relative = "inner.txt";
    c.eq(
        std::fs::read_to_string(format!("{path}/{relative}")).unwrap(),
        "inside sub".to_string(),
        "open a relative path",
    );
    c.eq(chdir("./deeper/../.."), 0, "dot and dotdot fold");
    c.eq(getcwd().2, "/sandbox".to_string(), "back in the preopen");
    c.eq(
        std::fs::read_to_string(format!("{}/hello.txt", getcwd().2)).unwrap(),
        "hello from the host".to_string(),
        "the host's file, through cwd",
    );
    c.eq(chdir("/etc"), NOENT, "outside the preopens");
    c.eq(
        chdir("/sandbox/../.."),
        NOENT,
        "above the preopen folds to /, which is none",
    );
    c.eq(chdir("hello.txt"), NOTDIR, "a file");
    c.eq(chdir("missing"), NOENT, "missing");
    c.eq(chdir(""), NOENT, "empty");
    c.eq(
        getcwd().2,
        "/sandbox".to_string(),
        "failed chdirs change nothing",
    );
    let mut small = [0u8; 4];
    let mut len = 4u32;
    c.eq(
        sys::getcwd(small.as_mut_ptr(), &mut len),
        RANGE,
        "short buffer",
    );
    c.eq(len, 8, "the needed length is reported");
    let mut len = 64u32;
    c.eq(
        sys::getcwd(std::ptr::null_mut(), &mut len),
        INVAL,
        "null buffer",
    );
}

fn tty(c: &mut Checks) {
    let mut t = [0xffu8; 24];
    c.eq(sys::tty_get(t.as_mut_ptr()), 0, "tty_get");
    let word = |i: usize| u32::from_le_bytes(t[i..i + 4].try_into().unwrap());
    println!(
        "tty cols={} rows={} stdin={} stdout={} stderr={} echo={} line_buffered={}",
        word(0),
        word(4),
        t[16],
        t[17],
        t[18],
        t[19],
        t[20]
    );
    c.eq(t[22..24].to_vec(), vec![0, 0], "padding zeroed");
    let mut set = t;
    set[19] = 0; // echo off
    c.eq(sys::tty_set(set.as_ptr()), 0, "tty_set");
    let mut again = [0u8; 24];
    c.eq(sys::tty_get(again.as_mut_ptr()), 0, "tty_get again");
    c.eq(again[19], 0, "echo off is reported");
    set[19] = 1;
    c.eq(sys::tty_set(set.as_ptr()), 0, "echo back on");
    set[20] = 7;
    c.eq(
        sys::tty_set(set.as_ptr()),
        INVAL,
        "a bool that is neither 0 nor 1",
    );
}

fn ident(c: &mut Checks) {
    let mut v = 0;
    c.eq(sys::proc_id(&mut v), 0, "proc_id");
    c.eq(v, 1, "pid 1");
    c.eq(sys::proc_parent(1, &mut v), 0, "proc_parent");
    c.eq(v, 0, "no parent");
    c.eq(sys::proc_parent(7, &mut v), SRCH, "unknown pid");
    c.eq(sys::thread_id(&mut v), 0, "thread_id");
    c.eq(v, 1, "main thread 1");
    c.eq(sys::thread_sleep(1_000_000), 0, "thread_sleep 1 ms");
    c.eq(sys::proc_fork(0, &mut v), NOSYS, "proc_fork is ENOSYS");
    let handler = "__wasm_signal";
    sys::callback_signal(handler.as_ptr(), handler.len());
    c.eq(true, true, "callback_signal returned");
    let mut word = 5u32;
    let mut woken = 9u8;
    let mut none = [0u8; 16];
    c.eq(
        sys::futex_wait(&mut word, 4, none.as_ptr(), &mut woken),
        0,
        "futex_wait on a changed word",
    );
    c.eq(woken, 0, "not woken");
    c.eq(
        sys::futex_wait(&mut word, 5, none.as_ptr(), &mut woken),
        DEADLK,
        "an untimed wait nobody can end",
    );
    none[0] = 1;
    none[8..16].copy_from_slice(&1_000u64.to_le_bytes());
    c.eq(
        sys::futex_wait(&mut word, 5, none.as_ptr(), &mut woken),
        0,
        "a timed wait times out",
    );
    c.eq(sys::futex_wake(&mut word, &mut woken), 0, "futex_wake");
    c.eq(woken, 0, "nobody to wake");
}

fn hostile(c: &mut Checks) {
    let end = 0xffff_fff0usize as *mut u8;
    let mut v = 0;
    c.eq(sys::chdir(end, 0x20), FAULT, "chdir: a length that wraps");
    c.eq(
        sys::getcwd(end, end as *mut u32),
        FAULT,
        "getcwd: length outside memory",
    );
    let mut room = 64u32;
    c.eq(
        sys::getcwd(0xffff_fffe_usize as *mut u8, &mut room),
        FAULT,
        "getcwd: a buffer running past the end of memory",
    );
    c.eq(
        sys::sock_bind(3, end),
        FAULT,
        "sock_bind: address outside memory",
    );
    c.eq(
        sys::resolve(b"x".as_ptr(), 1, 0, 16 as *mut u8, 0x1000_0000, &mut v),
        FAULT,
        "resolve: an address array larger than memory",
    );
    c.eq(
        sys::sock_open(9, 1, 0, &mut v),
        INVAL,
        "unknown address family",
    );
    c.eq(
        sys::sock_open(1, 9, 0, &mut v),
        INVAL,
        "unknown socket type",
    );
    c.eq(sys::fd_dup2(0, 0, 2, &mut v), INVAL, "a bool of 2");
    c.eq(
        sys::fd_dup2(0, u32::MAX, 0, &mut v),
        INVAL,
        "min_result_fd u32::MAX",
    );
    c.eq(
        sys::fd_pipe(end as *mut u32, &mut v),
        FAULT,
        "fd_pipe: result outside memory",
    );
    let mut fd = 0;
    c.eq(
        sys::sock_open(1, 1, 0, &mut fd),
        ACCES,
        "sockets refused by default",
    );
    let mut w = 0u8;
    c.eq(
        sys::sock_set_opt_flag(0, 200, 1),
        INVAL,
        "unknown socket option",
    );
    c.eq(
        sys::sock_get_opt_flag(1, 3, &mut w),
        NOTSOCK,
        "not a socket",
    );
}
