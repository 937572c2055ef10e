//! ABI comparison of WITX documents, behind `spec-diff` and `spec-check`.
//!
//! Each document is first reduced to an [`Abi`]: for every function, type and
//! constant, a set of named facts (a parameter's type, an enum case's value, a
//! record member's offset, ...) rendered as strings. Two documents are then
//! compared fact by fact. Docs are never part of a fact, so only changes a
//! guest or host could observe are reported.

use crate::upstream::{Phase, Upstream};
use anyhow::{Context, Result, anyhow, bail};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};
use witx::{
    BuiltinType, Document, IntRepr, Layout, NamedType, RecordKind, Type, TypeRef, WasmType,
};

/// Our preview1 spec, relative to the workspace root.
pub const OUR_PREVIEW1: &str = "witx/preview1";

/// One side of a comparison, as written on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A `.witx` file, or a directory whose `.witx` files are loaded together.
    Path(PathBuf),
    /// A snapshot of the pinned upstream spec (`upstream:p0`, `upstream:p1`).
    Upstream(Phase),
}

impl Source {
    /// Parses a command-line argument.
    pub fn parse(arg: &str) -> Result<Source> {
        match arg.strip_prefix("upstream:") {
            Some(name) => Phase::from_name(name).map(Source::Upstream).ok_or_else(|| {
                anyhow!("unknown upstream snapshot `{arg}` (expected upstream:p0 or upstream:p1)")
            }),
            None => Ok(Source::Path(PathBuf::from(arg))),
        }
    }
}

/// A loaded document and how to refer to it in messages.
pub struct Loaded {
    /// The path as given, or the upstream crate, version and directory.
    pub label: String,
    pub doc: Document,
}

/// Loads [`Source`]s, resolving the upstream pin at most once.
pub struct Loader {
    workspace_root: PathBuf,
    upstream: Option<Upstream>,
}

impl Loader {
    /// A loader that finds the upstream pin below `workspace_root`.
    pub fn new(workspace_root: &Path) -> Loader {
        Loader {
            workspace_root: workspace_root.to_path_buf(),
            upstream: None,
        }
    }

    /// The pinned upstream crate, located on first use.
    fn upstream(&mut self) -> Result<&Upstream> {
        if self.upstream.is_none() {
            self.upstream = Some(Upstream::locate(&self.workspace_root)?);
        }
        Ok(self.upstream.as_ref().expect("just located"))
    }

    /// Loads and validates one side of a comparison.
    pub fn load(&mut self, source: &Source) -> Result<Loaded> {
        match source {
            Source::Path(path) => Ok(Loaded {
                label: path.display().to_string(),
                doc: load_path(path)?,
            }),
            Source::Upstream(phase) => {
                let upstream = self.upstream()?;
                let label = upstream.label(*phase);
                let files = upstream.files(*phase)?;
                let doc = load_files(&files).with_context(|| format!("loading {label}"))?;
                Ok(Loaded { label, doc })
            }
        }
    }
}

