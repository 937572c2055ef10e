//! The compile cache: compiled modules on disk, keyed by what decides their machine code, each
//! with a checksum so that a damaged entry is recompiled rather than run.
//!
//! wasmtime's own cache (`Config::cache`) was the first choice; `docs/cli.md` says why this
//! one replaced it (its entries carry no checksum, so a flipped bit was run, crashed the host
//! or panicked it; and its worker thread outlives compilation).
//!
//! Layout: `DIR/CACHEDIR.TAG` and `DIR/modules/<key>.cwasm`, where `<key>` is the SHA-256 (hex)
//! of the wasi-host version, wasmtime's compatibility hash of the engine settings
//! ([`Engine::precompile_compatibility_hash`]: target, compiler flags, tunables, wasm features,
//! wasmtime version) and the module's bytes. An entry is wasmtime's serialised module followed
//! by the SHA-256 of those bytes and an 8-byte tag.

use std::fs::{self, File};
use std::hash::{Hash, Hasher};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::{Engine, Module};

/// The soft bound on the total size of the entries: a pass after each new entry evicts the
/// least recently used ones down to [`EVICT_TO_PERCENT`] of it.
pub const SIZE_LIMIT: u64 = 1 << 30;
/// The bound on the number of entries, enforced the same way.
pub const COUNT_LIMIT: usize = 1000;
/// Where an eviction pass stops, in percent of each limit: room for new entries before the
/// next pass has to delete again.
pub const EVICT_TO_PERCENT: u64 = 80;
/// A temporary file this old is left over from a writer that died; the next pass deletes it.
const STALE_TEMP: Duration = Duration::from_secs(3600);

/// Ends every entry: a format tag, so other files in the directory are never taken for one.
const TRAILER_TAG: &[u8; 8] = b"wasihc01";
const DIGEST_LEN: usize = 32;

/// An open cache directory.
pub struct Cache {
    modules: PathBuf,
}

impl Cache {
    /// Opens (creating it if needed) the cache in `dir`.
    pub fn open(dir: &Path) -> io::Result<Cache> {
        let modules = dir.join("modules");
        fs::create_dir_all(&modules)?;
        let tag = dir.join("CACHEDIR.TAG");
        if !tag.exists() {
            // Backup tools skip directories holding this file (https://bford.info/cachedir/).
            let _ = fs::write(
                &tag,
                "Signature: 8a477f597d28d172789f06886806bc55\n\
                 # The wasi-host compile cache; it is safe to delete.\n",
            );
        }
        Ok(Cache { modules })
    }

    /// The entry file for `wasm` compiled by `engine`.
    pub fn entry_path(&self, engine: &Engine, wasm: &[u8]) -> PathBuf {
        let mut hasher = ShaHasher(Sha256::new());
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        engine.precompile_compatibility_hash().hash(&mut hasher);
        wasm.hash(&mut hasher);
        self.modules
            .join(format!("{}.cwasm", hex(&hasher.0.finalize())))
    }

    /// The module stored for `wasm`, if there is a whole one; a damaged or foreign entry
    /// counts as absent (and is overwritten by [`Cache::store`]).
    pub fn load(&self, engine: &Engine, entry: &Path) -> Option<Module> {
        let mut bytes = Vec::new();
        File::open(entry).ok()?.read_to_end(&mut bytes).ok()?;
        let body_len = bytes.len().checked_sub(DIGEST_LEN + TRAILER_TAG.len())?;
        let (body, trailer) = bytes.split_at(body_len);
        let (digest, tag) = trailer.split_at(DIGEST_LEN);
        if tag != TRAILER_TAG || Sha256::digest(body).as_slice() != digest {
            return None;
        }
        // SAFETY: the bytes are what `store` wrote from `Module::serialize` (the checksum
        // shows they are unchanged) for an engine with these settings (the key covers them).
        // The cache directory is trusted as the wasi-host binary is: whoever can write to it
        // can run code as its user, with or without a checksum.
        let module = unsafe { Module::deserialize(engine, body) }.ok()?;
        // Least recently used goes first on eviction: mark this one used.
        if let Ok(file) = File::options().write(true).open(entry) {
            let _ = file.set_modified(SystemTime::now());
        }
        Some(module)
    }

