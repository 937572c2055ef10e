//! Generates typed wasmtime host bindings from WITX.
//!
//! [`generate`] walks a parsed `witx::Document` and returns Rust tokens: one type per
//! typename (`types`), error-type extras, one trait per module (`module_trait`) and its
//! `wasmtime::Linker` glue (`glue`), all following one per-function plan (`funcs`). The
//! tokens refer to the `wasi-host` runtime crate through [`Config::runtime`].

pub mod annotations;
mod delegate;
mod funcs;
mod glue;
mod layout;
mod module_trait;
mod names;
mod types;

use std::fmt;

use proc_macro2::TokenStream;
use quote::quote;
use witx::{Document, Type, TypeRef};

/// Where generated code finds the runtime, and the already generated documents whose types
/// it reuses.
#[derive(Clone)]
pub struct Config {
    /// Path of the `wasi-host` crate: `crate` inside it, `::wasi_host` elsewhere.
    pub runtime: TokenStream,
    /// Documents generated elsewhere, each with the Rust path of its generated module.
    pub shared: Vec<SharedTypes>,
}

/// A document whose typenames are generated already, at `path`. A document that `use`s the
/// same WITX definitions gets `pub use` items for them instead of new types, so that values
/// pass between the two without conversion.
#[derive(Clone)]
pub struct SharedTypes {
    /// The typenames, from the loaded document.
    pub types: Vec<std::rc::Rc<witx::NamedType>>,
    /// Where their Rust types live (`crate::preview1`, `::wasi_host::preview1`).
    pub path: TokenStream,
}

/// preview1's typenames, which every extended spec builds on.
const PREVIEW1_TYPENAMES: &str = include_str!("../../../witx/preview1/typenames.witx");

impl SharedTypes {
    /// preview1's typenames, generated at `path` (`crate::preview1` inside the runtime,
    /// `::wasi_host::preview1` elsewhere).
    pub fn preview1(path: TokenStream) -> Self {
        let doc = witx::parse(PREVIEW1_TYPENAMES).expect("witx/preview1/typenames.witx parses");
        SharedTypes {
            types: doc.typenames().collect(),
            path,
        }
    }

    /// The typenames of the WITX file at `witx_path`, generated at `path`.
    pub fn load(witx_path: &std::path::Path, path: TokenStream) -> Result<Self, Error> {
        let doc = witx::load(&[witx_path]).map_err(|e| Error::new(e.report()))?;
        Ok(SharedTypes {
            types: doc.typenames().collect(),
            path,
        })
    }
}

impl Config {
    /// For code compiled inside the `wasi-host` crate.
    pub fn inside_runtime() -> Self {
        Config {
            runtime: quote!(crate),
            shared: Vec::new(),
        }
    }

    /// For code compiled in a crate that depends on `wasi-host`: preview1's types are
    /// reused from `::wasi_host::preview1`.
    pub fn outside_runtime() -> Self {
        Config {
            runtime: quote!(::wasi_host),
            shared: vec![SharedTypes::preview1(quote!(::wasi_host::preview1))],
        }
    }

    /// Reuses the types of `shared` where a document defines the same typenames.
    pub fn sharing(mut self, shared: SharedTypes) -> Self {
        self.shared.push(shared);
        self
    }
}

/// Context shared by the generator's modules.
pub(crate) struct Cx {
    pub rt: TokenStream,
    pub shared: Vec<SharedTypes>,
}

impl Cx {
    /// Where `nt` is generated already, if a shared document has the identical definition.
    pub fn shared_path(&self, nt: &witx::NamedType) -> Option<&TokenStream> {
        self.shared
            .iter()
            .find(|s| s.types.iter().any(|t| **t == *nt))
            .map(|s| &s.path)
    }

    /// The shared enum `nt` may extend: one with the same name, or the shared `errno` (an
    /// extension that `use`s preview1's typenames must give its own errno another name).
    pub fn shared_namesake(
        &self,
        nt: &witx::NamedType,
    ) -> Option<(&TokenStream, std::rc::Rc<witx::NamedType>)> {
        self.shared.iter().find_map(|s| {
            s.types
                .iter()
                .find(|t| t.name == nt.name || (t.name.as_str() == "errno" && &***t != nt))
                .map(|t| (&s.path, t.clone()))
        })
    }
}

/// A WITX construct the generator cannot bind.
#[derive(Debug, Clone)]
pub struct Error(String);