/// Loads a `.witx` file, or all `.witx` files directly inside a directory
/// (`use` directives pull in anything else they need).
pub fn load_path(path: &Path) -> Result<Document> {
    let files = if path.is_dir() {
        let mut files = Vec::new();
        let entries =
            std::fs::read_dir(path).with_context(|| format!("reading {}", path.display()))?;
        for entry in entries {
            let file = entry
                .with_context(|| format!("reading {}", path.display()))?
                .path();
            if file.is_file() && file.extension().is_some_and(|e| e == "witx") {
                files.push(file);
            }
        }
        // witx reports duplicate definitions in load order; keep that stable.
        files.sort();
        if files.is_empty() {
            bail!("{}: directory contains no .witx files", path.display());
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    load_files(&files).with_context(|| format!("loading {}", path.display()))
}

fn load_files(files: &[PathBuf]) -> Result<Document> {
    // `report()` carries the file, line and offending source, unlike `Display`.
    witx::load(files).map_err(|e| anyhow!("{}", e.report().trim_end()))
}

/// Outcome of `spec-check`.
pub struct CheckReport {
    /// ABI differences from upstream; empty when the check passes.
    pub changes: Vec<Change>,
    /// Label of the upstream snapshot compared against.
    pub upstream: String,
    /// Number of functions in our spec.
    pub functions: usize,
    /// Number of named types in our spec.
    pub types: usize,
}

/// Compares `witx/preview1/` under `workspace_root` with the pinned upstream preview1.
pub fn check(workspace_root: &Path) -> Result<CheckReport> {
    check_dir(
        &workspace_root.join(OUR_PREVIEW1),
        &mut Loader::new(workspace_root),
    )
}

/// Compares the spec in `ours` (file or directory) with the pinned upstream preview1.
fn check_dir(ours: &Path, loader: &mut Loader) -> Result<CheckReport> {
    let ours = load_path(ours)?;
    let upstream = loader.load(&Source::Upstream(Phase::P1))?;
    let ours_abi = Abi::of(&ours);
    Ok(CheckReport {
        changes: diff(&Abi::of(&upstream.doc), &ours_abi),
        upstream: upstream.label,
        functions: ours_abi.function_count(),
        types: ours_abi.types.len(),
    })
}

/// Every ABI-relevant fact of one document.
#[derive(Debug, Default)]
pub struct Abi {
    modules: BTreeMap<String, Module>,
    types: BTreeMap<String, Item>,
    constants: BTreeMap<String, Item>,
}

#[derive(Debug, Default)]
struct Module {
    imports: BTreeMap<String, String>,
    funcs: BTreeMap<String, Item>,
}

/// A function, type or constant: a one-line summary, shown when the whole item
/// appears or disappears, and the facts compared when it exists on both sides.
#[derive(Debug)]
struct Item {
    summary: String,
    facts: BTreeMap<FactKey, String>,
}

/// Orders facts within an item: by group, then position (for positional facts
/// such as parameters), then label (for named ones such as enum cases).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct FactKey {
    group: Group,
    index: usize,
    label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Kind,
    Layout,
    Member,
    Param,
    Result,
    Signature,
}

impl Item {
    fn new(summary: String) -> Item {
        Item {
            summary,
            facts: BTreeMap::new(),
        }
    }

    fn fact(&mut self, group: Group, index: usize, label: impl Into<String>, value: impl ToString) {
        let key = FactKey {
            group,
            index,
            label: label.into(),
        };
        self.facts.insert(key, value.to_string());
    }
}

impl Abi {
    /// Extracts the ABI facts of a loaded document.
    pub fn of(doc: &Document) -> Abi {
        let mut abi = Abi::default();
        for module in doc.modules() {
            let mut m = Module::default();
            for import in module.imports() {
                let kind = match import.variant {
                    witx::ModuleImportVariant::Memory => "memory",
                };
                m.imports
                    .insert(import.name.as_str().to_string(), kind.to_string());
            }
            for func in module.funcs() {
                m.funcs
                    .insert(func.name.as_str().to_string(), func_item(&func));
            }
            abi.modules.insert(module.name.as_str().to_string(), m);
        }
        for ty in doc.typenames() {
            abi.types
                .insert(ty.name.as_str().to_string(), type_item(&ty));
        }
        for c in doc.constants() {
            let mut item = Item::new(c.value.to_string());
            item.fact(Group::Kind, 0, "value", c.value);
            abi.constants
                .insert(format!("{}::{}", c.ty.as_str(), c.name.as_str()), item);
        }
        abi
    }

    /// Number of functions over all modules.
    pub fn function_count(&self) -> usize {
        self.modules.values().map(|m| m.funcs.len()).sum()
    }
}

fn func_item(func: &witx::InterfaceFunc) -> Item {
    let (wasm_params, wasm_results) = func.wasm_signature();
    let wasm = wasm_signature(&wasm_params, &wasm_results);
    let list = |ps: &[witx::InterfaceFuncParam]| {
        let ps: Vec<_> = ps
            .iter()
            .map(|p| format!("{}: {}", p.name.as_str(), tref_str(&p.tref)))
            .collect();
        format!("({})", ps.join(", "))
    };
    let mut summary = format!(
        "{} -> {}; wasm {wasm}",
        list(&func.params),
        list(&func.results)
    );
    if func.noreturn {
        summary.push_str("; noreturn");
    }
    let mut item = Item::new(summary);
    // Keyed by position: for the ABI a parameter is its slot, so a rename or a
    // reordering shows up as a change of that slot.
    for (i, p) in func.params.iter().enumerate() {
        item.fact(Group::Param, i, format!("param {i} name"), p.name.as_str());
        item.fact(
            Group::Param,
            i,
            format!("param {i} type"),
            tref_str(&p.tref),
        );
    }
    for (i, r) in func.results.iter().enumerate() {
        item.fact(
            Group::Result,
            i,
            format!("result {i} name"),
            r.name.as_str(),
        );
        item.fact(
            Group::Result,
            i,
            format!("result {i} type"),
            tref_str(&r.tref),
        );
    }
    item.fact(Group::Signature, 0, "wasm signature", wasm);
    item.fact(
        Group::Signature,
        0,
        "noreturn",
        if func.noreturn { "yes" } else { "no" },
    );
    item
}

fn type_item(nt: &NamedType) -> Item {
    let layout = nt.mem_size_align();
    let (kind, tag) = match &nt.tref {
        TypeRef::Name(target) => (format!("alias of {}", target.name.as_str()), None),
        TypeRef::Value(ty) => kind_and_tag(ty),
    };
    let head = match &tag {
        Some((_, repr)) => format!("{kind}({repr})"),
        None => kind.clone(),
    };
    let summary = format!("{head}, size {}, align {}", layout.size, layout.align);
    let mut item = Item::new(summary);
    item.fact(Group::Kind, 0, "definition", kind);
    if let Some((label, repr)) = tag {
        item.fact(Group::Kind, 0, label, repr);
    }
    item.fact(Group::Layout, 0, "size", layout.size);
    item.fact(Group::Layout, 0, "align", layout.align);

    // An alias's members belong to its target, which is compared on its own.
    let TypeRef::Value(ty) = &nt.tref else {
        return item;
    };
    match &**ty {
        Type::Record(r) => match r.kind {
            RecordKind::Bitflags(_) => {
                for (bit, m) in r.members.iter().enumerate() {
                    item.fact(
                        Group::Member,
                        0,
                        format!("flag {}", m.name.as_str()),
                        format!("bit {bit}"),
                    );
                }
            }
            RecordKind::Tuple | RecordKind::Other => {
                for ml in r.member_layout() {
                    let m = ml.member;
                    let value = format!(
                        "offset {}, size {}, type {}",
                        ml.offset,
                        m.tref.mem_size(),
                        tref_str(&m.tref)
                    );
                    item.fact(
                        Group::Member,
                        0,
                        format!("member {}", m.name.as_str()),
                        value,
                    );
                }
            }
        },
        Type::Variant(v) if is_plain_enum(v) => {
            for (value, c) in v.cases.iter().enumerate() {
                item.fact(Group::Member, 0, format!("case {}", c.name.as_str()), value);
            }
        }
        Type::Variant(v) => {
            item.fact(Group::Layout, 0, "payload offset", v.payload_offset());
            for (tag, c) in v.cases.iter().enumerate() {
                let payload = match &c.tref {
                    Some(t) => format!("payload {}", tref_str(t)),
                    None => "no payload".to_string(),
                };
                item.fact(
                    Group::Member,
                    0,
                    format!("case {}", c.name.as_str()),
                    format!("tag {tag}, {payload}"),
                );
            }
        }
        Type::Handle(_)
        | Type::List(_)
        | Type::Pointer(_)
        | Type::ConstPointer(_)
        | Type::Builtin(_) => {}
    }
    item
}

/// A variant with no payloads, other than the `bool` shorthand.
fn is_plain_enum(v: &witx::Variant) -> bool {
    v.is_enum() && !v.is_bool()
}

/// The kind of a named type's definition, plus the label and value of its
/// integer representation when it has one (`tag` or `repr`).
fn kind_and_tag(ty: &Type) -> (String, Option<(&'static str, String)>) {
    match ty {
        Type::Record(r) => match r.kind {
            RecordKind::Bitflags(repr) => ("flags".into(), Some(("repr", repr_str(repr).into()))),
            RecordKind::Tuple => ("tuple".into(), None),
            RecordKind::Other => ("record".into(), None),
        },
        Type::Variant(v) if is_plain_enum(v) => {
            ("enum".into(), Some(("tag", repr_str(v.tag_repr).into())))
        }
        Type::Variant(v) if v.is_bool() || v.as_expected().is_some() => (type_str(ty), None),
        Type::Variant(v) => ("variant".into(), Some(("tag", repr_str(v.tag_repr).into()))),
        Type::Handle(_) => ("handle".into(), None),
        Type::List(_) | Type::Pointer(_) | Type::ConstPointer(_) | Type::Builtin(_) => {
            (type_str(ty), None)
        }
    }
}

/// A type reference as written in a signature: named types by name, anonymous
/// ones spelled out.
fn tref_str(tref: &TypeRef) -> String {
    match tref {
        TypeRef::Name(nt) => nt.name.as_str().to_string(),
        TypeRef::Value(ty) => type_str(ty),
    }
}

fn type_str(ty: &Type) -> String {
    let join = |items: Vec<String>| items.join(", ");
    match ty {
        Type::Builtin(b) => builtin_str(*b).to_string(),
        Type::List(elem)
            if !elem.named() && matches!(**elem.type_(), Type::Builtin(BuiltinType::Char)) =>
        {
            "string".to_string()
        }
        Type::List(elem) => format!("list<{}>", tref_str(elem)),
        Type::Pointer(t) => format!("pointer<{}>", tref_str(t)),
        Type::ConstPointer(t) => format!("const_pointer<{}>", tref_str(t)),
        Type::Handle(_) => "handle".to_string(),
        Type::Record(r) => match r.kind {
            RecordKind::Bitflags(repr) => {
                let names = r
                    .members
                    .iter()
                    .map(|m| m.name.as_str().to_string())
                    .collect();
                format!("flags({}) {{{}}}", repr_str(repr), join(names))
            }
            RecordKind::Tuple => {
                format!(
                    "tuple<{}>",
                    join(r.members.iter().map(|m| tref_str(&m.tref)).collect())
                )
            }
            RecordKind::Other => {
                let members = r
                    .members
                    .iter()
                    .map(|m| format!("{}: {}", m.name.as_str(), tref_str(&m.tref)))
                    .collect();
                format!("record {{{}}}", join(members))
            }
        },
        Type::Variant(v) if v.is_bool() => "bool".to_string(),
        Type::Variant(v) => {
            let opt = |t: Option<&TypeRef>| t.map_or_else(|| "_".to_string(), tref_str);
            if let Some((ok, err)) = v.as_expected() {
                return format!("expected<{}, {}>", opt(ok), opt(err));
            }
            let cases = v
                .cases
                .iter()
                .map(|c| match &c.tref {
                    Some(t) => format!("{}: {}", c.name.as_str(), tref_str(t)),
                    None => c.name.as_str().to_string(),
                })
                .collect();
            let kind = if v.is_enum() { "enum" } else { "variant" };
            format!("{kind}({}) {{{}}}", repr_str(v.tag_repr), join(cases))
        }
    }
}

fn builtin_str(b: BuiltinType) -> &'static str {
    match b {
        BuiltinType::Char => "char",
        BuiltinType::U8 { lang_c_char: true } => "char8",
        BuiltinType::U8 { lang_c_char: false } => "u8",
        BuiltinType::U16 => "u16",
        BuiltinType::U32 {
            lang_ptr_size: true,
        } => "usize",
        BuiltinType::U32 {
            lang_ptr_size: false,
        } => "u32",
        BuiltinType::U64 => "u64",
        BuiltinType::S8 => "s8",
        BuiltinType::S16 => "s16",
        BuiltinType::S32 => "s32",
        BuiltinType::S64 => "s64",
        BuiltinType::F32 => "f32",
        BuiltinType::F64 => "f64",
    }
}

fn repr_str(repr: IntRepr) -> &'static str {
    match repr {
        IntRepr::U8 => "u8",
        IntRepr::U16 => "u16",
        IntRepr::U32 => "u32",
        IntRepr::U64 => "u64",
    }
}