    /// Writes `module` as the entry `entry`, then evicts if the cache is over its bounds.
    /// Failures are ignored: the cache only saves time.
    pub fn store(&self, module: &Module, entry: &Path) {
        let Ok(body) = module.serialize() else { return };
        let name = entry.file_name().map(|n| n.to_string_lossy().into_owned());
        let temp = self.modules.join(format!(
            ".{}.{}.tmp",
            name.unwrap_or_default(),
            std::process::id()
        ));
        // Written aside and renamed into place: a reader sees a whole old entry, a whole new
        // one or none, and concurrent writers of the same entry (identical bytes) cannot mix.
        let written = File::create(&temp).and_then(|mut f| {
            f.write_all(&body)?;
            f.write_all(&Sha256::digest(&body))?;
            f.write_all(TRAILER_TAG)
        });
        if written.and_then(|()| fs::rename(&temp, entry)).is_err() {
            let _ = fs::remove_file(&temp);
            return;
        }
        self.evict();
    }

    /// Deletes the least recently used entries while the cache is over a bound, and stale
    /// temporary files. Only files named as this module names them are touched.
    fn evict(&self) {
        let Ok(dir) = fs::read_dir(&self.modules) else {
            return;
        };
        let now = SystemTime::now();
        let mut entries = Vec::new();
        for item in dir.flatten() {
            let name = item.file_name();
            let name = name.to_string_lossy();
            let Ok(meta) = item.metadata() else { continue };
            let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            if is_entry_name(&name) {
                entries.push((modified, meta.len(), item.path()));
            } else if name.starts_with('.')
                && name.ends_with(".tmp")
                && now.duration_since(modified).unwrap_or_default() > STALE_TEMP
            {
                let _ = fs::remove_file(item.path());
            }
        }
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        let mut count = entries.len();
        if total <= SIZE_LIMIT && count <= COUNT_LIMIT {
            return;
        }
        let size_goal = SIZE_LIMIT / 100 * EVICT_TO_PERCENT;
        let count_goal = COUNT_LIMIT * EVICT_TO_PERCENT as usize / 100;
        entries.sort();
        for (_, len, path) in entries {
            if total <= size_goal && count <= count_goal {
                break;
            }
            if fs::remove_file(&path).is_ok() {
                total -= len;
                count -= 1;
            }
        }
    }
}

/// `<64 hex digits>.cwasm`.
fn is_entry_name(name: &str) -> bool {
    name.strip_suffix(".cwasm")
        .is_some_and(|key| key.len() == 64 && key.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Feeds what a `Hash` implementation writes into SHA-256: a key that is stable across runs,
/// unlike `DefaultHasher`'s.
struct ShaHasher(Sha256);

impl Hasher for ShaHasher {
    fn write(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        // Only the digest is used; `Hash` implementations never call `finish`.
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_named_by_their_key() {
        assert!(is_entry_name(&format!("{}.cwasm", "0a".repeat(32))));
        assert!(!is_entry_name("notes.cwasm"));
        assert!(!is_entry_name(&format!(".{}.cwasm.1.tmp", "0a".repeat(32))));
    }

    #[test]
    fn the_key_covers_bytes_and_settings() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let plain = Engine::default();
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true);
        let fuel = Engine::new(&config).unwrap();
        let a = cache.entry_path(&plain, b"\0asm\x01\0\0\0");
        assert_eq!(a, cache.entry_path(&plain, b"\0asm\x01\0\0\0"));
        assert_ne!(a, cache.entry_path(&plain, b"\0asm\x01\0\0\0\0"));
        assert_ne!(a, cache.entry_path(&fuel, b"\0asm\x01\0\0\0"));
    }

    #[test]
    fn a_damaged_entry_is_not_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let engine = Engine::default();
        let wasm = wat::parse_str("(module (func (export \"f\")))").unwrap();
        let entry = cache.entry_path(&engine, &wasm);
        cache.store(&Module::new(&engine, &wasm).unwrap(), &entry);
        assert!(cache.load(&engine, &entry).is_some());
        let good = fs::read(&entry).unwrap();
        // Every byte matters: a flipped bit anywhere is noticed.
        for i in (0..good.len()).step_by(good.len() / 97 + 1) {
            let mut bad = good.clone();
            bad[i] ^= 0x10;
            fs::write(&entry, &bad).unwrap();
            assert!(cache.load(&engine, &entry).is_none(), "flip at {i}");
        }
        fs::write(&entry, &good[..good.len() - 1]).unwrap();
        assert!(cache.load(&engine, &entry).is_none());
    }
}
