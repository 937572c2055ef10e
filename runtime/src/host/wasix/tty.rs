//! The terminal (`tty_get`, `tty_set`): whether each standard stream is a terminal, the
//! terminal's size, and its echo and line-buffering modes. Modes are applied to the host
//! terminal only where standard input really is one; otherwise they are only remembered.

use std::os::fd::{AsFd, BorrowedFd};
use std::sync::Arc;

use super::R;
use super::to_bool;
use crate::ctx::WasiCtx;
use crate::ctx::wasix::TtyModes;
use crate::guest::GuestPtr;
use crate::preview1::{Fd, Rights};
use crate::table::Kind;
use crate::wasix::{Bool, Tty};

/// The host terminal behind guest descriptor `n` (0, 1 or 2), if it is one.
/// (Its handle, held for the call: another thread may close the descriptor meanwhile.)
fn terminal(ctx: &WasiCtx, n: u32) -> Option<Arc<Kind>> {
    let entry = ctx.table.get(Fd(n), Rights::empty()).ok()?;
    let is_tty = matches!(&*entry.kind, Kind::File(f) if rustix::termios::isatty(&f.file));
    is_tty.then(|| Arc::clone(&entry.kind))
}

/// The file of a [`terminal`].
fn fd_of(kind: &Kind) -> Option<BorrowedFd<'_>> {
    match kind {
        Kind::File(f) => Some(f.file.as_fd()),
        _ => None,
    }
}

/// `tty_get`. The size is the first terminal's among stdout, stdin and stderr; 0 when no
/// stream is a terminal.
pub(crate) fn get(ctx: &mut WasiCtx) -> R<Tty> {
    let is = [0, 1, 2].map(|n| terminal(ctx, n).is_some());
    let size = [1, 0, 2]
        .into_iter()
        .find_map(|n| terminal(ctx, n))
        .and_then(|k| rustix::termios::tcgetwinsize(fd_of(&k)?).ok());
    let mut modes = ctx.wasix.lock().tty;
    if let Some(t) = terminal(ctx, 0).and_then(|k| rustix::termios::tcgetattr(fd_of(&k)?).ok()) {
        use rustix::termios::{LocalModes, OutputModes};
        modes.echo = t.local_modes.contains(LocalModes::ECHO);
        modes.line_buffered = t.local_modes.contains(LocalModes::ICANON);
        modes.line_feeds = t.output_modes.contains(OutputModes::ONLCR);
    }
    Ok(Tty {
        cols: size.map_or(0, |s| u32::from(s.ws_col)),
        rows: size.map_or(0, |s| u32::from(s.ws_row)),
        width: size.map_or(0, |s| u32::from(s.ws_xpixel)),
        height: size.map_or(0, |s| u32::from(s.ws_ypixel)),
        stdin_tty: to_bool(is[0]),
        stdout_tty: to_bool(is[1]),
        stderr_tty: to_bool(is[2]),
        echo: to_bool(modes.echo),
        line_buffered: to_bool(modes.line_buffered),
        line_feeds: to_bool(modes.line_feeds),
    })
}

/// `tty_set`: remembers echo, line buffering and line feeds, and sets them on the terminal
/// if standard input is one. Size and stream fields are ignored.
pub(crate) fn set(ctx: &mut WasiCtx, tty: GuestPtr<'_, Tty>) -> R<()> {
    let tty = tty.read()?;
    let modes = TtyModes {
        echo: tty.echo == Bool::Yes,
        line_buffered: tty.line_buffered == Bool::Yes,
        line_feeds: tty.line_feeds == Bool::Yes,
    };
    ctx.wasix.lock().tty = modes;
    if let Some(fd) = terminal(ctx, 0).as_deref().and_then(fd_of) {
        use rustix::termios::{LocalModes, OptionalActions, OutputModes};
        let mut t = rustix::termios::tcgetattr(fd)?;
        t.local_modes.set(LocalModes::ECHO, modes.echo);
        t.local_modes.set(LocalModes::ICANON, modes.line_buffered);
        t.output_modes.set(OutputModes::ONLCR, modes.line_feeds);
        rustix::termios::tcsetattr(fd, OptionalActions::Now, &t)?;
    }
    Ok(())
}
