//! How each WITX function's parameters and results map to core wasm values on one side and
//! decoded Rust values on the other. The trait and the glue are both generated from this plan.
//!
//! Parameter rules, in order:
//! - `string` → `&str` (UTF-8 checked); `(list u8)` → `GuestBuf`;
//! - a list of iovec-shaped records (`pointer u8` or `const_pointer u8`, then a `u32` length)
//!   → `IovecsMut` / `Iovecs`; any other list → `GuestArray<T>`;
//! - a `pointer u8` / `const_pointer u8` named `x` followed by a `size` parameter named
//!   `x_len` → `GuestBufMut` / `GuestBuf`;
//! - a run of pointers followed by a `size` parameter → arrays of that many elements
//!   (`GuestArrayMut<T>` / `GuestArray<T>`, or byte buffers for `u8`);
//! - any other pointer → `GuestPtr<T>`;
//! - enums, flags, handles and integers → their Rust types, validated.
//!
//! Results: `(expected T (error E))` becomes `Result<T, CallError<E>>`, each value of `T`
//! (a tuple gives several) being written through an out-pointer checked before the call.
//! `noreturn` functions return a `Trap`. A plain `s32` result (wasi-threads' `thread-spawn`,
//! whose failures are negative values rather than errnos) is returned directly:
//! `Result<i32, Trap>`.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use witx::{BuiltinType, InterfaceFunc, InterfaceFuncParam, Type, TypeRef, WasmType};

use crate::annotations;
use crate::names::{snake, type_ident};
use crate::types::rust_type;
use crate::{Cx, Error};

/// One core wasm argument of the import.
pub struct CoreArg {
    pub ident: Ident,
    pub ty: WasmType,
}

/// What a method parameter is decoded into.
pub enum Kind {
    /// One core value decoded into `ty` by `decode` (an expression that may use `?`).
    Scalar {
        ty: TokenStream,
        decode: TokenStream,
        shape: Shape,
    },
    Str {
        ptr: Ident,
        len: Ident,
    },
    Buf {
        ptr: Ident,
        len: Ident,
        mutable: bool,
    },
    Iovecs {
        ptr: Ident,
        len: Ident,
        mutable: bool,
    },
    Array {
        ptr: Ident,
        len: Ident,
        elem: TokenStream,
        mutable: bool,
    },
    Ptr {
        ptr: Ident,
        elem: TokenStream,
        /// Points at exactly one value (`@one`, or a record): checked before the call, so a
        /// bad pointer is an errno before any side effect. Other pointers (to pointers, to
        /// bytes) may address several values whose count only the host knows.
        one: bool,
    },
}

/// What a scalar is, for showing it (in traces).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A handle: its number.
    Handle,
    /// Flags: the names of the set bits.
    Flags,
    /// Anything else: its `Debug` form (a case name for enums).
    Other,
}

/// A method parameter.
pub struct Param {
    pub name: Ident,
    pub docs: String,
    pub kind: Kind,
}

/// A planned function.
pub struct Func<'a> {
    pub witx: &'a InterfaceFunc,
    /// The core import name (the WITX name unless `@import` says otherwise).
    pub import: String,
    /// The function's documentation without directive lines.
    pub docs: String,
    /// For a `noreturn` function, what it ends (`@ends`).
    pub ends: Option<annotations::Ends>,
    pub method: Ident,
    pub params: Vec<Param>,
    pub core_params: Vec<CoreArg>,
    /// Types of the values written through out-pointers (one per out-pointer core arg).
    pub outs: Vec<(Ident, TokenStream)>,
    /// The error type (`None` for `noreturn` and for a direct result).
    pub error: Option<TokenStream>,
    /// A result returned as the core result itself (`(result $r s32)`), not through an
    /// `(expected ...)`.
    pub direct: bool,
}

