//! Golden tests: one small WITX file per construct (records, variants, flags and handles,
//! lists and buffers, `use` with shared types and `@import` variants), and the Rust the
//! generator makes of it, checked in beside it. A change to the generator shows up here as a
//! readable diff; `UPDATE_GOLDEN=1 cargo test -p wasi-host-codegen --test golden` rewrites them.

use std::path::{Path, PathBuf};

use quote::quote;
use wasi_host_codegen::{Config, SharedTypes, render_file};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn check(name: &str, config: &Config) {
    let witx = dir().join(format!("{name}.witx"));
    let out = dir().join(format!("{name}.rs"));
    let text = render_file(&witx, &format!("tests/golden/{name}.witx"), config)
        .unwrap_or_else(|e| panic!("{name}.witx: {e}"));
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&out, &text).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&out)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", out.display()));
    assert!(
        text == expected,
        "{name}.rs differs from what the generator makes now; review, then rerun with UPDATE_GOLDEN=1"
    );
}

#[test]
fn records() {
    check("record", &Config::inside_runtime());
}

#[test]
fn variants() {
    check("variant", &Config::inside_runtime());
}

#[test]
fn flags_handles_and_noreturn() {
    check("flags_handles", &Config::inside_runtime());
}

#[test]
fn lists_strings_buffers_and_one() {
    check("lists", &Config::inside_runtime());
}

#[test]
fn use_with_shared_types_and_import_variants() {
    let base = SharedTypes::load(&dir().join("base.witx"), quote!(crate::base)).unwrap();
    let text = {
        check("uses", &Config::inside_runtime().sharing(base.clone()));
        std::fs::read_to_string(dir().join("uses.rs")).unwrap()
    };
    // The shared types are reused, the extended errno converts, the variants share one name.
    assert!(text.contains("pub use crate::base::Fd;"), "{text}");
    assert!(
        text.contains("impl From<crate::base::Errno> for Errno2"),
        "{text}"
    );
    assert_eq!(
        text.matches("\"dup\"").count(),
        4,
        "two IMPORTS entries and two registrations"
    );
    assert!(text.contains("\"ext_v1\""));
}

#[test]
fn directives_are_checked() {
    let bad = dir().join("../bad_directive.witx.tmp");
    std::fs::write(
        &bad,
        "(typename $e (enum (@witx tag u16) $success))\n(module $m\n  ;;; @imprt x\n  (@interface func (export \"f\") (result $r (expected (error $e)))))\n",
    )
    .unwrap();
    let err = render_file(&bad, "bad", &Config::inside_runtime()).err();
    std::fs::remove_file(&bad).unwrap();
    assert!(format!("{err:?}").contains("@imprt"), "{err:?}");
}