/// A core wasm signature in text-format style, e.g. `(param i32 i64) (result i32)`.
fn wasm_signature(params: &[WasmType], results: &[WasmType]) -> String {
    let group = |keyword: &str, types: &[WasmType]| {
        let names = types.iter().map(|t| match t {
            WasmType::I32 => " i32",
            WasmType::I64 => " i64",
            WasmType::F32 => " f32",
            WasmType::F64 => " f64",
        });
        format!("({keyword}{})", names.collect::<String>())
    };
    match (params.is_empty(), results.is_empty()) {
        (true, true) => "()".to_string(),
        (false, true) => group("param", params),
        (true, false) => group("result", results),
        (false, false) => format!("{} {}", group("param", params), group("result", results)),
    }
}

/// How a [`Change`] relates the old document to the new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sign {
    Added,
    Removed,
    Changed,
}

/// One ABI difference, displayed as `<+|-|~> <subject>: <text>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub sign: Sign,
    /// What changed, e.g. `type filestat` or `func fd_seek`.
    pub subject: String,
    /// The change itself, e.g. `size: 56 -> 64`.
    pub text: String,
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = match self.sign {
            Sign::Added => '+',
            Sign::Removed => '-',
            Sign::Changed => '~',
        };
        write!(f, "{sign} {}: {}", self.subject, self.text)
    }
}

