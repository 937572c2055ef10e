//! Our extensions to WITX, written as `;;;` doc-comment lines that start with `@` (WITX keeps
//! doc comments but rejects unknown annotations, and the official tools ignore the lines):
//!
//! - on a module: `@import NAME` — the core import module the functions are linked under,
//!   when it differs from the WITX module name (the WasmEdge socket extension lives in
//!   `wasi_snapshot_preview1`; a spec's own WITX module keeps its own name and trait);
//! - on a function: `@import NAME` — the core import name (`thread-spawn`; or `sock_accept`
//!   for a function `sock_accept_v1` that is one of several variants of one import, chosen by
//!   each module's imported signature);
//! - on a `noreturn` function: `@ends program` or `@ends thread` — what its default body does
//!   with its one `u32` argument: end the whole program with that status (`proc_exit`), or only
//!   the calling thread (WASIX `thread_exit`); without it the default body traps;
//! - on a parameter: `@one` — a pointer to one value, even where a `size` parameter follows
//!   (the generator otherwise reads "pointers, then a size" as arrays of that many elements).
//!
//! Directive lines are removed from the documentation the generated code carries.

/// The directives of one doc comment, and the rest of its text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Directives {
    /// `@import NAME`.
    pub import: Option<String>,
    /// `@one`.
    pub one: bool,
    /// `@ends program|thread`.
    pub ends: Option<Ends>,
    /// The doc text without directive lines.
    pub text: String,
}

/// What a `noreturn` function ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ends {
    /// The whole program (every thread).
    Program,
    /// The calling thread only.
    Thread,
}

/// Splits `docs` into directives and text; an unknown directive is an error, so that a typo
/// does not silently change the ABI.
pub fn parse(docs: &str) -> Result<Directives, String> {
    let mut d = Directives::default();
    let mut text = Vec::new();
    for line in docs.lines() {
        let Some(directive) = line.trim().strip_prefix('@') else {
            text.push(line);
            continue;
        };
        let mut words = directive.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("import"), Some(name), None) if d.import.is_none() => {
                d.import = Some(name.to_string())
            }
            (Some("one"), None, None) => d.one = true,
            (Some("ends"), Some("program"), None) if d.ends.is_none() => {
                d.ends = Some(Ends::Program)
            }
            (Some("ends"), Some("thread"), None) if d.ends.is_none() => d.ends = Some(Ends::Thread),
            _ => return Err(format!("unknown or repeated WITX directive `@{directive}`")),
        }
    }
    d.text = text.join("\n");
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directives_are_read_and_removed() {
        let d = parse("Accepts.\n@import sock_accept\nMore.").unwrap();
        assert_eq!(d.import.as_deref(), Some("sock_accept"));
        assert!(!d.one);
        assert_eq!(d.text, "Accepts.\nMore.");
        let d = parse(" @one").unwrap();
        assert!(d.one && d.text.is_empty());
    }

    #[test]
    fn typos_and_repeats_are_errors() {
        assert!(parse("@imprt x").is_err());
        assert!(parse("@import a\n@import b").is_err());
        assert!(parse("@import").is_err());
        assert!(parse("@one two").is_err());
        assert!(parse("@ends process").is_err());
        assert_eq!(parse("@ends thread").unwrap().ends, Some(Ends::Thread));
    }
}
