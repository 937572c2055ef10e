//! The `ignore` crate (0.4.29, the version ripgrep 15.2.0's lock file pins) patched for WASI at
//! build time, for the wasm ripgrep builds of the bench.
//!
//! `ignore`'s parallel walker (what `rg -j2` uses) builds its directory entries with two
//! per-platform functions, `DirEntryRaw::from_entry_os` and `DirEntryRaw::from_path`. Their
//! bodies for targets that are neither Unix nor Windows (wasm32-wasip1 and
//! wasm32-wasip1-threads among them) are placeholders returning the error "unsupported
//! platform", so a parallel search ends at its first entry. The sequential walker (`-j1`) goes
//! through `walkdir` and never calls them.
//!
//! [`patched_ignore`] copies the crate's published source from cargo's registry cache into the
//! target directory and replaces those two placeholder bodies (and nothing else) with
//! [`FROM_ENTRY_OS`] and [`FROM_PATH`]; the wasm builds then get
//! `--config patch.crates-io.ignore.path=...`. No upstream source is kept in this repository.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail, ensure};

use crate::test::status;

/// The version patched; ripgrep 15.2.0's Cargo.lock pins it.
pub const IGNORE_VERSION: &str = "0.4.29";

/// A short name for the patch, recorded next to each build made with it.
pub const PATCH_ID: &str = "ignore-0.4.29-wasi-1";

/// The start of each placeholder: its `cfg` line and the function's first line.
const CFG: &str = "#[cfg(not(any(windows, unix)))]\n    fn ";

/// WASI replacement for the directory-entry constructor: the path and file type the directory
/// read already gave, the depth, no symlink following; WASI's standard library exposes no
/// stable inode, and the struct has no inode field off Unix.
const FROM_ENTRY_OS: &str = "#[cfg(not(any(windows, unix)))]
    fn from_entry_os(
        depth: usize,
        ent: &fs::DirEntry,
        ty: fs::FileType,
    ) -> Result<DirEntryRaw, Error> {
        // Patched at build time by wasi-host's xtask (WASI): the type from the entry itself.
        Ok(DirEntryRaw { path: ent.path(), ty, follow_link: false, depth })
    }
";

/// WASI replacement for the path constructor: the file type from `fs::metadata` (which follows
/// a symlink, as on the other platforms), an error carrying the depth and the path as theirs do.
const FROM_PATH: &str = "#[cfg(not(any(windows, unix)))]
    fn from_path(
        depth: usize,
        pb: PathBuf,
        link: bool,
    ) -> Result<DirEntryRaw, Error> {
        // Patched at build time by wasi-host's xtask (WASI): the type from a stat of the path.
        match fs::metadata(&pb) {
            Ok(md) => Ok(DirEntryRaw {
                ty: md.file_type(),
                path: pb,
                follow_link: link,
                depth,
            }),
            Err(err) => Err(Error::Io(err).with_depth(depth).with_path(&pb)),
        }
    }
";

/// Replaces the placeholder body of the function `name` in `src` with `with`; fails unless
/// exactly one placeholder of that name, returning "unsupported platform", is found.
fn replace_placeholder(src: &str, name: &str, with: &str) -> Result<String> {
    let start_pat = format!("{CFG}{name}(");
    let mut found = src.match_indices(&start_pat);
    let (start, _) = found
        .next()
        .with_context(|| format!("no `{name}` for other platforms in ignore's walk.rs"))?;
    ensure!(found.next().is_none(), "`{name}` twice in ignore's walk.rs");
    // The function ends at the first closing brace at its own (four-space) indentation.
    let end = src[start..]
        .find("\n    }\n")
        .map(|i| start + i + "\n    }\n".len())
        .with_context(|| format!("the end of `{name}` in ignore's walk.rs"))?;
    ensure!(
        src[start..end].contains("\"unsupported platform\""),
        "`{name}` in ignore's walk.rs is not the expected placeholder; the patch needs review"
    );
    Ok(format!("{}{with}{}", &src[..start], &src[end..]))
}

/// Applies both replacements to the text of `src/walk.rs`.
pub fn patch_walk(src: &str) -> Result<String> {
    let src = replace_placeholder(src, "from_entry_os", FROM_ENTRY_OS)?;
    replace_placeholder(&src, "from_path", FROM_PATH)
}

fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"))
}

/// The unpacked published source of `ignore` in cargo's registry cache, if there.
fn registry_source() -> Option<PathBuf> {
    let src = cargo_home().join("registry/src");
    std::fs::read_dir(src)
        .ok()?
        .flatten()
        .map(|index| index.path().join(format!("ignore-{IGNORE_VERSION}")))
        .find(|dir| dir.join("src/walk.rs").is_file())
}

/// Has cargo download and unpack `ignore` through a one-dependency manifest in `scratch`.
fn fetch(cargo: &str, scratch: &Path) -> Result<()> {
    std::fs::create_dir_all(scratch.join("src"))?;
    std::fs::write(
        scratch.join("Cargo.toml"),
        format!(
            "[package]\nname = \"fetch-ignore\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\
             publish = false\n\n[dependencies]\nignore = \"={IGNORE_VERSION}\"\n\n[workspace]\n"
        ),
    )?;
    std::fs::write(scratch.join("src/lib.rs"), "")?;
    let mut cmd = Command::new(cargo);
    cmd.arg("fetch")
        .arg("--manifest-path")
        .arg(scratch.join("Cargo.toml"));
    if !status(&mut cmd)? {
        bail!("cargo fetch of ignore {IGNORE_VERSION} failed");
    }
    Ok(())
}

fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        if entry.file_type()?.is_dir() {
            copy_dir(&src, &dst)?;
        } else {
            std::fs::copy(&src, &dst)
                .with_context(|| format!("copying {} to {}", src.display(), dst.display()))?;
        }
    }
    Ok(())
}

/// The patched copy of `ignore` under `target` (made once), for
/// `--config patch.crates-io.ignore.path=...`.
pub fn patched_ignore(cargo: &str, target: &Path) -> Result<PathBuf> {
    let dir = target.join(format!("bench-rg-{PATCH_ID}"));
    if dir.join(".patched").is_file() {
        return Ok(dir);
    }
    let source = match registry_source() {
        Some(source) => source,
        None => {
            fetch(cargo, &target.join("bench-rg-fetch-ignore"))?;
            registry_source().context("ignore's source is not in cargo's registry after fetch")?
        }
    };
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    copy_dir(&source, &dir)?;
    let walk = dir.join("src/walk.rs");
    std::fs::write(&walk, patch_walk(&std::fs::read_to_string(&walk)?)?)?;
    std::fs::write(
        dir.join(".patched"),
        format!(
            "{PATCH_ID}: {} with DirEntryRaw::from_entry_os and DirEntryRaw::from_path given a \
             WASI body by wasi-host's xtask (xtask/src/rg_patch.rs)\n",
            source.display()
        ),
    )?;
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A walk.rs shaped like ignore's: a Unix version and a placeholder of each function.
    fn sample() -> String {
        let placeholder = |name: &str, args: &str| {
            format!(
                "    #[cfg(unix)]\n    fn {name}({args}) -> Result<DirEntryRaw, Error> {{\n        \
                 unix()\n    }}\n\n    // Placeholder\n    {CFG}{name}(\n        {args},\n    ) \
                 -> Result<DirEntryRaw, Error> {{\n        Err(Error::Io(io::Error::new(\n            \
                 io::ErrorKind::Other,\n            \"unsupported platform\",\n        )))\n    }}\n\n"
            )
        };
        format!(
            "impl DirEntryRaw {{\n{}{}}}\n",
            placeholder("from_entry_os", "depth: usize"),
            placeholder("from_path", "depth: usize")
        )
    }

    #[test]
    fn both_placeholders_are_replaced_and_nothing_else() {
        let src = sample();
        let out = patch_walk(&src).unwrap();
        assert!(!out.contains("unsupported platform"));
        assert!(out.contains(FROM_ENTRY_OS) && out.contains(FROM_PATH));
        assert_eq!(out.matches("unix()").count(), 2);
        assert_eq!(out.matches("// Placeholder").count(), 2);
        // Patching twice finds no placeholder left.
        assert!(patch_walk(&out).is_err());
    }

    #[test]
    fn an_unexpected_body_is_refused() {
        let src = sample().replacen("\"unsupported platform\"", "\"other\"", 1);
        assert!(patch_walk(&src).is_err());
    }
}
