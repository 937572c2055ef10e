//! Descriptor calls through real guests: a Rust guest using std and raw imports, a C guest
//! using wasi-libc, and the descriptor table (preopens, rights, renumber, close). Guests check
//! themselves and exit with the line number of the first failed check.

use wasi_host_tests::run::Run;

#[test]
fn rust_guest_reads_writes_seeks_and_sets_flags() {
    let out = Run::rust("fd_ops").stdin("0123456789").in_process();
    out.assert_success();
    assert_eq!(out.stdout_text(), "fd_ops ok\n");
}

#[test]
fn rust_guest_notices_other_contents() {
    // The guest's checks are real: different stdin contents fail the first read check.
    let out = Run::rust("fd_ops").stdin("9876543210").in_process();
    assert_ne!(out.status, 0);
    assert!(
        out.stderr_text().contains("expected"),
        "{}",
        out.stderr_text()
    );
}

#[test]
fn c_guest_uses_wasi_libc_on_a_regular_file() {
    let out = Run::c("fd_libc").stdin("0123456789").in_process();
    out.assert_success();
    assert_eq!(out.stdout_text(), "fd_libc ok\n");
}

#[test]
fn descriptor_table_preopens_rights_renumber_and_close() {
    let rw = tempfile::tempdir().unwrap();
    let ro = tempfile::tempdir().unwrap();
    let out = Run::rust("fd_table")
        .stdin("data")
        .dir(rw.path(), "/sandbox")
        .dir_read_only(ro.path(), "ro")
        .in_process();
    out.assert_success();
    // Before the renumber, fd 1 was stdout; after it, fd 1 is stderr's file.
    assert_eq!(out.stdout_text(), "to stdout\n");
    assert_eq!(out.stderr_text(), "moved to stderr\nfd_table ok\n");
}

#[test]
fn descriptor_table_through_the_cli() {
    // The same checks with the command line's inherited stdio (pipes) and `--dir` preopens.
    let rw = tempfile::tempdir().unwrap();
    let ro = tempfile::tempdir().unwrap();
    let out = Run::rust("fd_table")
        .stdin("data")
        .dir(rw.path(), "/sandbox")
        .dir_read_only(ro.path(), "ro")
        .cli();
    out.assert_success();
    assert_eq!(out.stdout_text(), "to stdout\n");
    assert_eq!(out.stderr_text(), "moved to stderr\nfd_table ok\n");
}
