//! What the machine offers that some tests need, checked on its own so that a missing piece is
//! reported (`skipped: ...`, a failure under `CI`) rather than hidden.
//!
//! Two runtime unit tests cannot report it themselves from where they are (runtime/src/host,
//! whose tests this crate does not edit): without `openat2`, `escapes_are_refused` runs the
//! cap-std resolver, which `escapes_are_refused_by_the_cap_std_resolver` already tests, so the
//! kernel's resolver goes untested; without a pseudo-terminal,
//! `a_pty_is_a_character_device_without_seek_rights` returns early as passed.
#![cfg(target_os = "linux")]

mod fd_support;

#[test]
fn openat2_with_resolve_beneath_is_available() {
    // SAFETY: open_how is plain integers; all-zero is valid.
    let mut how: libc::open_how = unsafe { std::mem::zeroed() };
    how.flags = (libc::O_PATH | libc::O_DIRECTORY | libc::O_CLOEXEC) as u64;
    how.resolve = libc::RESOLVE_BENEATH;
    // SAFETY: openat2 on "." with a valid open_how of the size given.
    let fd = unsafe {
        libc::syscall(
            libc::SYS_openat2,
            libc::AT_FDCWD,
            c".".as_ptr(),
            &how as *const libc::open_how,
            std::mem::size_of::<libc::open_how>(),
        )
    };
    if fd < 0 {
        let err = std::io::Error::last_os_error();
        wasi_host_tests::skip(&format!(
            "openat2(RESOLVE_BENEATH) fails here ({err}): the runtime's escapes_are_refused \
             tests the cap-std resolver twice and the kernel's resolver not at all"
        ));
        return;
    }
    // SAFETY: closing the descriptor just opened.
    unsafe { libc::close(fd as libc::c_int) };
}

#[test]
fn pseudo_terminals_are_available() {
    if fd_support::pty().is_none() {
        wasi_host_tests::skip(
            "no pseudo-terminal can be opened here: the runtime's \
             a_pty_is_a_character_device_without_seek_rights passes without testing anything",
        );
    }
}
