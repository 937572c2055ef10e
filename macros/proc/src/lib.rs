//! `bindings!`: typed wasmtime host bindings for your own `.witx`, generated at compile time.
//!
//! ```ignore
//! mod my_api {
//!     wasi_host::bindings!("witx/my_api.witx");
//! }
//! ```
//!
//! The path is relative to the invoking crate's `Cargo.toml`. The expansion is what
//! `wasi-host-codegen` generates for the file: one type per typename, one trait per module, and
//! `add_to_linker` (see the `wasi-host` documentation). It imports a few `wasi_host` names, so
//! give it a module of its own.

use std::path::PathBuf;

use proc_macro::TokenStream;
use quote::quote;
use syn::{LitStr, parse_macro_input};

/// Generates bindings for the WITX file at the given path (relative to `CARGO_MANIFEST_DIR`).
#[proc_macro]
pub fn bindings(input: TokenStream) -> TokenStream {
    let lit = parse_macro_input!(input as LitStr);
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_default();
    let path = dir.join(lit.value());
    let error = |msg: String| syn::Error::new(lit.span(), msg).to_compile_error().into();
    let doc = match witx::load(&[&path]) {
        Ok(doc) => doc,
        Err(e) => return error(format!("cannot load {}: {}", path.display(), e.report())),
    };
    let tokens =
        match wasi_host_codegen::generate(&doc, &wasi_host_codegen::Config::outside_runtime()) {
            Ok(tokens) => tokens,
            Err(e) => return error(format!("cannot bind {}: {e}", path.display())),
        };
    // Rebuild when the file, or a file it `use`s, changes.
    let tracked: Vec<String> = witx_files(&path)
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    quote! {
        #(const _: &[u8] = include_bytes!(#tracked);)*
        #tokens
    }
    .into()
}

/// `path` and every file it `use`s, directly or not (the paths witx itself would read).
fn witx_files(path: &std::path::Path) -> Vec<PathBuf> {
    let mut files = vec![path.to_path_buf()];
    let mut i = 0;
    while i < files.len() {
        let text = std::fs::read_to_string(&files[i]).unwrap_or_default();
        let dir = files[i].parent().map(PathBuf::from).unwrap_or_default();
        for rest in text.split("(use").skip(1) {
            let used = rest
                .trim_start()
                .strip_prefix('"')
                .and_then(|r| r.split('"').next());
            if let Some(used) = used {
                let used = dir.join(used);
                if !files.contains(&used) {
                    files.push(used);
                }
            }
        }
        i += 1;
    }
    files
}
