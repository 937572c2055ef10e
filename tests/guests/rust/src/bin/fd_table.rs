//! The descriptor table: preopens, rights, renumbering and closing. The test preopens a
//! writable directory as "/sandbox" (fd 3) and a read-only one as "ro" (fd 4). Exits with the
//! line number of the first failed check.

#[path = "../fd_common.rs"]
#[macro_use]
mod fd_common;

use fd_common::*;

fn prestat(fd: u32) -> Result<Prestat, u16> {
    let mut p = Prestat::default();
    match unsafe { fd_prestat_get(fd, &mut p) } {
        0 => Ok(p),
        e => Err(e),
    }
}

fn dir_name(fd: u32, len: usize) -> Result<Vec<u8>, u16> {
    let mut buf = vec![0xeeu8; len + 4];
    match unsafe { fd_prestat_dir_name(fd, buf.as_mut_ptr(), len) } {
        0 => {
            // Nothing is written past the name.
            check!(buf[len..].iter().all(|&b| b == 0xee));
            Ok(buf)
        }
        e => Err(e),
    }
}

fn main() {
    // Preopens, and only preopens, have a prestat.
    let p = prestat(3).unwrap();
    check_eq!((p.tag, p.name_len), (0, 8));
    check_eq!(&dir_name(3, 8).unwrap()[..8], b"/sandbox");
    // A longer buffer gets the name and nothing else.
    let name = dir_name(3, 12).unwrap();
    check_eq!(&name[..12], b"/sandbox\xee\xee\xee\xee");
    check_eq!(dir_name(3, 7), Err(ENAMETOOLONG));
    check_eq!(dir_name(3, 0), Err(ENAMETOOLONG));
    check_eq!(prestat(4).unwrap().name_len, 2);
    check_eq!(&dir_name(4, 2).unwrap()[..2], b"ro");
    for fd in [0, 1, 2, 5, 1000] {
        check_eq!(prestat(fd).unwrap_err(), EBADF);
        check_eq!(dir_name(fd, 16).unwrap_err(), EBADF);
    }

    // Directory descriptors: no byte I/O, no offset.
    let d = fdstat(3).unwrap();
    check_eq!(d.filetype, FT_DIR);
    check_eq!(d.rights_base & (R_FD_READ | R_FD_WRITE | R_FD_SEEK | R_FD_TELL), 0);
    check!(d.rights_base & R_PATH_OPEN != 0);
    check!(d.rights_base & R_PATH_CREATE_FILE != 0);
    check!(d.rights_inheriting & R_FD_WRITE != 0);
    let ro = fdstat(4).unwrap();
    check_eq!(ro.rights_base & R_PATH_CREATE_FILE, 0);
    check_eq!(ro.rights_inheriting & R_FD_WRITE, 0);
    check!(ro.rights_inheriting & R_FD_READ != 0);
    check_eq!(seek(3, 0, SET), Err(ENOTCAPABLE));
    check_eq!(seek(3, 0, CUR), Err(ENOTCAPABLE));
    check_eq!(tell(3), Err(ENOTCAPABLE));
    let mut buf = [0u8; 4];
    // Byte I/O on a directory is EISDIR, as POSIX says, whatever its rights.
    check_eq!(read_bufs(3, &mut [&mut buf]), Err(EISDIR));
    check_eq!(write_bufs(3, &[b"x"]), Err(EISDIR));
    check_eq!(filestat(3).unwrap().filetype, FT_DIR);
    check_eq!(unsafe { fd_sync(3) }, 0);

    // Rights only shrink, base and inheriting alike.
    check_eq!(
        unsafe { fd_fdstat_set_rights(3, d.rights_base & !R_PATH_CREATE_FILE, d.rights_inheriting) },
        0
    );
    check_eq!(fdstat(3).unwrap().rights_base, d.rights_base & !R_PATH_CREATE_FILE);
    check_eq!(
        unsafe { fd_fdstat_set_rights(3, d.rights_base, d.rights_inheriting) },
        ENOTCAPABLE
    );
    check_eq!(
        unsafe { fd_fdstat_set_rights(4, ro.rights_base, ro.rights_inheriting | R_FD_WRITE) },
        ENOTCAPABLE
    );
    check_eq!(unsafe { fd_fdstat_set_rights(4, ro.rights_base, 0) }, 0);
    check_eq!(fdstat(4).unwrap().rights_inheriting, 0);

    // Renumbering onto itself changes nothing.
    check_eq!(unsafe { fd_renumber(1, 1) }, 0);
    check_eq!(write_bufs(1, &[b"to stdout\n"]), Ok(10));
    // Either end closed: EBADF, and nothing moves.
    check_eq!(unsafe { fd_renumber(99, 1) }, EBADF);
    check_eq!(unsafe { fd_renumber(1, 99) }, EBADF);
    check_eq!(unsafe { fd_renumber(99, 99) }, EBADF);
    check!(fdstat(1).is_ok());
    // stderr onto stdout: stdout's file is closed, writes to 1 reach stderr's.
    check_eq!(unsafe { fd_renumber(2, 1) }, 0);
    check_eq!(fdstat(2).unwrap_err(), EBADF);
    check_eq!(write_bufs(1, &[b"moved to stderr\n"]), Ok(16));
    // stdin onto a preopen: the preopen is gone, its number holds stdin's file.
    let stdin = fdstat(0).unwrap();
    check_eq!(unsafe { fd_renumber(0, 3) }, 0);
    check_eq!(prestat(3).unwrap_err(), EBADF);
    check_eq!(fdstat(3).unwrap().filetype, stdin.filetype);
    check_eq!(fdstat(3).unwrap().rights_base, stdin.rights_base);
    check_eq!(fdstat(0).unwrap_err(), EBADF);
    let mut four = [0u8; 4];
    check_eq!(read_bufs(3, &mut [&mut four]), Ok(4));
    check_eq!(&four, b"data");
    // A closed target is EBADF even for a preopen source.
    check_eq!(unsafe { fd_renumber(4, 0) }, EBADF);
    check_eq!(prestat(4).unwrap().name_len, 2);
    // A preopen moved elsewhere is still a preopen; what it replaced is closed.
    check_eq!(unsafe { fd_renumber(4, 3) }, 0);
    check_eq!(prestat(3).unwrap().name_len, 2);
    check_eq!(&dir_name(3, 2).unwrap()[..2], b"ro");
    check_eq!(fdstat(3).unwrap().filetype, FT_DIR);
    check_eq!(prestat(4).unwrap_err(), EBADF);
    check_eq!(fdstat(4).unwrap_err(), EBADF);

    // Closing: preopens too; closed numbers are EBADF everywhere.
    check_eq!(unsafe { fd_close(3) }, 0);
    check_eq!(prestat(3).unwrap_err(), EBADF);
    check_eq!(unsafe { fd_close(3) }, EBADF);
    check_eq!(unsafe { fd_renumber(3, 1) }, EBADF);
    check_eq!(read_bufs(3, &mut [&mut four]), Err(EBADF));
    check_eq!(fdstat(3).unwrap_err(), EBADF);
    check_eq!(filestat(3).unwrap_err(), EBADF);

    check_eq!(write_bufs(1, &[b"fd_table ok\n"]), Ok(12));
}
