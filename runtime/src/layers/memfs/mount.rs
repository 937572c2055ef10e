//! The placeholder directory that gives the mount its descriptor.

use std::io;
use std::path::{Path, PathBuf};

use crate::WasiCtxBuilder;

/// An empty directory on the host, preopened read-only where the in-memory filesystem is
/// mounted: it gives the mount its descriptor. Removed when dropped.
pub struct MountPoint {
    pub(super) path: PathBuf,
    pub(super) guest: String,
}

impl MountPoint {
    /// Creates the placeholder and preopens it in `builder` as `guest` (e.g. `/mem`).
    pub fn add(builder: &mut WasiCtxBuilder, guest: &str) -> io::Result<MountPoint> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "wasi-host-memfs-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir(&path)?;
        builder.preopen_dir_read_only(&path, guest);
        Ok(MountPoint {
            path,
            guest: guest.to_string(),
        })
    }

    /// The placeholder directory on the host.
    pub fn host_path(&self) -> &Path {
        &self.path
    }
}

impl Drop for MountPoint {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.path);
    }
}