/// Renders a diff for the terminal.
pub fn render(changes: &[Change]) -> String {
    if changes.is_empty() {
        return "no ABI differences\n".to_string();
    }
    changes.iter().map(|c| format!("{c}\n")).collect()
}

/// All ABI differences from `old` to `new`: modules and their functions first,
/// then types, then constants, each sorted by name.
pub fn diff(old: &Abi, new: &Abi) -> Vec<Change> {
    let mut out = Vec::new();
    let change = |sign, subject: &str, text: String| Change {
        sign,
        subject: subject.to_string(),
        text,
    };

    // A document normally declares a single module; when both do, a rename is
    // reported and their contents still compared. Otherwise pair by name.
    type Side<'a> = Option<(&'a String, &'a Module)>;
    let pairs: Vec<(Side, Side)> = if old.modules.len() == 1 && new.modules.len() == 1 {
        vec![(old.modules.iter().next(), new.modules.iter().next())]
    } else {
        union_keys(&old.modules, &new.modules)
            .into_iter()
            .map(|name| {
                (
                    old.modules.get_key_value(name),
                    new.modules.get_key_value(name),
                )
            })
            .collect()
    };
    let qualify = pairs.len() > 1;
    for pair in pairs {
        match pair {
            (Some((name, m)), None) => out.push(change(
                Sign::Removed,
                &format!("module {name}"),
                count(m.funcs.len(), "function"),
            )),
            (None, Some((name, m))) => out.push(change(
                Sign::Added,
                &format!("module {name}"),
                count(m.funcs.len(), "function"),
            )),
            (Some((old_name, old_m)), Some((new_name, new_m))) => {
                if old_name != new_name {
                    out.push(change(
                        Sign::Changed,
                        &format!("module {old_name}"),
                        format!("renamed to {new_name}"),
                    ));
                }
                for name in union_keys(&old_m.imports, &new_m.imports) {
                    let subject = format!("module {new_name}");
                    match (old_m.imports.get(name), new_m.imports.get(name)) {
                        (Some(a), Some(b)) if a != b => out.push(change(
                            Sign::Changed,
                            &subject,
                            format!("import {name}: {a} -> {b}"),
                        )),
                        (Some(a), None) => out.push(change(
                            Sign::Removed,
                            &subject,
                            format!("import {name}: {a}"),
                        )),
                        (None, Some(b)) => {
                            out.push(change(Sign::Added, &subject, format!("import {name}: {b}")))
                        }
                        _ => {}
                    }
                }
                let prefix = if qualify {
                    format!("func {new_name}::")
                } else {
                    "func ".to_string()
                };
                diff_items(&prefix, &old_m.funcs, &new_m.funcs, &mut out);
            }
            (None, None) => unreachable!("paired from the union of both sides"),
        }
    }
    diff_items("type ", &old.types, &new.types, &mut out);
    diff_items("const ", &old.constants, &new.constants, &mut out);
    out
}

