//! `cargo xtask codegen [--check]`: regenerates the checked-in bindings from `witx/`.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use quote::quote;
use wasi_host_codegen::{Config, SharedTypes, render_file};

/// Each spec is a folder `witx/<spec>/` whose one file with a `(module` is the entry point
/// (the others are files it `use`s); it is generated into `runtime/src/<spec>.rs`. Every spec
/// but preview1 reuses preview1's types. Found from the tree, so a new spec needs no edit here.
fn outputs(root: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut found = Vec::new();
    let mut specs: Vec<_> = std::fs::read_dir(root.join("witx"))
        .context("reading witx/")?
        .collect::<Result<_, _>>()?;
    specs.sort_by_key(|e| e.file_name());
    for spec in specs.into_iter().filter(|e| e.path().is_dir()) {
        let name = spec.file_name().to_string_lossy().into_owned();
        let mut entries = Vec::new();
        for file in std::fs::read_dir(spec.path())? {
            let path = file?.path();
            if path.extension().is_some_and(|e| e == "witx")
                && std::fs::read_to_string(&path)?.contains("(module")
            {
                entries.push(path);
            }
        }
        let [entry] = entries.as_slice() else {
            bail!("witx/{name}/ must hold exactly one file with a `(module`, found {entries:?}");
        };
        let file = entry.file_name().unwrap().to_string_lossy();
        found.push((
            format!("witx/{name}/{file}"),
            format!("runtime/src/{name}.rs"),
        ));
    }
    Ok(found)
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the repo")
        .to_path_buf()
}

/// Renders every output under `root`; returns `(output path, text, up to date?)`.
fn render_all(root: &Path) -> anyhow::Result<Vec<(String, String, bool)>> {
    outputs(root)?
        .into_iter()
        .map(|(witx, out)| {
            let mut config = Config::inside_runtime();
            if !witx.starts_with("witx/preview1/") {
                config = config.sharing(SharedTypes::preview1(quote!(crate::preview1)));
            }
            let text = render_file(&root.join(&witx), &witx, &config)
                .with_context(|| format!("generating from {witx}"))?;
            let text = rustfmt(&text).with_context(|| format!("formatting code from {witx}"))?;
            let current = std::fs::read_to_string(root.join(&out)).unwrap_or_default();
            let fresh = current == text;
            Ok((out, text, fresh))
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
    let all = render_all(&root)?;
    let count = all.len();
    for (out, text, fresh) in all {
        if fresh {
            continue;
        }
        if check {
            stale.push(out);
        } else {
            std::fs::write(root.join(&out), text).with_context(|| format!("writing {out}"))?;
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
        println!("codegen: {count} generated file(s) up to date");
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
        for (witx, out) in outputs(&root).unwrap() {
            let witx_dir = Path::new(&witx).parent().unwrap();
            std::fs::create_dir_all(tmp.join(witx_dir)).unwrap();
            for entry in std::fs::read_dir(root.join(witx_dir)).unwrap() {
                let entry = entry.unwrap();
                std::fs::copy(entry.path(), tmp.join(witx_dir).join(entry.file_name())).unwrap();
            }
            let generated = std::fs::read_to_string(root.join(&out)).unwrap();
            std::fs::create_dir_all(tmp.join(&out).parent().unwrap()).unwrap();
            std::fs::write(tmp.join(&out), generated.replacen("pub ", "pub  ", 1)).unwrap();
        }
        let results = render_all(&tmp).unwrap();
        std::fs::remove_dir_all(&tmp).unwrap();
        assert!(results.iter().all(|(_, _, fresh)| !fresh));
    }
}
