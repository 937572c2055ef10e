//! Exact memory boundaries for every pointer of every function in every WITX document under
//! `witx/`, generated at test time.
//!
//! For each pointer an import takes (a list, a buffer, an array, a result pointer, the buffer
//! inside an iovec, or a pointer whose extent the host decides), a small module is generated
//! that calls the import with that memory placed so that it ends exactly at the end of linear
//! memory, and one byte further. The first must not fault; the second must (`EFAULT`, or a trap
//! where the rules of docs/guest-memory.md say so, e.g. a misaligned pointer). For types with an
//! alignment above one, the smallest aligned overrun is tried too and must be `EFAULT`: that is
//! a bounds check, not an alignment check.
//!
//! The functions come from the WITX itself (walked with the `witx` crate), not from a list kept
//! here, so a function added to a document is covered without touching this file. The
//! classification below mirrors the ABI rules of docs/bindings.md independently of the generator:
//! if the two disagreed, the generated code would check a different extent than this test
//! places, and it would fail.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use wasi_host::{Stdio, WasiCtx, WasiCtxBuilder};
use wasi_host_codegen::annotations;
use wasmtime::{Engine, Linker, Module, Store};
use witx::{BuiltinType, InterfaceFunc, InterfaceFuncParam, Layout, Type, TypeRef, WasmType};

/// One 64 KiB page: the generated modules' whole memory.
const MEMORY: u32 = 65536;
/// Room for each pointer's default placement (and, after it, an iovec's buffer).
const SLOT: u32 = 512;
/// Bytes given to byte buffers and strings.
const BYTES: u32 = 4;
/// Every handle argument: the preopened directory.
const FD: i64 = 3;

/// What a pointer's memory holds before the call.
#[derive(Clone, Copy)]
enum Content {
    /// Left as the module starts it (zero): results, arrays of zero-valid records.
    Zero,
    /// Text (`x`s): strings and byte buffers.
    Text,
    /// One iovec-shaped record whose buffer (of `BYTES` bytes) lives at `buf`.
    Iovec { buf_field: u32, len_field: u32 },
}

/// A pointer the call passes as a core argument.
struct Pointer {
    core: usize,
    what: String,
    /// Bytes the call may touch from the pointer; `None` when the host decides (found by
    /// watching what a call writes).
    size: Option<u32>,
    align: u32,
    content: Content,
}

/// Where the memory under test is.
#[derive(Clone, Copy)]
enum Target {
    /// The memory a core pointer argument points at (index into `Call::pointers`).
    Arg(usize),
    /// The buffer of the iovec record that pointer `.0` points at.
    IovecBuf(usize),
}

/// One function's call with every argument valid: pointers each in their own slot.
struct Call {
    /// The WITX module and function (what the host registers).
    witx_module: String,
    witx_func: String,
    /// The core import (module and name), after `@import` directives.
    module: String,
    func: String,
    params: Vec<WasmType>,
    noreturn: bool,
    core: Vec<i64>,
    pointers: Vec<Pointer>,
    /// Errno code for `fault` in this function's error enum (`None`: bad memory traps).
    fault: Option<i64>,
}

/// Where each pointer (and each iovec buffer) is for one case.
#[derive(Clone)]
struct Placement {
    core: Vec<i64>,
    iovec_bufs: Vec<u32>,
}

fn size_align(t: &TypeRef) -> (u32, u32) {
    let sa = t.mem_size_align();
    (sa.size as u32, sa.align as u32)
}

fn is_size(p: &InterfaceFuncParam) -> bool {
    match &p.tref {
        TypeRef::Name(nt) if nt.name.as_str() == "size" => true,
        _ => matches!(
            &**p.tref.type_(),
            Type::Builtin(BuiltinType::U32 {
                lang_ptr_size: true
            })
        ),
    }
}

fn pointee(p: &InterfaceFuncParam) -> Option<TypeRef> {
    match &**p.tref.type_() {
        Type::Pointer(t) | Type::ConstPointer(t) => Some(t.clone()),
        _ => None,
    }
}

fn is_byte(t: &TypeRef) -> bool {
    matches!(
        &**t.type_(),
        Type::Builtin(BuiltinType::U8 { .. } | BuiltinType::Char)
    )
}

