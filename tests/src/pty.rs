//! Pseudo-terminals for the tests that need a terminal on stdio.

use std::fs::File;

/// A pseudo-terminal as (master, slave), if this host can make one.
pub fn pty() -> Option<(File, File)> {
    use std::os::fd::{AsRawFd, FromRawFd};
    use std::os::unix::fs::OpenOptionsExt;
    // SAFETY: plain libc calls on descriptors this function owns; `name` is NUL-terminated
    // by `ptsname_r` on success.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        if master < 0 {
            return None;
        }
        let master = File::from_raw_fd(master);
        if libc::grantpt(master.as_raw_fd()) != 0 || libc::unlockpt(master.as_raw_fd()) != 0 {
            return None;
        }
        let mut name = [0 as libc::c_char; 128];
        if libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len()) != 0 {
            return None;
        }
        let name = std::ffi::CStr::from_ptr(name.as_ptr())
            .to_str()
            .ok()?
            .to_owned();
        let slave = File::options()
            .read(true)
            .write(true)
            .custom_flags(libc::O_NOCTTY)
            .open(name)
            .ok()?;
        Some((master, slave))
    }
}
