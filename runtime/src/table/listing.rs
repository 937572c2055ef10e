//! The directory listing a directory descriptor caches for `fd_readdir` (its reading and
//! serving are `host::dir`'s).

use crate::preview1::Filetype;

/// One entry of a [`Listing`]; its name ends at `end` in [`Listing::names`].
pub(crate) struct Entry {
    pub(crate) ino: u64,
    pub(crate) end: usize,
    pub(crate) filetype: Filetype,
}

/// A directory listing read once and served by cookie: `.`, `..`, then the directory's entries
/// in the order the host returned them.
pub(crate) struct Listing {
    /// Every name, back to back (one allocation instead of one per entry).
    pub(crate) names: Vec<u8>,
    pub(crate) entries: Vec<Entry>,
}
