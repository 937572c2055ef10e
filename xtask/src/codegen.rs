//! `cargo xtask codegen [--check]`: regenerates the checked-in bindings from `witx/`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use wasi_host_codegen::{Config, render_file};

/// Each WITX entry point and the Rust file generated from it (paths from the repo root).
pub const OUTPUTS: &[(&str, &str)] = &[(
    "witx/preview1/wasi_snapshot_preview1.witx",
    "runtime/src/preview1.rs",
)];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repo")
        .to_path_buf()
}

/// Renders every output under `root`; returns `(output path, text, up to date?)`.
fn render_all(root: &Path) -> anyhow::Result<Vec<(&'static str, String, bool)>> {
    OUTPUTS
        .iter()
        .map(|(witx, out)| {
            let text = render_file(&root.join(witx), witx, &Config::inside_runtime())
                .with_context(|| format!("generating from {witx}"))?;
            let text = rustfmt(&text).with_context(|| format!("formatting code from {witx}"))?;
            let current = std::fs::read_to_string(root.join(out)).unwrap_or_default();
            let fresh = current == text;
            Ok((*out, text, fresh))
        })
        .collect()
}

/// Formats `source` exactly as `cargo fmt` would, so `cargo fmt --check` agrees with it.
fn rustfmt(source: &str) -> anyhow::Result<String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .current_dir(repo_root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("running rustfmt (rustup component add rustfmt)")?;
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(source.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!(
            "rustfmt failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8(output.stdout)?)
}

/// Writes every output, or with `check` fails naming each one that is stale.
pub fn run(check: bool) -> anyhow::Result<()> {
    let root = repo_root();
    let mut stale = Vec::new();
    for (out, text, fresh) in render_all(&root)? {
        if fresh {
            continue;
        }
        if check {
            stale.push(out);
        } else {
            std::fs::write(root.join(out), text).with_context(|| format!("writing {out}"))?;
            println!("codegen: wrote {out}");
        }
    }
    if !stale.is_empty() {
        bail!(
            "stale generated file(s): {} (run `cargo xtask codegen`)",
            stale.join(", ")
        );
    }
    if check {
        println!("codegen: {} generated file(s) up to date", OUTPUTS.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_files_are_fresh() {
        for (out, _, fresh) in render_all(&repo_root()).unwrap() {
            assert!(fresh, "{out} is stale: run `cargo xtask codegen`");
        }
    }

    #[test]
    fn drift_is_detected() {
        let tmp = std::env::temp_dir().join(format!("wasi-host-codegen-{}", std::process::id()));
        let root = repo_root();
        for (witx, out) in OUTPUTS {
            let witx_dir = Path::new(witx).parent().unwrap();
            std::fs::create_dir_all(tmp.join(witx_dir)).unwrap();
            for entry in std::fs::read_dir(root.join(witx_dir)).unwrap() {
                let entry = entry.unwrap();
                std::fs::copy(entry.path(), tmp.join(witx_dir).join(entry.file_name())).unwrap();
            }
            let generated = std::fs::read_to_string(root.join(out)).unwrap();
            std::fs::create_dir_all(tmp.join(out).parent().unwrap()).unwrap();
            std::fs::write(tmp.join(out), generated.replacen("pub ", "pub  ", 1)).unwrap();
        }
        let results = render_all(&tmp).unwrap();
        std::fs::remove_dir_all(&tmp).unwrap();
        assert!(results.iter().all(|(_, _, fresh)| !fresh));
    }
}
