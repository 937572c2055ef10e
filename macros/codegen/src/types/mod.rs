//! One Rust type per WITX typename: aliases, handles, enums, flags, records and unions.

mod enumeration;
mod flags;
mod handle;
mod record;
mod union;

use proc_macro2::TokenStream;
use quote::quote;
use witx::{BuiltinType, Document, NamedType, Type, TypeRef};

use crate::layout;
use crate::names::{docs, type_ident};
use crate::{Cx, Error};

pub use enumeration::error_extras;

/// Rust definitions for every typename in `doc`, and a table of record/union layouts.
pub fn generate(doc: &Document, cx: &Cx) -> Result<TokenStream, Error> {
    let mut out = TokenStream::new();
    let mut layouts = Vec::new();
    for nt in doc.typenames() {
        // Lists have no Rust type of their own (they are views), so nothing to reuse.
        if let (Some(path), false) = (cx.shared_path(&nt), matches!(&**nt.type_(), Type::List(_))) {
            let name = type_ident(nt.name.as_str());
            out.extend(quote!(pub use #path::#name;));
            continue;
        }
        out.extend(named_type(&nt, cx, &mut layouts)?);
        out.extend(enumeration::widening(&nt, cx));
    }
    let rt = &cx.rt;
    out.extend(quote! {
        /// Guest memory layout of every record and union above, as generated.
        pub const LAYOUTS: &[#rt::guest::TypeLayout] = &[#(#layouts),*];
    });
    Ok(out)
}

fn named_type(
    nt: &NamedType,
    cx: &Cx,
    layouts: &mut Vec<TokenStream>,
) -> Result<TokenStream, Error> {
    let name = type_ident(nt.name.as_str());
    let doc = docs(&nt.docs);
    let ty = match &nt.tref {
        TypeRef::Name(other) => {
            let other = type_ident(other.name.as_str());
            return Ok(quote!(#doc pub type #name = #other;));
        }
        TypeRef::Value(ty) => ty,
    };
    Ok(match &**ty {
        Type::Builtin(b) => {
            let b = builtin(*b);
            quote!(#doc pub type #name = #b;)
        }
        Type::Pointer(_) | Type::ConstPointer(_) => quote!(#doc pub type #name = GuestAddr;),
        Type::Handle(_) => handle::generate(nt, cx),
        Type::Variant(v) if v.is_bool() => quote!(#doc pub type #name = bool;),
        Type::Variant(v) if v.is_enum() => enumeration::generate(nt, v, cx),
        Type::Variant(v) => union::generate(nt, v, cx, layouts)?,
        Type::Record(r) => match r.bitflags_repr() {
            Some(repr) => flags::generate(nt, r, repr, cx),
            None => record::generate(nt, r, cx, layouts)?,
        },
        // Lists only occur as parameters, where they become views of guest memory.
        Type::List(_) => TokenStream::new(),
    })
}

/// The Rust type for a builtin.
pub fn builtin(b: BuiltinType) -> TokenStream {
    match b {
        BuiltinType::Char => quote!(char),
        BuiltinType::U8 { .. } => quote!(u8),
        BuiltinType::U16 => quote!(u16),
        BuiltinType::U32 { .. } => quote!(u32),
        BuiltinType::U64 => quote!(u64),
        BuiltinType::S8 => quote!(i8),
        BuiltinType::S16 => quote!(i16),
        BuiltinType::S32 => quote!(i32),
        BuiltinType::S64 => quote!(i64),
        BuiltinType::F32 => quote!(f32),
        BuiltinType::F64 => quote!(f64),
    }
}

/// The Rust type of a value of `tref` (a field, a result, a scalar parameter).
pub fn rust_type(tref: &TypeRef) -> Result<TokenStream, Error> {
    match tref {
        TypeRef::Name(nt) => {
            let name = type_ident(nt.name.as_str());
            Ok(quote!(#name))
        }
        TypeRef::Value(ty) => match &**ty {
            Type::Builtin(b) => Ok(builtin(*b)),
            Type::Pointer(_) | Type::ConstPointer(_) => Ok(quote!(GuestAddr)),
            Type::Variant(v) if v.is_bool() => Ok(quote!(bool)),
            Type::Record(r) if r.is_tuple() => {
                let elems = r
                    .members
                    .iter()
                    .map(|m| rust_type(&m.tref))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(quote!((#(#elems,)*)))
            }
            other => Err(Error::new(format!(
                "an anonymous {} cannot be used here; give it a typename",
                other.kind()
            ))),
        },
    }
}

/// Whether values of this type are free of floats (and so can be `Eq` and `Hash`).
pub fn is_eq(tref: &TypeRef) -> bool {
    match &**tref.type_() {
        Type::Builtin(BuiltinType::F32 | BuiltinType::F64) => false,
        Type::Record(r) => r.members.iter().all(|m| is_eq(&m.tref)),
        Type::Variant(v) => v.cases.iter().all(|c| c.tref.as_ref().is_none_or(is_eq)),
        _ => true,
    }
}

/// The Rust integer type of an integer representation.
pub fn repr_type(repr: witx::IntRepr) -> TokenStream {
    builtin(repr.to_builtin())
}

/// Statements zeroing the bytes of `size` not covered by `used` (sorted `(offset, len)`), so
/// that padding the host writes is deterministic.
pub fn zero_padding(used: &[(u32, u32)], size: u32, cx: &Cx) -> TokenStream {
    let rt = &cx.rt;
    let mut gaps = Vec::new();
    let mut at = 0;
    for &(offset, len) in used {
        if offset > at {
            gaps.push((at, offset - at));
        }
        at = at.max(offset + len);
    }
    if size > at {
        gaps.push((at, size - at));
    }
    let stores = gaps.into_iter().map(|(offset, len)| {
        let offset = proc_macro2::Literal::u32_unsuffixed(offset);
        let len = proc_macro2::Literal::usize_unsuffixed(len as usize);
        quote!(mem.store(#rt::guest::field_addr(ptr, #offset)?, &[0u8; #len])?;)
    });
    quote!(#(#stores)*)
}

/// `impl GuestType` header pieces shared by every generated type.
pub fn size_align(sa: layout::SizeAlign) -> TokenStream {
    let size = proc_macro2::Literal::u32_unsuffixed(sa.size);
    let align = proc_macro2::Literal::u32_unsuffixed(sa.align);
    quote! {
        const SIZE: u32 = #size;
        const ALIGN: u32 = #align;
    }
}

/// `value` (of integer representation `repr`) as a `u64`.
pub fn widen(value: TokenStream, repr: witx::IntRepr) -> TokenStream {
    if repr == witx::IntRepr::U64 {
        value
    } else {
        quote!(u64::from(#value))
    }
}
