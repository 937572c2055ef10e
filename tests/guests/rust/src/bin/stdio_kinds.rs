//! Standard streams of every kind. Arguments: the kinds of fd 0, 1 and 2 (`file`, `pipe`,
//! `null` or `tty`) and what stdin holds. Checks what each stream reports, polls them, copies
//! stdin to stdout and writes to stderr. Exits with the line number of the first failed check.

#[path = "../fd_common.rs"]
#[macro_use]
mod fd_common;

use std::io::{BufRead, IsTerminal, Read, Write};

use fd_common::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    check_eq!(args.len(), 5);
    let kinds = [args[1].as_str(), args[2].as_str(), args[3].as_str()];
    let input = args[4].as_str();

    let terminals = [
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
        std::io::stderr().is_terminal(),
    ];
    for (fd, &kind) in kinds.iter().enumerate() {
        let fd = fd as u32;
        let st = fdstat(fd).unwrap();
        let (filetype, seekable) = match kind {
            "file" => (FT_REGULAR, true),
            "pipe" => (FT_UNKNOWN, false),
            "null" => (FT_CHAR, true),
            "tty" => (FT_CHAR, false),
            _ => unreachable!(),
        };
        check_eq!((fd, st.filetype), (fd, filetype));
        // Streams never seek (a redirected file is the user's); those with a position tell.
        check_eq!((fd, st.rights_base & R_FD_SEEK != 0), (fd, false));
        check_eq!((fd, st.rights_base & R_FD_TELL != 0), (fd, seekable));
        check!(st.rights_base & (R_FD_READ | R_FD_WRITE) == R_FD_READ | R_FD_WRITE);
        // std's is_terminal is wasi-libc's isatty: a character device without seek rights.
        check_eq!((fd, terminals[fd as usize]), (fd, kind == "tty"));
        check_eq!((fd, seek(fd, 0, CUR).is_ok()), (fd, seekable));
        check_eq!((fd, filestat(fd).unwrap().filetype), (fd, filetype));
    }

    // Output streams are writable at once, whatever they are.
    let (e, events) = poll(&[fd_sub(1, FD_WRITE, 1), fd_sub(2, FD_WRITE, 2)]);
    check_eq!(e, 0);
    check_eq!(events.len(), 2);
    for ev in &events {
        check_eq!((ev.userdata, ev.error, ev.type_), (ev.userdata, 0, FD_WRITE));
    }

    // Stdin is readable: it holds data (or, for /dev/null, its end).
    let (e, events) = poll(&[
        fd_sub(7, FD_READ, 0),
        clock_sub(8, MONOTONIC, 60_000_000_000, 0),
    ]);
    check_eq!(e, 0);
    check_eq!(events.len(), 1);
    check_eq!((events[0].userdata, events[0].error), (7, 0));
    match kinds[0] {
        "file" | "tty" => check_eq!(events[0].nbytes, input.len() as u64),
        "pipe" => {
            // The test wrote everything and closed its end.
            check_eq!(events[0].nbytes, input.len() as u64);
            check_eq!(events[0].flags, HANGUP);
        }
        _ => {}
    }

    let mut got = String::new();
    if kinds[0] == "tty" {
        // A terminal never ends; read the line that was typed.
        std::io::stdin().lock().read_line(&mut got).unwrap();
    } else {
        std::io::stdin().read_to_string(&mut got).unwrap();
    }
    check_eq!(got, input);
    let mut more = [0u8; 8];
    if kinds[0] != "tty" {
        check_eq!(std::io::stdin().read(&mut more).unwrap(), 0);
    }

    print!("stdin: {got}");
    std::io::stdout().flush().unwrap();
    eprint!("stderr ok\n");
}