fn diff_items(
    prefix: &str,
    old: &BTreeMap<String, Item>,
    new: &BTreeMap<String, Item>,
    out: &mut Vec<Change>,
) {
    for name in union_keys(old, new) {
        let subject = format!("{prefix}{name}");
        let push = |out: &mut Vec<Change>, sign, text| {
            out.push(Change {
                sign,
                subject: subject.clone(),
                text,
            })
        };
        match (old.get(name), new.get(name)) {
            (Some(a), None) => push(out, Sign::Removed, a.summary.clone()),
            (None, Some(b)) => push(out, Sign::Added, b.summary.clone()),
            (Some(a), Some(b)) => {
                for key in union_keys(&a.facts, &b.facts) {
                    let label = &key.label;
                    match (a.facts.get(key), b.facts.get(key)) {
                        (Some(x), Some(y)) if x != y => {
                            push(out, Sign::Changed, format!("{label}: {x} -> {y}"))
                        }
                        (Some(x), None) => push(out, Sign::Removed, format!("{label}: {x}")),
                        (None, Some(y)) => push(out, Sign::Added, format!("{label}: {y}")),
                        _ => {}
                    }
                }
            }
            (None, None) => unreachable!("name taken from one of the maps"),
        }
    }
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Sorted union of two maps' keys.
fn union_keys<'a, K: Ord, V, W>(a: &'a BTreeMap<K, V>, b: &'a BTreeMap<K, W>) -> BTreeSet<&'a K> {
    a.keys().chain(b.keys()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .unwrap()
            .to_path_buf()
    }

    fn lines(changes: &[Change]) -> Vec<String> {
        changes.iter().map(|c| c.to_string()).collect()
    }

    fn parse(source: &str) -> Abi {
        Abi::of(&witx::parse(source).unwrap_or_else(|e| panic!("{}", e.report())))
    }

    /// A scratch directory removed on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        fn new(name: &str) -> TempDir {
            let dir =
                std::env::temp_dir().join(format!("xtask-spec-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Replaces `from` with `to`, insisting that `from` occurs exactly once so a
    /// drifting fixture cannot silently turn a mutation into a no-op.
    fn replace_once(text: &str, from: &str, to: &str) -> String {
        assert_eq!(
            text.matches(from).count(),
            1,
            "expected exactly one `{from}`"
        );
        text.replacen(from, to, 1)
    }

    #[test]
    fn upstream_p0_to_p1_reports_the_real_differences() {
        let mut loader = Loader::new(&workspace_root());
        let p0 = loader.load(&Source::Upstream(Phase::P0)).unwrap();
        let p1 = loader.load(&Source::Upstream(Phase::P1)).unwrap();
        // Every line below was checked by hand against the two snapshots:
        // the module was renamed; `sock_accept` (function and right) is new;
        // `whence` went from cur/end/set to set/cur/end; `linkcount` grew from
        // u32 to u64, moving every `filestat` member after `nlink`; and
        // `subscription_clock` lost its leading `identifier`, shrinking the
        // subscription types by 8 bytes.
        let expected = [
            "~ module wasi_unstable: renamed to wasi_snapshot_preview1",
            "+ func sock_accept: (fd: fd, flags: fdflags) -> (error: expected<fd, errno>); wasm (param i32 i32 i32) (result i32)",
            "~ type filestat: size: 56 -> 64",
            "~ type filestat: member atim: offset 32, size 8, type timestamp -> offset 40, size 8, type timestamp",
            "~ type filestat: member ctim: offset 48, size 8, type timestamp -> offset 56, size 8, type timestamp",
            "~ type filestat: member mtim: offset 40, size 8, type timestamp -> offset 48, size 8, type timestamp",
            "~ type filestat: member nlink: offset 20, size 4, type linkcount -> offset 24, size 8, type linkcount",
            "~ type filestat: member size: offset 24, size 8, type filesize -> offset 32, size 8, type filesize",
            "~ type linkcount: definition: u32 -> u64",
            "~ type linkcount: align: 4 -> 8",
            "~ type linkcount: size: 4 -> 8",
            "+ type rights: flag sock_accept: bit 29",
            "~ type subscription: size: 56 -> 48",
            "~ type subscription: member u: offset 8, size 48, type subscription_u -> offset 8, size 40, type subscription_u",
            "~ type subscription_clock: size: 40 -> 32",
            "~ type subscription_clock: member flags: offset 32, size 2, type subclockflags -> offset 24, size 2, type subclockflags",
            "~ type subscription_clock: member id: offset 8, size 4, type clockid -> offset 0, size 4, type clockid",
            "- type subscription_clock: member identifier: offset 0, size 8, type userdata",
            "~ type subscription_clock: member precision: offset 24, size 8, type timestamp -> offset 16, size 8, type timestamp",
            "~ type subscription_clock: member timeout: offset 16, size 8, type timestamp -> offset 8, size 8, type timestamp",
            "~ type subscription_u: size: 48 -> 40",
            "~ type whence: case cur: 0 -> 1",
            "~ type whence: case end: 1 -> 2",
            "~ type whence: case set: 2 -> 0",
        ];
        assert_eq!(lines(&diff(&Abi::of(&p0.doc), &Abi::of(&p1.doc))), expected);

        // The reverse direction mirrors every change.
        let back = lines(&diff(&Abi::of(&p1.doc), &Abi::of(&p0.doc)));
        assert_eq!(back.len(), expected.len());
        assert!(
            back.contains(&"~ module wasi_snapshot_preview1: renamed to wasi_unstable".to_string())
        );
        assert!(back.contains(&"- type rights: flag sock_accept: bit 29".to_string()));
        assert!(back.contains(&"~ type whence: case set: 0 -> 2".to_string()));
    }

    #[test]
    fn a_document_equals_itself() {
        let mut loader = Loader::new(&workspace_root());
        let ours = loader
            .load(&Source::Path(workspace_root().join(OUR_PREVIEW1)))
            .unwrap();
        let p0 = loader.load(&Source::Upstream(Phase::P0)).unwrap();
        for doc in [&ours.doc, &p0.doc] {
            let changes = diff(&Abi::of(doc), &Abi::of(doc));
            assert_eq!(render(&changes), "no ABI differences\n");
        }
        // Guard against an extraction that records nothing, which would make
        // every comparison trivially equal.
        let abi = Abi::of(&ours.doc);
        assert_eq!(abi.function_count(), 46);
        let whence = &abi.types["whence"];
        let facts: Vec<_> = whence
            .facts
            .iter()
            .map(|(k, v)| format!("{}={v}", k.label))
            .collect();
        assert_eq!(
            facts,
            [
                "definition=enum",
                "tag=u8",
                "align=1",
                "size=1",
                "case cur=1",
                "case end=2",
                "case set=0"
            ]
        );
    }

    #[test]
    fn spec_check_passes() {
        let report = check(&workspace_root()).unwrap();
        assert_eq!(lines(&report.changes), Vec::<String>::new());
        assert_eq!(report.upstream, "wasmtime-wasi 48.0.8 witx/p1");
        assert_eq!((report.functions, report.types), (46, 46));
    }

    #[test]
    fn mutations_of_our_spec_are_reported() {
        let src = workspace_root().join(OUR_PREVIEW1);
        let read = |name: &str| std::fs::read_to_string(src.join(name)).unwrap();
        let mut types = read("typenames.witx");
        // Swap `whence::set` and `whence::cur` (both only occur in `whence`).
        types = replace_once(&types, "    $set\n", "    $@tmp\n");
        types = replace_once(&types, "    $cur\n", "    $set\n");
        types = replace_once(&types, "    $@tmp\n", "    $cur\n");
        // Drop a flag from the middle of `fdflags`, shifting the later bits.
        types = replace_once(&types, "    $nonblock\n", "");
        // Narrow a 64-bit parameter to 32 bits, changing the core signature.
        let funcs = replace_once(
            &read("wasi_snapshot_preview1.witx"),
            "(param $size $filesize)",
            "(param $size $size)",
        );

        let dir = TempDir::new("mutation");
        std::fs::write(dir.0.join("typenames.witx"), types).unwrap();
        std::fs::write(dir.0.join("wasi_snapshot_preview1.witx"), funcs).unwrap();

        let ours = Abi::of(&load_path(&src).unwrap());
        let mutated = Abi::of(&load_path(&dir.0).unwrap());
        let expected = [
            "~ func fd_filestat_set_size: param 1 type: filesize -> size",
            "~ func fd_filestat_set_size: wasm signature: (param i32 i64) (result i32) -> (param i32 i32) (result i32)",
            "- type fdflags: flag nonblock: bit 2",
            "~ type fdflags: flag rsync: bit 3 -> bit 2",
            "~ type fdflags: flag sync: bit 4 -> bit 3",
            "~ type whence: case cur: 1 -> 0",
            "~ type whence: case set: 0 -> 1",
        ];
        assert_eq!(lines(&diff(&ours, &mutated)), expected);

        // spec-check of the mutated copy fails with the same differences,
        // since ours is otherwise identical to upstream.
        let report = check_dir(&dir.0, &mut Loader::new(&workspace_root())).unwrap();
        assert_eq!(lines(&report.changes), expected);
    }

    #[test]
    fn modules_functions_variants_and_constants() {
        let old = parse(
            r#"
            (typename $e (enum (@witx tag u8) $a $b))
            (typename $v (variant (@witx tag $e) (case $a u32) (case $b)))
            (typename $h (handle))
            (@witx const $e $limit 10)
            (module $m1
              (import "memory" (memory))
              (@interface func (export "f") (param $x u32) (result $r (expected $e (error $e))))
              (@interface func (export "exit") (param $code u32) (@witx noreturn)))
            (module $m2 (@interface func (export "g")))
            "#,
        );
        let new = parse(
            r#"
            (typename $e (enum (@witx tag u8) $a $b))
            (typename $v (variant (@witx tag $e) (case $a u64) (case $b)))
            (typename $h u32)
            (@witx const $e $limit 11)
            (module $m1
              (import "memory" (memory))
              (@interface func (export "f") (param $y u64) (result $r (expected $e (error $e))))
              (@interface func (export "exit") (param $code u32)))
            (module $m3 (@interface func (export "g")))
            "#,
        );
        assert_eq!(
            lines(&diff(&old, &new)),
            [
                "~ func m1::exit: noreturn: yes -> no",
                "~ func m1::f: param 0 name: x -> y",
                "~ func m1::f: param 0 type: u32 -> u64",
                "~ func m1::f: wasm signature: (param i32 i32) (result i32) -> (param i64 i32) (result i32)",
                "- module m2: 1 function",
                "+ module m3: 1 function",
                "~ type h: definition: handle -> u32",
                "~ type v: align: 4 -> 8",
                "~ type v: payload offset: 4 -> 8",
                "~ type v: size: 8 -> 16",
                "~ type v: case a: tag 0, payload u32 -> tag 0, payload u64",
                "~ const e::limit: value: 10 -> 11",
            ]
        );
        // Added and removed items are summarised in one line.
        assert_eq!(
            lines(&diff(&new, &Abi::default())),
            [
                "- module m1: 2 functions",
                "- module m3: 1 function",
                "- type e: enum(u8), size 1, align 1",
                "- type h: u32, size 4, align 4",
                "- type v: variant(u8), size 16, align 8",
                "- const e::limit: 11",
            ]
        );
    }

    #[test]
    fn sources_parse() {
        assert_eq!(
            Source::parse("upstream:p1").unwrap(),
            Source::Upstream(Phase::P1)
        );
        assert_eq!(
            Source::parse("upstream:p0").unwrap(),
            Source::Upstream(Phase::P0)
        );
        assert_eq!(
            Source::parse("witx/x.witx").unwrap(),
            Source::Path("witx/x.witx".into())
        );
        let err = Source::parse("upstream:p2").unwrap_err().to_string();
        assert!(
            err.contains("unknown upstream snapshot `upstream:p2`"),
            "{err}"
        );
    }

    #[test]
    fn empty_directory_is_an_error() {
        let dir = TempDir::new("empty");
        let err = load_path(&dir.0).unwrap_err().to_string();
        assert!(err.contains("contains no .witx files"), "{err}");
    }
}

/// Checks on our spec that go beyond ABI equality.
#[cfg(test)]
mod our_spec_tests {
    use super::*;

    /// The generator turns every doc into rustdoc, so nothing may be left bare.
    #[test]
    fn everything_is_documented() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let doc = load_path(&root.join(OUR_PREVIEW1)).unwrap();
        let mut bare = Vec::new();
        let mut need = |what: String, docs: &str| {
            if docs.trim().is_empty() {
                bare.push(what);
            }
        };
        for ty in doc.typenames() {
            let name = ty.name.as_str();
            need(format!("type {name}"), &ty.docs);
            match &**ty.type_() {
                Type::Record(r) => {
                    for m in &r.members {
                        need(format!("{name}.{}", m.name.as_str()), &m.docs);
                    }
                }
                Type::Variant(v) => {
                    for c in &v.cases {
                        need(format!("{name}::{}", c.name.as_str()), &c.docs);
                    }
                }
                _ => {}
            }
        }
        for module in doc.modules() {
            need(format!("module {}", module.name.as_str()), &module.docs);
            for import in module.imports() {
                need(format!("import {}", import.name.as_str()), &import.docs);
            }
            for func in module.funcs() {
                let name = func.name.as_str();
                need(format!("func {name}"), &func.docs);
                for p in func.params.iter().chain(&func.results) {
                    need(format!("{name}({})", p.name.as_str()), &p.docs);
                }
            }
        }
        assert_eq!(bare, Vec::<String>::new(), "undocumented items");
    }

    /// Each `errno` case's first sentence becomes its `Display` text: it must
    /// be a single short line ending in a period.
    #[test]
    fn errno_docs_start_with_a_short_sentence() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let doc = load_path(&root.join(OUR_PREVIEW1)).unwrap();
        let errno = doc.typename(&witx::Id::new("errno")).unwrap();
        let Type::Variant(v) = &**errno.type_() else {
            panic!("errno is not an enum");
        };
        assert_eq!(v.cases.len(), 77);
        for c in &v.cases {
            let first_line = c.docs.lines().next().unwrap_or("");
            assert!(
                first_line.ends_with('.') && first_line.matches(". ").count() == 0,
                "errno::{}: first doc line should be one sentence: {first_line:?}",
                c.name.as_str()
            );
            assert!(
                first_line.len() <= 70,
                "errno::{}: too long",
                c.name.as_str()
            );
        }
    }
}