/// Offsets of the pointer and length fields if `t` is a record of a byte pointer and a `u32`.
fn iovec_fields(t: &TypeRef) -> Option<(u32, u32)> {
    let Type::Record(r) = &**t.type_() else {
        return None;
    };
    if r.bitflags_repr().is_some() || r.members.len() != 2 {
        return None;
    }
    let layout = r.member_layout();
    let byte_ptr = matches!(&**layout[0].member.tref.type_(),
        Type::Pointer(p) | Type::ConstPointer(p) if is_byte(p));
    let len = matches!(
        &**layout[1].member.tref.type_(),
        Type::Builtin(BuiltinType::U32 { .. })
    );
    (byte_ptr && len).then(|| (layout[0].offset as u32, layout[1].offset as u32))
}

impl Call {
    fn plan(module: &witx::Module, f: &InterfaceFunc) -> Call {
        let one = |p: &InterfaceFuncParam| annotations::parse(&p.docs).unwrap().one;
        let mut core = Vec::new();
        let mut pointers = Vec::new();
        let mut pointer = |core: &mut Vec<i64>, what: String, size, align, content| {
            pointers.push(Pointer {
                core: core.len(),
                what,
                size,
                align,
                content,
            });
            core.push(0);
        };
        let ps = &f.params;
        let mut i = 0;
        while i < ps.len() {
            let p = &ps[i];
            let name = p.name.as_str();
            if let Type::List(elem) = &**p.tref.type_() {
                // A string is a list of `char` in WITX but UTF-8 bytes in memory.
                let (size, align) = if matches!(&**elem.type_(), Type::Builtin(BuiltinType::Char)) {
                    (1, 1)
                } else {
                    size_align(elem)
                };
                let (count, content) = if let Some((buf_field, len_field)) = iovec_fields(elem) {
                    (
                        1,
                        Content::Iovec {
                            buf_field,
                            len_field,
                        },
                    )
                } else if is_byte(elem) {
                    (BYTES, Content::Text)
                } else {
                    (1, Content::Zero)
                };
                let what = format!("parameter `{name}` ({count} elements)");
                pointer(&mut core, what, Some(size * count), align, content);
                core.push(count as i64);
                i += 1;
            } else if pointee(p).is_some() && one(p) {
                // `@one`: a pointer to one value, whatever follows.
                let (size, align) = size_align(&pointee(p).unwrap());
                let what = format!("parameter `{name}` (one value)");
                pointer(&mut core, what, Some(size), align, Content::Zero);
                i += 1;
            } else if pointee(p).is_some() {
                // A run of pointers sharing the element count that follows them, or a pointer
                // whose extent only the host knows.
                let mut j = i;
                while j < ps.len() && pointee(&ps[j]).is_some() && !one(&ps[j]) {
                    j += 1;
                }
                if j < ps.len() && is_size(&ps[j]) {
                    let all_bytes = ps[i..j].iter().all(|q| is_byte(&pointee(q).unwrap()));
                    let count = if all_bytes { BYTES } else { 1 };
                    for q in &ps[i..j] {
                        let (size, align) = size_align(&pointee(q).unwrap());
                        let content = if all_bytes {
                            Content::Text
                        } else {
                            Content::Zero
                        };
                        let what = format!("parameter `{}` ({count} elements)", q.name.as_str());
                        pointer(&mut core, what, Some(size * count), align, content);
                    }
                    core.push(count as i64);
                    i = j + 1;
                } else if let Type::Record(r) = &**pointee(p).unwrap().type_()
                    && r.bitflags_repr().is_none()
                {
                    // One record, read whole (what its fields point to is checked apart).
                    let (size, align) = size_align(&pointee(p).unwrap());
                    let what = format!("parameter `{name}` (one record)");
                    pointer(&mut core, what, Some(size), align, Content::Zero);
                    i += 1;
                } else {
                    let (_, align) = size_align(&pointee(p).unwrap());
                    let what = format!("parameter `{name}` (extent decided by the host)");
                    pointer(&mut core, what, None, align, Content::Zero);
                    i += 1;
                }
            } else {
                core.push(match &**p.tref.type_() {
                    Type::Handle(_) => FD,
                    // Zero is a valid enum value, empty flags and a small integer.
                    _ => 0,
                });
                i += 1;
            }
        }
        let mut fault = None;
        for result in &f.results {
            let v = match &**result.tref.type_() {
                Type::Variant(v) => v,
                // A result returned directly (wasi-threads' `thread-spawn`): no out-pointer.
                Type::Builtin(_) => continue,
                _ => panic!("{}: result is not `expected`", f.name.as_str()),
            };
            let (ok, err) = v.as_expected().expect("an `expected` result");
            if let Some(TypeRef::Name(e)) = err
                && let Type::Variant(ev) = &**e.type_()
            {
                fault = ev
                    .cases
                    .iter()
                    .position(|c| c.name.as_str() == "fault")
                    .map(|n| n as i64);
            }
            let values: Vec<TypeRef> = match ok {
                None => Vec::new(),
                Some(t) => match &**t.type_() {
                    Type::Record(r) if r.is_tuple() => {
                        r.members.iter().map(|m| m.tref.clone()).collect()
                    }
                    _ => vec![t.clone()],
                },
            };
            for (n, t) in values.iter().enumerate() {
                let (size, align) = size_align(t);
                pointer(
                    &mut core,
                    format!("result {n}"),
                    Some(size),
                    align,
                    Content::Zero,
                );
            }
        }
        let (params, _) = f.wasm_signature();
        assert_eq!(
            params.len(),
            core.len(),
            "{}::{}: this test's reading of the ABI disagrees with witx",
            module.name.as_str(),
            f.name.as_str()
        );
        let import_module = annotations::parse(&module.docs).unwrap().import;
        let import_func = annotations::parse(&f.docs).unwrap().import;
        Call {
            witx_module: module.name.as_str().to_string(),
            witx_func: f.name.as_str().to_string(),
            module: import_module.unwrap_or_else(|| module.name.as_str().to_string()),
            func: import_func.unwrap_or_else(|| f.name.as_str().to_string()),
            params,
            noreturn: f.noreturn,
            core,
            pointers,
            fault,
        }
    }