impl Error {
    pub(crate) fn new(msg: impl Into<String>) -> Self {
        Error(msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

/// Generates bindings for every typename and module in `doc`.
///
/// With one module the registration function is `add_to_linker`; with several, each is
/// `add_<module>_to_linker`.
pub fn generate(doc: &Document, config: &Config) -> Result<TokenStream, Error> {
    let cx = Cx {
        rt: config.runtime.clone(),
        shared: config.shared.clone(),
    };
    let rt = &cx.rt;
    // Signatures name these short, so that the trait reads like documentation.
    let mut out = quote! {
        #[allow(unused_imports)]
        use #rt::guest::{GuestAddr, GuestArray, GuestArrayMut, GuestBuf, GuestBufMut, GuestPtr, Iovecs, IovecsMut};
        #[allow(unused_imports)]
        use #rt::{CallError, Trap};
    };
    out.extend(types::generate(doc, &cx)?);

    // Error types get Display, Error and the guest-error mapping.
    let mut errors: Vec<TypeRef> = doc.error_types().collect();
    errors.dedup();
    for e in &errors {
        let TypeRef::Name(nt) = e else {
            return Err(Error::new("error types must be named enums"));
        };
        match &**nt.type_() {
            // A shared error type has its extras where it is generated.
            Type::Variant(_) if cx.shared_path(nt).is_some() => {}
            Type::Variant(v) if v.is_enum() => out.extend(types::error_extras(nt, v, &cx)),
            _ => {
                return Err(Error::new(format!(
                    "error type `{}` must be an enum",
                    nt.name.as_str()
                )));
            }
        }
    }
    let has_nosys = |e: &TokenStream| {
        errors.iter().any(|t| match t {
            TypeRef::Name(nt) => {
                names::type_ident(nt.name.as_str()) == e.to_string()
                    && matches!(&**nt.type_(), Type::Variant(v) if v.cases.iter().any(|c| c.name.as_str() == "nosys"))
            }
            _ => false,
        })
    };

    let modules: Vec<_> = doc.modules().collect();
    // The plans borrow the functions, which the document hands out as `Rc`s.
    let functions: Vec<Vec<_>> = modules.iter().map(|m| m.funcs().collect()).collect();
    let mut planned = Vec::new();
    for (module, functions) in modules.iter().zip(&functions) {
        let directives = annotations::parse(&module.docs)
            .map_err(|e| Error::new(format!("module `{}`: {e}", module.name.as_str())))?;
        if directives.one {
            return Err(Error::new("`@one` belongs on a parameter"));
        }
        let funcs = functions
            .iter()
            .map(|f| funcs::plan(f, &cx))
            .collect::<Result<Vec<_>, _>>()?;
        out.extend(module_trait::generate(
            module,
            &directives.text,
            &funcs,
            &has_nosys,
            &cx.rt,
        ));
        planned.push(glue::PlannedModule {
            module,
            import: directives
                .import
                .unwrap_or_else(|| module.name.as_str().to_string()),
            funcs,
        });
    }
    for m in &planned {
        out.extend(glue::generate_module(m, &cx));
    }
    out.extend(glue::generate_document(&planned, &cx));
    Ok(out)
}

/// Generates bindings for the WITX file at `witx_path` (and what it `use`s) as a formatted
/// Rust source file, starting with a header naming its source.
pub fn render_file(
    witx_path: &std::path::Path,
    source_name: &str,
    config: &Config,
) -> Result<String, Error> {
    let doc = witx::load(&[witx_path]).map_err(|e| Error::new(e.report()))?;
    let tokens = generate(&doc, config)?;
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| Error::new(format!("generated code does not parse: {e}")))?;
    Ok(format!(
        "// @generated by `cargo xtask codegen` from `{source_name}`. Do not edit: change the\n\
         // WITX or the generator in `macros/codegen`, then run `cargo xtask codegen`.\n\
         // Memory-safety rules for the views used below: docs/guest-memory.md.\n\n{}",
        with_safety_comments(&prettyplease::unparse(&file))
    ))
}

/// Why every `unsafe` block the glue emits is sound. Token streams carry no comments, so the
/// rendered file gets them here, above each block.
const VIEW_SAFETY: &str = "// SAFETY: bounds are checked inside; the last argument lets the view hand out \
     references into guest memory only where `glue::direct_modes` proved that no other view of \
     this call can alias them (docs/guest-memory.md).";

fn with_safety_comments(source: &str) -> String {
    let mut out = String::with_capacity(source.len() + source.len() / 8);
    for line in source.lines() {
        if line.contains("= unsafe {") {
            let indent = &line[..line.len() - line.trim_start().len()];
            out.push_str(indent);
            out.push_str(VIEW_SAFETY);
            out.push('\n');
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
