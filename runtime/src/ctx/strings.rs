//! The arguments and environment a context holds.

use crate::preview1::{Errno, Size};

/// The arguments or the environment of a guest, with what `*_sizes_get` reports for them
/// counted once (a guest may ask often, and an environment may hold thousands of variables).
pub(crate) struct GuestStrings {
    pub(crate) strings: Vec<String>,
    /// The count and the bytes the strings take NUL-terminated; `EOVERFLOW` if either does not
    /// fit a guest `size`.
    pub(crate) sizes: Result<(Size, Size), Errno>,
}

impl GuestStrings {
    pub(crate) fn new(strings: Vec<String>) -> Self {
        let bytes = strings.iter().map(|s| s.len() + 1).sum::<usize>();
        let sizes = match (Size::try_from(strings.len()), Size::try_from(bytes)) {
            (Ok(count), Ok(bytes)) => Ok((count, bytes)),
            _ => Err(Errno::Overflow),
        };
        GuestStrings { strings, sizes }
    }
}
