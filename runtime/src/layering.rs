//! Keeps the module graph a DAG: `table` (a leaf) ← `ctx` (the state) ← `host` (the calls).
//! It reads the sources, so a new file in `table/` or `ctx/` is checked too.

use std::path::Path;

/// Every `crate::…` path in code (not comments) in the `.rs` files of `dir` whose first segment is not in `allowed`,
/// as `file: path`.
fn foreign_paths(dir: &str, allowed: &[&str]) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(dir);
    let mut found = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("source directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no sources in {}", dir.display());
    for file in files {
        let source = std::fs::read_to_string(&file).expect("source file");
        // Code only: documentation may link anywhere.
        let text: String = source
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .map(|line| format!("{line}\n"))
            .collect();
        for (at, _) in text.match_indices("crate::") {
            let rest = &text[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let first = &rest[..end];
            if !allowed.contains(&first) {
                found.push(format!("{}: crate::{first}", file.display()));
            }
        }
        // `super::super::…` would climb out of the module as well.
        if text.contains("super::super") {
            found.push(format!("{}: super::super", file.display()));
        }
    }
    found
}

#[test]
fn table_is_a_leaf() {
    let found = foreign_paths("table", &["preview1", "limits"]);
    assert!(
        found.is_empty(),
        "table depends on more than preview1: {found:#?}"
    );
}

#[test]
fn ctx_depends_on_no_host_module() {
    let found = foreign_paths("ctx", &["preview1", "limits", "table", "ctx"]);
    assert!(found.is_empty(), "ctx reaches above itself: {found:#?}");
}

#[test]
fn limits_is_a_leaf() {
    let text = include_str!("limits.rs");
    assert!(
        !text.contains("crate::host")
            && !text.contains("crate::ctx")
            && !text.contains("crate::table")
    );
}
