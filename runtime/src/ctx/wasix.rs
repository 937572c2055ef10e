//! WASIX's per-program state a context holds (its calls are `host::wasix`'s).

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

/// WASIX's state of one program, beside preview1's in [`WasiCtx`](super::WasiCtx).
#[derive(Debug, Clone)]
pub(crate) struct WasixState {
    /// The working directory: an absolute guest path inside a preopen (`cwd`).
    pub cwd: String,
    /// Terminal modes last set (`tty`).
    pub tty: TtyModes,
}

impl Default for WasixState {
    fn default() -> Self {
        WasixState {
            cwd: "/".to_string(),
            tty: TtyModes::default(),
        }
    }
}
