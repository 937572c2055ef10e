//! What each core parameter of a function means, read from the WITX of its spec: a
//! descriptor, a path, a byte buffer and its length, subscriptions, a result pointer, flags,
//! an enum. The fuzzer gives such a parameter mostly plausible values (so that calls get past
//! the first check and reach the host's own code) and sometimes hostile ones.
//!
//! Every folder of `witx/` is read, so a spec added there gets shapes without edits here; a
//! function whose WITX cannot be found, or whose lowering here does not match its core
//! signature in `IMPORTS`, is fuzzed by core types alone.

use std::collections::HashMap;
use std::path::Path;

use wasi_host::link::ImportSpec;
use witx::{BuiltinType, InterfaceFuncParam, Type, TypeRef};

/// The meaning of one core parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A descriptor.
    Fd,
    /// A string's pointer; its length follows.
    Str,
    /// A byte buffer's pointer; its length follows, now or after other pointers.
    Bytes,
    /// An iovec array's pointer; its count follows.
    Iovecs,
    /// A subscription array's pointer; its count follows later.
    Subs,
    /// The length or count of the region chosen last.
    Len,
    /// Where a result (or an array of them) is written.
    Out,
    /// A WasmEdge socket `address`: a record pointing at the address bytes and their length.
    Address,
    /// A WASIX `addr_port`: a family byte, then the port and address.
    AddrPort,
    /// Where a new descriptor is written: after a success the fuzzer reads it, and later
    /// calls use it.
    OutFd,
    /// Flags with this many defined bits.
    Flags(u32),
    /// An enum with this many cases.
    Enum(u32),
    /// A 32-bit number.
    Int,
    /// A 64-bit number (sizes, offsets, timestamps).
    Wide,
}

/// Shapes per `(WITX module, function)`.
pub struct Shapes(HashMap<(String, String), Vec<Shape>>);

impl Shapes {
    /// Reads every spec under `witx/`; a folder that does not load is skipped.
    pub fn load() -> Shapes {
        let mut map = HashMap::new();
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../witx");
        let folders = std::fs::read_dir(root).into_iter().flatten().flatten();
        for folder in folders {
            let files = std::fs::read_dir(folder.path())
                .into_iter()
                .flatten()
                .flatten();
            for file in files {
                // The entry point is the file holding the `(module …)`.
                let path = file.path();
                let is_entry = std::fs::read_to_string(&path).is_ok_and(|t| t.contains("(module"));
                if !is_entry {
                    continue;
                }
                let Ok(doc) = witx::load(&[&path]) else {
                    continue;
                };
                for module in doc.modules() {
                    for func in module.funcs() {
                        let shapes = lower(&func.params, &func.results);
                        let key = (
                            module.name.as_str().to_string(),
                            func.name.as_str().to_string(),
                        );
                        map.insert(key, shapes);
                    }
                }
            }
        }
        Shapes(map)
    }

    /// The shapes of `spec`'s core parameters, if known and consistent with its signature.
    pub fn of(&self, spec: &ImportSpec) -> Option<Vec<Shape>> {
        let key = (spec.witx_module.to_string(), spec.function.to_string());
        let shapes = self.0.get(&key)?;
        // Numbers take the core type's width; everything else is a 32-bit value.
        let number = |s: &Shape| {
            matches!(
                s,
                Shape::Wide | Shape::Int | Shape::Flags(_) | Shape::Enum(_)
            )
        };
        let agrees = shapes.len() == spec.params.len()
            && shapes
                .iter()
                .zip(spec.params)
                .all(|(s, t)| number(s) || *t == wasi_host::link::CoreType::I32);
        agrees.then(|| shapes.clone())
    }
}

/// The core parameters of a function, as the bindings lower them: a list is a pointer and a
/// length, every other parameter one value, and each result of `(expected …)` a pointer.
fn lower(params: &[InterfaceFuncParam], results: &[InterfaceFuncParam]) -> Vec<Shape> {
    let mut out = Vec::new();
    for p in params {
        match &**p.tref.type_() {
            Type::List(elem) => {
                out.push(match &**elem.type_() {
                    Type::Builtin(BuiltinType::Char) => Shape::Str,
                    Type::Builtin(BuiltinType::U8 { .. }) => Shape::Bytes,
                    Type::Record(r) if r.members.len() == 2 => Shape::Iovecs,
                    _ => Shape::Out,
                });
                out.push(Shape::Len);
            }
            Type::Pointer(t) | Type::ConstPointer(t) => out.push(pointer(t)),
            Type::Handle(_) => out.push(Shape::Fd),
            Type::Builtin(b) => out.push(match b {
                BuiltinType::U64 | BuiltinType::S64 => Shape::Wide,
                BuiltinType::U32 {
                    lang_ptr_size: true,
                } => Shape::Len,
                _ => Shape::Int,
            }),
            Type::Variant(v) if v.is_enum() || v.is_bool() => {
                out.push(Shape::Enum(v.cases.len() as u32))
            }
            Type::Record(r) => out.push(match r.bitflags_repr() {
                Some(_) => Shape::Flags(r.members.len() as u32),
                None => Shape::Int,
            }),
            Type::Variant(_) => out.push(Shape::Int),
        }
        if is_size(p) {
            out.pop();
            out.push(Shape::Len);
        }
    }
    if let Some(result) = results.first()
        && let Type::Variant(v) = &**result.tref.type_()
        && let Some((Some(ok), _)) = v.as_expected()
    {
        let values: Vec<&TypeRef> = match &**ok.type_() {
            Type::Record(r) if r.is_tuple() => r.members.iter().map(|m| &m.tref).collect(),
            _ => vec![ok],
        };
        out.extend(values.into_iter().map(|t| match &**t.type_() {
            Type::Handle(_) => Shape::OutFd,
            _ => Shape::Out,
        }));
    }
    out
}

fn pointer(t: &TypeRef) -> Shape {
    match (&**t.type_(), t) {
        (Type::Builtin(BuiltinType::U8 { .. }), _) => Shape::Bytes,
        (_, TypeRef::Name(n)) if n.name.as_str() == "subscription" => Shape::Subs,
        (_, TypeRef::Name(n)) if n.name.as_str() == "address" => Shape::Address,
        (_, TypeRef::Name(n)) if n.name.as_str() == "addr_port" => Shape::AddrPort,
        _ => Shape::Out,
    }
}

fn is_size(p: &InterfaceFuncParam) -> bool {
    matches!(&p.tref, TypeRef::Name(n) if n.name.as_str() == "size")
}
