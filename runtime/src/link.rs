//! Linking by a module's imports: each generated document lists its functions as
//! [`ImportSpec`]s, and a module gets, for each import it names, the function whose core
//! signature matches what it imports. Several functions may share one import name (the
//! WasmEdge socket calls have two arities under one name, and one real guest mixes them).

use std::fmt;

use wasmtime::{ExternType, Instance, Linker, Module, Store, ValType};

use crate::guest::{MemoryBinding, instantiate_bound};

/// A core wasm value type in an import's signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CoreType {
    /// `i32`.
    I32,
    /// `i64`.
    I64,
    /// `f32`.
    F32,
    /// `f64`.
    F64,
}

impl CoreType {
    fn of(t: &ValType) -> Option<CoreType> {
        match t {
            ValType::I32 => Some(CoreType::I32),
            ValType::I64 => Some(CoreType::I64),
            ValType::F32 => Some(CoreType::F32),
            ValType::F64 => Some(CoreType::F64),
            _ => None,
        }
    }
}

impl fmt::Display for CoreType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CoreType::I32 => "i32",
            CoreType::I64 => "i64",
            CoreType::F32 => "f32",
            CoreType::F64 => "f64",
        })
    }
}

/// One generated function: where it is imported from and its core signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSpec {
    /// The import module (`wasi_snapshot_preview1`, `wasix_32v1`, `wasi`).
    pub module: &'static str,
    /// The import name.
    pub name: &'static str,
    /// The WITX module that declares it.
    pub witx_module: &'static str,
    /// Its WITX name (unique in its module; differs from `name` for variants).
    pub function: &'static str,
    /// Core parameter types.
    pub params: &'static [CoreType],
    /// Core result types.
    pub results: &'static [CoreType],
}

struct Signature<'a>(&'a [CoreType], &'a [CoreType]);

impl fmt::Display for Signature<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, types: &[CoreType]| -> fmt::Result {
            f.write_str("(")?;
            for (i, t) in types.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{t}")?;
            }
            f.write_str(")")
        };
        list(f, self.0)?;
        f.write_str(" -> ")?;
        list(f, self.1)
    }
}

/// A module imports a function we have under that name, but with a signature none of our
/// variants has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureMismatch {
    /// `module.name` of the import.
    pub import: String,
    /// The module's signature, as text.
    pub wanted: String,
    /// The signatures on offer, with their WITX names.
    pub offered: Vec<String>,
}

impl fmt::Display for SignatureMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "import `{}` has signature {}; this host offers {}",
            self.import,
            self.wanted,
            self.offered.join(", ")
        )
    }
}

impl std::error::Error for SignatureMismatch {}

/// For each function `module` imports that one of `specs` provides, the spec whose core
/// signature matches the import's; imports none of them names are left out (the linker
/// reports those as unknown).
pub fn choose<'s>(
    module: &Module,
    specs: &[&'s [ImportSpec]],
) -> Result<Vec<&'s ImportSpec>, SignatureMismatch> {
    let mut chosen = Vec::new();
    for import in module.imports() {
        let ExternType::Func(ty) = import.ty() else {
            continue;
        };
        let mut candidates = specs
            .iter()
            .flat_map(|s| s.iter())
            .filter(|s| s.module == import.module() && s.name == import.name())
            .peekable();
        if candidates.peek().is_none() {
            continue;
        }
        let params: Option<Vec<CoreType>> = ty.params().map(|t| CoreType::of(&t)).collect();
        let results: Option<Vec<CoreType>> = ty.results().map(|t| CoreType::of(&t)).collect();
        let all: Vec<&ImportSpec> = candidates.collect();
        let found = match (&params, &results) {
            (Some(p), Some(r)) => all
                .iter()
                .find(|s| s.params == p.as_slice() && s.results == r.as_slice()),
            _ => None,
        };
        match found {
            Some(spec) => chosen.push(*spec),
            None => {
                return Err(SignatureMismatch {
                    import: format!("{}.{}", import.module(), import.name()),
                    wanted: ty.to_string(),
                    offered: all
                        .iter()
                        .map(|s| format!("`{}` {}", s.function, Signature(s.params, s.results)))
                        .collect(),
                });
            }
        }
    }
    Ok(chosen)
}

/// Instantiates `module` with the functions of `specs` it imports, each chosen by its
/// signature and bound to this instance (see [`instantiate_bound`]); `define` registers one
/// chosen function, typically by calling the generated `define` of the spec's document.
/// Other imports come from `linker`.
pub fn instantiate<T: 'static>(
    store: &mut Store<T>,
    linker: &Linker<T>,
    module: &Module,
    specs: &[&'static [ImportSpec]],
    mut define: impl FnMut(&mut Linker<T>, &ImportSpec, &MemoryBinding) -> wasmtime::Result<bool>,
) -> wasmtime::Result<Instance> {
    let chosen = choose(module, specs)?;
    instantiate_bound(store, linker, module, |linker, memory| {
        for spec in chosen {
            if !define(linker, spec, memory)? {
                return Err(wasmtime::Error::msg(format!(
                    "no host function `{}` for import `{}.{}`",
                    spec.function, spec.module, spec.name
                )));
            }
        }
        Ok(())
    })
}
