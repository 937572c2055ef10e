//! WASIX's per-program state a context holds (its calls are `host::wasix`'s).

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The modes `tty_set` last asked for, reported where no terminal can say.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TtyModes {
    pub(crate) echo: bool,
    pub(crate) line_buffered: bool,
    pub(crate) line_feeds: bool,
}

impl Default for TtyModes {
    fn default() -> Self {
        // A terminal's usual ("cooked") state.
        TtyModes {
            echo: true,
            line_buffered: true,
            line_feeds: true,
        }
    }
}

/// WASIX's state of one program, beside preview1's in [`WasiCtx`](super::WasiCtx): one per
/// program, shared by the contexts of all its threads (cloning the handle shares it), so a
/// `chdir` on one thread is what `getcwd` sees on every other. The lock is held only to copy a
/// field in or out, never across a system call.
#[derive(Debug, Clone, Default)]
pub(crate) struct WasixState(Arc<Mutex<WasixData>>);

/// What [`WasixState`] holds.
#[derive(Debug, Clone)]
pub(crate) struct WasixData {
    /// The working directory: an absolute guest path inside a preopen (`cwd`).
    pub cwd: String,
    /// Terminal modes last set (`tty`).
    pub tty: TtyModes,
}

impl Default for WasixData {
    fn default() -> Self {
        WasixData {
            cwd: "/".to_string(),
            tty: TtyModes::default(),
        }
    }
}

impl WasixState {
    /// The state, locked (a panic elsewhere while it was held leaves plain data behind).
    pub(crate) fn lock(&self) -> MutexGuard<'_, WasixData> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
