//! The pinned upstream WITX spec: where its files live and whether they are the
//! bytes we pinned.
//!
//! The pin is `xtask/upstream/Cargo.toml`, a standalone package depending on an
//! exact `wasmtime-wasi` release, with the sha256 of every file we read recorded
//! under `[package.metadata.wasi-host.pins]`. `cargo metadata` resolves it (and
//! downloads sources if needed) without compiling anything, which gives us both
//! the crate's source directory and the pins in one JSON document.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Manifest of the pin, relative to the workspace root.
pub const MANIFEST: &str = "xtask/upstream/Cargo.toml";

/// The crate whose `witx/` directory is the upstream spec.
const CRATE: &str = "wasmtime-wasi";

/// A WASI snapshot shipped by the upstream crate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `wasi_unstable`, the first snapshot.
    P0,
    /// `wasi_snapshot_preview1`.
    P1,
}

impl Phase {
    /// Parses the part after `upstream:` on the command line.
    pub fn from_name(name: &str) -> Option<Phase> {
        match name {
            "p0" => Some(Phase::P0),
            "p1" => Some(Phase::P1),
            _ => None,
        }
    }

    /// Directory of this snapshot inside the upstream crate.
    pub fn dir(self) -> &'static str {
        match self {
            Phase::P0 => "witx/p0",
            Phase::P1 => "witx/p1",
        }
    }

    /// Files of this snapshot, relative to the crate root. Listing both files,
    /// rather than relying on `use`, makes sure every file read gets verified.
    pub fn files(self) -> [&'static str; 2] {
        match self {
            Phase::P0 => ["witx/p0/typenames.witx", "witx/p0/wasi_unstable.witx"],
            Phase::P1 => [
                "witx/p1/typenames.witx",
                "witx/p1/wasi_snapshot_preview1.witx",
            ],
        }
    }
}

/// The resolved upstream crate and its pins.
#[derive(Debug)]
pub struct Upstream {
    /// Resolved version of the upstream crate, e.g. `48.0.8`.
    pub version: String,
    /// Source directory of the upstream crate (usually in cargo's registry cache).
    pub root: PathBuf,
    /// Expected sha256 (lowercase hex) per file, relative to `root`.
    pins: BTreeMap<String, String>,
}

impl Upstream {
    /// Resolves the pin manifest below `workspace_root` with `cargo metadata`.
    pub fn locate(workspace_root: &Path) -> Result<Upstream> {
        let manifest = workspace_root.join(MANIFEST);
        // `cargo run` exports the cargo that started us; prefer it so the same
        // toolchain resolves the pin.
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let output = Command::new(cargo)
            .args([
                "metadata",
                "--format-version",
                "1",
                "--locked",
                "--manifest-path",
            ])
            .arg(&manifest)
            .output()
            .context("could not run `cargo metadata`")?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let reason = stderr.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
            bail!("`cargo metadata` failed for {MANIFEST}: {}", reason.trim());
        }
        let metadata: Value = serde_json::from_slice(&output.stdout)
            .context("`cargo metadata` printed invalid JSON")?;
        Self::from_metadata(&metadata)
    }

    /// Extracts the upstream crate and the pins from `cargo metadata` output.
    fn from_metadata(metadata: &Value) -> Result<Upstream> {
        let packages = metadata["packages"]
            .as_array()
            .ok_or_else(|| anyhow!("`cargo metadata` output has no package list"))?;
        let root_id = &metadata["resolve"]["root"];
        let pin_package = packages
            .iter()
            .find(|p| &p["id"] == root_id)
            .ok_or_else(|| anyhow!("{MANIFEST}: root package missing from `cargo metadata`"))?;
        let pins = pin_package["metadata"]["wasi-host"]["pins"]
            .as_object()
            .ok_or_else(|| anyhow!("{MANIFEST}: no [package.metadata.wasi-host.pins] table"))?
            .iter()
            .map(|(file, hash)| {
                let hash = hash
                    .as_str()
                    .ok_or_else(|| anyhow!("{MANIFEST}: pin for {file} is not a string"))?;
                Ok((file.clone(), hash.to_ascii_lowercase()))
            })
            .collect::<Result<BTreeMap<_, _>>>()?;

        let mut found = packages.iter().filter(|p| p["name"] == CRATE);
        let package = found
            .next()
            .ok_or_else(|| anyhow!("{MANIFEST}: {CRATE} is not among the resolved packages"))?;
        if found.next().is_some() {
            bail!("{MANIFEST}: more than one version of {CRATE} resolved");
        }
        let version = package["version"].as_str().unwrap_or("?").to_string();
        let manifest_path = package["manifest_path"]
            .as_str()
            .ok_or_else(|| anyhow!("`cargo metadata`: {CRATE} has no manifest_path"))?;
        let root = Path::new(manifest_path)
            .parent()
            .ok_or_else(|| anyhow!("`cargo metadata`: odd manifest_path {manifest_path}"))?
            .to_path_buf();
        Ok(Upstream {
            version,
            root,
            pins,
        })
    }

    /// Human-readable name of one snapshot, e.g. `wasmtime-wasi 48.0.8 witx/p1`.
    pub fn label(&self, phase: Phase) -> String {
        format!("{CRATE} {} {}", self.version, phase.dir())
    }

    /// Paths of the snapshot's files, each checked against its pinned sha256.
    pub fn files(&self, phase: Phase) -> Result<Vec<PathBuf>> {
        phase
            .files()
            .iter()
            .map(|rel| {
                let expected = self
                    .pins
                    .get(*rel)
                    .ok_or_else(|| anyhow!("{MANIFEST}: no sha256 pinned for {rel}"))?;
                let path = self.root.join(rel);
                verify_sha256(&path, rel, expected)?;
                Ok(path)
            })
            .collect()
    }
}

/// Fails unless the file at `path` hashes to `expected`; `name` is how the
/// error refers to it.
pub fn verify_sha256(path: &Path, name: &str, expected: &str) -> Result<()> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let actual = hex(&Sha256::digest(&bytes));
    if actual != expected {
        bail!(
            "sha256 mismatch for upstream {name} ({}): pinned {expected}, found {actual}",
            path.display()
        );
    }
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_verifies_every_pinned_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let upstream = Upstream::locate(root).unwrap();
        assert_eq!(upstream.version, "48.0.8");
        for phase in [Phase::P0, Phase::P1] {
            let files = upstream.files(phase).unwrap();
            assert_eq!(files.len(), 2);
            assert!(files.iter().all(|f| f.starts_with(&upstream.root)));
        }
        assert_eq!(upstream.pins.len(), 4, "a pin exists that no phase uses");
    }

    #[test]
    fn hash_mismatch_names_the_file() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("upstream/src/lib.rs");
        let bytes = std::fs::read(&path).unwrap();
        let good = hex(&Sha256::digest(&bytes));
        verify_sha256(&path, "src/lib.rs", &good).unwrap();

        let bad = "0".repeat(64);
        let err = verify_sha256(&path, "src/lib.rs", &bad)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("sha256 mismatch for upstream src/lib.rs"),
            "{err}"
        );
        assert!(err.contains(&good), "{err}");
    }

    #[test]
    fn missing_pin_is_an_error() {
        let upstream = Upstream {
            version: "0".into(),
            root: PathBuf::from("/nonexistent"),
            pins: BTreeMap::new(),
        };
        let err = upstream.files(Phase::P1).unwrap_err().to_string();
        assert!(
            err.contains("no sha256 pinned for witx/p1/typenames.witx"),
            "{err}"
        );
    }
}