    fn name(&self) -> String {
        format!("{}::{}", self.module, self.func)
    }

    /// Every pointer in its own slot, iovec buffers just after their record.
    fn default_placement(&self) -> Placement {
        let mut core = self.core.clone();
        let mut iovec_bufs = Vec::new();
        for (k, p) in self.pointers.iter().enumerate() {
            let at = 1024 + 2 * SLOT * k as u32;
            assert!(
                at + 2 * SLOT <= MEMORY,
                "{}: too many pointers",
                self.name()
            );
            core[p.core] = at as i64;
            iovec_bufs.push(at + SLOT);
        }
        Placement { core, iovec_bufs }
    }

    /// The module: one export per case, each calling the import with that case's arguments.
    fn wat(&self, cases: &[(&str, Placement)]) -> String {
        let types = |ts: &[WasmType]| {
            ts.iter()
                .map(|t| match t {
                    WasmType::I32 => "i32",
                    WasmType::I64 => "i64",
                    WasmType::F32 => "f32",
                    WasmType::F64 => "f64",
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        let result = if self.noreturn { "" } else { "(result i32)" };
        let mut wat = format!(
            "(module\n  (import {:?} {:?} (func $f (param {}) {result}))\n  (memory (export \"memory\") 1)\n",
            self.module,
            self.func,
            types(&self.params)
        );
        for (name, placement) in cases {
            let args: String = placement
                .core
                .iter()
                .zip(&self.params)
                .map(|(v, t)| match t {
                    WasmType::I64 => format!(" (i64.const {v})"),
                    _ => format!(" (i32.const {})", *v as u32 as i32),
                })
                .collect();
            let tail = if self.noreturn { " (i32.const 0)" } else { "" };
            writeln!(
                wat,
                "  (func (export {name:?}) (result i32) (call $f{args}){tail})"
            )
            .unwrap();
        }
        wat.push(')');
        wat
    }

    /// Writes each pointer's content where `placement` puts it (the part inside memory).
    fn fill(&self, placement: &Placement, mem: &mut [u8]) {
        let mut put = |at: u32, bytes: &[u8]| {
            for (i, b) in bytes.iter().enumerate() {
                if let Some(slot) = mem.get_mut(at as usize + i) {
                    *slot = *b;
                }
            }
        };
        for (k, p) in self.pointers.iter().enumerate() {
            let at = placement.core[p.core] as u32;
            match p.content {
                Content::Zero => {}
                Content::Text => put(at, &vec![b'x'; p.size.unwrap() as usize]),
                Content::Iovec {
                    buf_field,
                    len_field,
                } => {
                    let buf = placement.iovec_bufs[k];
                    put(at + buf_field, &buf.to_le_bytes());
                    put(at + len_field, &BYTES.to_le_bytes());
                    put(buf, &[b'x'; BYTES as usize]);
                }
            }
        }
    }
}

/// Runs export `name` of `module` in a fresh instance (and a fresh preopened directory) with
/// memory filled by `setup`; returns the errno, or the trap's text, and the memory afterwards.
fn call(
    engine: &Engine,
    linker: &Linker<WasiCtx>,
    module: &Module,
    name: &str,
    setup: impl FnOnce(&mut [u8]),
) -> (Result<i64, String>, Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let ctx = WasiCtxBuilder::new()
        .arg("prog")
        .env("K", "V")
        .preopen_dir(dir.path(), "dir")
        .stdin(Stdio::Null)
        .stdout(Stdio::Null)
        .stderr(Stdio::Null)
        .build()
        .unwrap();
    let mut store = Store::new(engine, ctx);
    wasi_host_tests::watchdog::arm(&mut store);
    let instance = linker.instantiate(&mut store, module).unwrap();
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    setup(memory.data_mut(&mut store));
    let f = instance
        .get_typed_func::<(), i32>(&mut store, name)
        .unwrap();
    let outcome = f
        .call(&mut store, ())
        .map(i64::from)
        .map_err(|e| format!("{e:?}"));
    (outcome, memory.data(&store).to_vec())
}

/// The host for one function of a WITX module (just that function: variants of one import
/// each get their own linker). A document with a module no host here implements fails the
/// test instead of being skipped.
fn linker_for(engine: &Engine, plan: &Call, doc: &Path) -> Linker<WasiCtx> {
    let mut linker = Linker::new(engine);
    let memory = wasi_host::guest::MemoryBinding::by_name();
    let (m, f) = (plan.witx_module.as_str(), plan.witx_func.as_str());
    let defined = match m {
        "wasi_snapshot_preview1" => {
            wasi_host::preview1::define(&mut linker, m, f, |c: &mut WasiCtx| c, &memory)
        }
        "wasmedge_sockets" => {
            wasi_host::wasmedge::define(&mut linker, m, f, |c: &mut WasiCtx| c, &memory)
        }
        "wasix_32v1" => wasi_host::wasix::define(&mut linker, m, f, |c: &mut WasiCtx| c, &memory),
        "wasi_threads" => {
            wasi_host::threads::define(&mut linker, m, f, |c: &mut WasiCtx| c, &memory)
        }
        other => panic!(
            "{}: module `{other}` has no host in tests/tests/boundaries.rs; add one",
            doc.display()
        ),
    };
    assert!(defined.unwrap(), "{m}::{f} is not defined by its host");
    linker
}

fn witx_documents(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            witx_documents(&path, out);
        } else if path.extension().is_some_and(|e| e == "witx") {
            out.push(path);
        }
    }
}

/// The bytes of `[at, at + SLOT)` a call writes, found by running it twice over different
/// patterns: the extent of a pointer only the host knows how far it writes through. `None`
/// when the call, with this test's default arguments, fails before writing (a socket call on
/// a directory descriptor): its extent cannot be observed here.
fn observed_extent(
    engine: &Engine,
    linker: &Linker<WasiCtx>,
    call_plan: &Call,
    p: &Pointer,
) -> Option<u32> {
    let placement = call_plan.default_placement();
    let module = Module::new(engine, call_plan.wat(&[("probe", placement.clone())])).unwrap();
    let at = placement.core[p.core] as usize;
    let mut extent = 0;
    for pattern in [0xaa, 0x55] {
        let (outcome, mem) = call(engine, linker, &module, "probe", |mem| {
            call_plan.fill(&placement, mem);
            mem[at..at + SLOT as usize].fill(pattern);
        });
        match outcome {
            Ok(0) => {}
            // preview1's calls all succeed on this test's descriptors; an extension's may not.
            Ok(_) if call_plan.witx_module != "wasi_snapshot_preview1" => return None,
            other => panic!("{}: the probing call failed: {other:?}", call_plan.name()),
        }
        if let Some(last) = mem[at..at + SLOT as usize]
            .iter()
            .rposition(|b| *b != pattern)
        {
            extent = extent.max(last as u32 + 1);
        }
    }
    assert!(
        extent > 0,
        "{} {}: the host wrote nothing through it, so its bound cannot be placed",
        call_plan.name(),
        p.what
    );
    Some(extent)
}

#[test]
fn every_pointer_is_checked_to_the_exact_byte() {
    // No call here blocks (fd 3 is a directory, clocks are due at once), so the epoch
    // deadline is each run's time limit.
    let engine = wasi_host_tests::run::engine().clone();
    let mut docs = Vec::new();
    witx_documents(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../witx"),
        &mut docs,
    );
    docs.sort();
    let mut failures = Vec::new();
    let mut unobserved = Vec::new();
    let mut checked = 0;
    for doc_path in &docs {
        let doc = witx::load(&[doc_path]).unwrap_or_else(|e| panic!("{}", e.report()));
        for module in doc.modules() {
            for f in module.funcs() {
                let plan = Call::plan(&module, &f);
                let linker = linker_for(&engine, &plan, doc_path);
                for (k, p) in plan.pointers.iter().enumerate() {
                    let observed = || observed_extent(&engine, &linker, &plan, p);
                    let Some(size) = p.size.or_else(observed) else {
                        unobserved.push(format!("{} {}", plan.name(), p.what));
                        continue;
                    };
                    let mut targets = vec![(Target::Arg(k), size, p.align, p.what.clone())];
                    if matches!(p.content, Content::Iovec { .. }) {
                        let what = format!("the buffer of {}'s first iovec", p.what);
                        targets.push((Target::IovecBuf(k), BYTES, 1, what));
                    }
                    for (target, size, align, what) in targets {
                        checked += 1;
                        check(&engine, &linker, &plan, target, size, align, &what)
                            .unwrap_or_else(|e| failures.push(e));
                    }
                }
            }
        }
    }
    assert!(checked > 0, "no pointer found under witx/");
    assert!(
        failures.is_empty(),
        "{} of {checked} pointers not checked to the byte:\n{}",
        failures.len(),
        failures.join("\n")
    );
    println!("{checked} pointers checked at the end of memory and one byte past it");
    // Extension calls that fail on this test's descriptors before writing through a pointer
    // whose extent only the host knows: their bounds are covered by the extension's own
    // bad-input tests (tests/tests/wasmedge.rs), not here.
    for u in &unobserved {
        println!("extent not observable here: {u}");
    }
}

/// Places `target` (of `size` bytes, aligned to `align`) at the end of memory, one byte past,
/// and (if `align` > 1) one aligned step past, and checks each outcome.
fn check(
    engine: &Engine,
    linker: &Linker<WasiCtx>,
    plan: &Call,
    target: Target,
    size: u32,
    align: u32,
    what: &str,
) -> Result<(), String> {
    let at_end = MEMORY - size;
    let mut cases = vec![("at_end", at_end), ("one_byte_past", at_end + 1)];
    if align > 1 {
        cases.push(("aligned_past", at_end + align));
    }
    let placements: Vec<(&str, Placement)> = cases
        .iter()
        .map(|(name, at)| {
            let mut placement = plan.default_placement();
            match target {
                Target::Arg(k) => placement.core[plan.pointers[k].core] = *at as i64,
                Target::IovecBuf(k) => placement.iovec_bufs[k] = *at,
            }
            (*name, placement)
        })
        .collect();
    let module = Module::new(engine, plan.wat(&placements))
        .map_err(|e| format!("{}: generated module does not compile: {e:?}", plan.name()))?;
    let context = |case: &str| format!("{} {what}, {size} bytes, {case}", plan.name());
    for (name, placement) in &placements {
        let (outcome, _) = call(engine, linker, &module, name, |mem| {
            plan.fill(placement, mem)
        });
        let is_fault = |o: &Result<i64, String>| match (o, plan.fault) {
            (Ok(code), Some(fault)) => *code == fault,
            (Err(_), _) => true,
            (Ok(_), None) => false,
        };
        match *name {
            "at_end" if is_fault(&outcome) => {
                return Err(format!(
                    "{}: faulted though in bounds: {outcome:?}",
                    context(name)
                ));
            }
            "one_byte_past" if !is_fault(&outcome) => {
                return Err(format!("{}: not refused: {outcome:?}", context(name)));
            }
            // Aligned but out of bounds: the bounds check alone decides, so EFAULT where the
            // error enum has it, never an alignment trap.
            "aligned_past" => match (&outcome, plan.fault) {
                (Ok(code), Some(fault)) if *code == fault => {}
                (Err(trap), None) if !trap.contains("not aligned") => {}
                _ => {
                    return Err(format!(
                        "{}: expected the bounds fault, got {outcome:?}",
                        context(name)
                    ));
                }
            },
            _ => {}
        }
    }
    Ok(())
}
