//! How WITX identifiers become Rust identifiers.

use proc_macro2::{Ident, Span};

/// `fd_readwrite` → `FdReadwrite`; a leading digit gets `prefix` in front (`2big` → `E2big`).
pub fn upper_camel(name: &str, prefix: &str) -> String {
    let mut out = String::new();
    for word in name.split(['_', '-']).filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, prefix);
    }
    out
}

/// `fd_datasync` → `FD_DATASYNC`.
pub fn shouty(name: &str) -> String {
    let s = name.replace('-', "_").to_uppercase();
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        format!("_{s}")
    } else {
        s
    }
}

/// A snake-case identifier; Rust keywords get a trailing underscore (`in` → `in_`).
pub fn snake(name: &str) -> Ident {
    let s = name.replace('-', "_");
    if is_keyword(&s) {
        Ident::new(&format!("{s}_"), Span::call_site())
    } else {
        Ident::new(&s, Span::call_site())
    }
}

/// The Rust type name for a WITX type name.
pub fn type_ident(name: &str) -> Ident {
    Ident::new(&upper_camel(name, "T"), Span::call_site())
}

/// The Rust variant name for an enum case of type `type_name`.
pub fn case_ident(type_name: &str, case: &str) -> Ident {
    let prefix = upper_camel(type_name, "T");
    Ident::new(&upper_camel(case, &prefix[..1]), Span::call_site())
}

/// The Rust const name for a flag.
pub fn flag_ident(flag: &str) -> Ident {
    Ident::new(&shouty(flag), Span::call_site())
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "try"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
    )
}

/// Doc attributes for a WITX doc string, one per line.
pub fn docs(text: &str) -> proc_macro2::TokenStream {
    let lines = text.trim_end().lines().map(|line| {
        let line = if line.is_empty() {
            String::new()
        } else {
            format!(" {line}")
        };
        quote::quote!(#[doc = #line])
    });
    quote::quote!(#(#lines)*)
}

/// The first sentence of a doc string, without its final period (for `Display`).
pub fn first_sentence(text: &str) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let end = flat.find(". ").map(|i| i + 1).unwrap_or(flat.len());
    flat[..end].trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(upper_camel("fd_readwrite", "T"), "FdReadwrite");
        assert_eq!(upper_camel("2big", "E"), "E2big");
        assert_eq!(case_ident("errno", "2big").to_string(), "E2big");
        assert_eq!(shouty("fd_datasync"), "FD_DATASYNC");
        assert_eq!(snake("in").to_string(), "in_");
        assert_eq!(snake("type").to_string(), "type_");
        assert_eq!(snake("fd").to_string(), "fd");
        assert_eq!(first_sentence("No such file.\nMore text."), "No such file");
        assert_eq!(
            first_sentence("Bad  file\n descriptor"),
            "Bad file descriptor"
        );
    }
}