impl Func<'_> {
    /// Whether the glue needs the caller's linear memory.
    pub fn uses_memory(&self) -> bool {
        !self.outs.is_empty()
            || self
                .params
                .iter()
                .any(|p| !matches!(p.kind, Kind::Scalar { .. }))
    }

    /// The Rust type of the method's successful result.
    pub fn ok_type(&self) -> TokenStream {
        match self.outs.len() {
            0 => quote!(()),
            1 => self.outs[0].1.clone(),
            _ => {
                let tys = self.outs.iter().map(|(_, t)| t);
                quote!((#(#tys),*))
            }
        }
    }
}

fn ident(s: String) -> Ident {
    Ident::new(&s, Span::call_site())
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

fn pointee(p: &InterfaceFuncParam) -> Option<(&TypeRef, bool)> {
    match &**p.tref.type_() {
        Type::Pointer(t) => Some((t, true)),
        Type::ConstPointer(t) => Some((t, false)),
        _ => None,
    }
}

fn is_u8(t: &TypeRef) -> bool {
    matches!(&**t.type_(), Type::Builtin(BuiltinType::U8 { .. }))
}

/// `Some(mutable)` if `t` is a record of a byte pointer and a `u32` length.
fn iovec_shape(t: &TypeRef) -> Option<bool> {
    let Type::Record(r) = &**t.type_() else {
        return None;
    };
    if r.bitflags_repr().is_some() || r.members.len() != 2 {
        return None;
    }
    let mutable = match &**r.members[0].tref.type_() {
        Type::Pointer(p) if is_u8(p) => true,
        Type::ConstPointer(p) if is_u8(p) => false,
        _ => return None,
    };
    matches!(
        &**r.members[1].tref.type_(),
        Type::Builtin(BuiltinType::U32 { .. })
    )
    .then_some(mutable)
}

/// Whether parameter `p` is marked `@one` (a pointer to one value).
fn is_one(p: &InterfaceFuncParam) -> Result<bool, Error> {
    annotations::parse(&p.docs)
        .map(|d| d.one)
        .map_err(|e| Error::new(format!("parameter `{}`: {e}", p.name.as_str())))
}

pub fn plan<'a>(f: &'a InterfaceFunc, cx: &Cx) -> Result<Func<'a>, Error> {
    let fname = f.name.as_str();
    let err = |msg: String| Error::new(format!("function `{fname}`: {msg}"));
    let directives = annotations::parse(&f.docs).map_err(err)?;
    if directives.one {
        return Err(err("`@one` belongs on a parameter".into()));
    }
    if directives.ends.is_some() && !f.noreturn {
        return Err(err("`@ends` belongs on a noreturn function".into()));
    }
    let mut params = Vec::new();
    let mut core = Vec::new();
    let ps = &f.params;
    let mut i = 0;
    while i < ps.len() {
        let p = &ps[i];
        let pname = p.name.as_str();
        let name = snake(pname);
        let param_directives =
            annotations::parse(&p.docs).map_err(|e| err(format!("parameter `{pname}`: {e}")))?;
        if param_directives.import.is_some() {
            return Err(err(format!(
                "parameter `{pname}`: `@import` belongs on a function"
            )));
        }
        let one = param_directives.one;
        let docs = param_directives.text;
        if let Type::List(elem) = &**p.tref.type_() {
            let ptr = ident(format!("arg_{pname}_ptr"));
            let len = ident(format!("arg_{pname}_len"));
            core.push(CoreArg {
                ident: ptr.clone(),
                ty: WasmType::I32,
            });
            core.push(CoreArg {
                ident: len.clone(),
                ty: WasmType::I32,
            });
            let kind = if matches!(&**elem.type_(), Type::Builtin(BuiltinType::Char)) {
                Kind::Str { ptr, len }
            } else if is_u8(elem) {
                Kind::Buf {
                    ptr,
                    len,
                    mutable: false,
                }
            } else if let Some(mutable) = iovec_shape(elem) {
                Kind::Iovecs { ptr, len, mutable }
            } else {
                Kind::Array {
                    ptr,
                    len,
                    elem: rust_type(elem)?,
                    mutable: false,
                }
            };
            params.push(Param { name, docs, kind });
            i += 1;
            continue;
        }
        if one && pointee(p).is_none() {
            return Err(err(format!(
                "parameter `{pname}`: `@one` marks pointers only"
            )));
        }
        if let Some((target, mutable)) = pointee(p) {
            let ptr = ident(format!("arg_{pname}"));
            // A byte pointer with its own `<name>_len`.
            if !one
                && is_u8(target)
                && ps
                    .get(i + 1)
                    .is_some_and(|q| is_size(q) && q.name.as_str() == format!("{pname}_len"))
            {
                let len = ident(format!("arg_{}", ps[i + 1].name.as_str()));
                core.push(CoreArg {
                    ident: ptr.clone(),
                    ty: WasmType::I32,
                });
                core.push(CoreArg {
                    ident: len.clone(),
                    ty: WasmType::I32,
                });
                params.push(Param {
                    name,
                    docs,
                    kind: Kind::Buf { ptr, len, mutable },
                });
                i += 2;
                continue;
            }
            // A run of pointers sharing the element count that follows them.
            let mut j = i;
            while !one && j < ps.len() && pointee(&ps[j]).is_some() && !is_one(&ps[j])? {
                j += 1;
            }
            if !one && j < ps.len() && is_size(&ps[j]) {
                let len = ident(format!("arg_{}", ps[j].name.as_str()));
                for q in &ps[i..j] {
                    let (target, mutable) = pointee(q).expect("checked above");
                    let ptr = ident(format!("arg_{}", q.name.as_str()));
                    core.push(CoreArg {
                        ident: ptr.clone(),
                        ty: WasmType::I32,
                    });
                    let kind = if is_u8(target) {
                        Kind::Buf {
                            ptr,
                            len: len.clone(),
                            mutable,
                        }
                    } else {
                        Kind::Array {
                            ptr,
                            len: len.clone(),
                            elem: rust_type(target)?,
                            mutable,
                        }
                    };
                    params.push(Param {
                        name: snake(q.name.as_str()),
                        docs: annotations::parse(&q.docs)
                            .map(|d| d.text)
                            .unwrap_or_default(),
                        kind,
                    });
                }
                core.push(CoreArg {
                    ident: len,
                    ty: WasmType::I32,
                });
                i = j + 1;
                continue;
            }
            core.push(CoreArg {
                ident: ptr.clone(),
                ty: WasmType::I32,
            });
            params.push(Param {
                name,
                docs,
                kind: Kind::Ptr {
                    ptr,
                    elem: rust_type(target)?,
                    one: one
                        || matches!(&**target.type_(), Type::Record(r) if r.bitflags_repr().is_none()),
                },
            });
            i += 1;
            continue;
        }
        let arg = ident(format!("arg_{pname}"));
        let (ty, decode, wasm) =
            scalar(&p.tref, &arg, cx).map_err(|e| err(format!("parameter `{pname}`: {e}")))?;
        let shape = match &**p.tref.type_() {
            Type::Handle(_) => Shape::Handle,
            Type::Record(r) if r.bitflags_repr().is_some() => Shape::Flags,
            _ => Shape::Other,
        };
        core.push(CoreArg {
            ident: arg,
            ty: wasm,
        });
        params.push(Param {
            name,
            docs,
            kind: Kind::Scalar { ty, decode, shape },
        });
        i += 1;
    }

    // Results.
    let mut outs = Vec::new();
    let direct = !f.noreturn
        && matches!(f.results.as_slice(), [r] if matches!(&**r.tref.type_(), Type::Builtin(BuiltinType::S32)));
    let error = if direct {
        None
    } else if f.noreturn {
        if !f.results.is_empty() {
            return Err(err("a noreturn function cannot have results".into()));
        }
        None
    } else {
        let [result] = f.results.as_slice() else {
            return Err(err("expected exactly one `(expected ...)` result".into()));
        };
        let Type::Variant(v) = &**result.tref.type_() else {
            return Err(err("the result must be `(expected ...)`".into()));
        };
        let Some((ok, Some(e))) = v.as_expected() else {
            return Err(err("the result must be `(expected ... (error $e))`".into()));
        };
        if let Some(ok) = ok {
            let values: Vec<&TypeRef> = match &**ok.type_() {
                Type::Record(r) if r.is_tuple() => r.members.iter().map(|m| &m.tref).collect(),
                _ => vec![ok],
            };
            for (n, t) in values.into_iter().enumerate() {
                let out = format_ident!("out_{}", n);
                core.push(CoreArg {
                    ident: out.clone(),
                    ty: WasmType::I32,
                });
                outs.push((out, rust_type(t)?));
            }
        }
        let e = match e {
            TypeRef::Name(nt) => type_ident(nt.name.as_str()),
            _ => return Err(err("the error type must be a named enum".into())),
        };
        Some(quote!(#e))
    };

    // The plan must agree with the ABI `witx` itself computes.
    let (wasm_params, wasm_results) = f.wasm_signature();
    let ours: Vec<WasmType> = core.iter().map(|c| c.ty).collect();
    let our_results = if f.noreturn {
        vec![]
    } else {
        vec![WasmType::I32]
    };
    if ours != wasm_params || our_results != wasm_results {
        return Err(err(format!(
            "planned core signature {ours:?} -> {our_results:?} differs from witx's {wasm_params:?} -> {wasm_results:?}"
        )));
    }

    Ok(Func {
        witx: f,
        import: directives.import.unwrap_or_else(|| fname.to_string()),
        ends: directives.ends,
        docs: directives.text,
        method: snake(fname),
        params,
        core_params: core,
        outs,
        error,
        direct,
    })
}

/// The Rust type, decoding expression and core type of a scalar parameter.
fn scalar(
    tref: &TypeRef,
    arg: &Ident,
    cx: &Cx,
) -> Result<(TokenStream, TokenStream, WasmType), String> {
    let rt = &cx.rt;
    let ty = rust_type(tref).map_err(|e| e.to_string())?;
    let wide = crate::layout::of(tref).size == 8;
    let bits = if wide {
        quote!(#arg as u64)
    } else {
        quote!(u64::from(#arg as u32))
    };
    let wasm = if wide { WasmType::I64 } else { WasmType::I32 };
    let narrow = |t: TokenStream, name: &str| {
        quote! {
            <#t>::try_from(#arg).map_err(|_| #rt::guest::GuestError::InvalidValue {
                type_name: #name,
                value: #arg as u32 as u64,
            })?
        }
    };
    let decode = match &**tref.type_() {
        Type::Builtin(b) => match b {
            BuiltinType::U8 { .. } => narrow(quote!(u8), "u8"),
            BuiltinType::U16 => narrow(quote!(u16), "u16"),
            BuiltinType::S8 => narrow(quote!(i8), "s8"),
            BuiltinType::S16 => narrow(quote!(i16), "s16"),
            BuiltinType::U32 { .. } => quote!(#arg as u32),
            BuiltinType::U64 => quote!(#arg as u64),
            BuiltinType::S32 | BuiltinType::S64 => quote!(#arg),
            BuiltinType::F32 => return Ok((ty, quote!(#arg), WasmType::F32)),
            BuiltinType::F64 => return Ok((ty, quote!(#arg), WasmType::F64)),
            BuiltinType::Char => quote! {
                char::from_u32(#arg as u32).ok_or(#rt::guest::GuestError::InvalidValue {
                    type_name: "char",
                    value: #arg as u32 as u64,
                })?
            },
        },
        Type::Variant(v) if v.is_bool() => quote! {
            match #arg {
                0 => false,
                1 => true,
                _ => return Err(#rt::guest::GuestError::InvalidValue { type_name: "bool", value: #bits }.into()),
            }
        },
        Type::Variant(v) if v.is_enum() => quote!(<#ty>::from_abi(#bits)?),
        Type::Record(r) if r.bitflags_repr().is_some() => quote!(<#ty>::from_abi(#bits)?),
        Type::Handle(_) => quote!(#ty(#arg as u32)),
        other => return Err(format!("a {} cannot be passed by value", other.kind())),
    };
    Ok((ty, decode, wasm))
}
