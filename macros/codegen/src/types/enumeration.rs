use proc_macro2::{Literal, TokenStream};
use quote::quote;
use witx::{NamedType, Variant};

use super::repr_type;
use crate::Cx;
use crate::names::{case_ident, docs, first_sentence, type_ident};

/// An enum (a variant without payloads): a `#[repr]` Rust enum whose decoding rejects
/// undefined values.
pub fn generate(nt: &NamedType, v: &Variant, cx: &Cx) -> TokenStream {
    let rt = &cx.rt;
    let wname = nt.name.as_str();
    let name = type_ident(wname);
    let doc = docs(&nt.docs);
    let repr = repr_type(v.tag_repr);
    let idents: Vec<_> = v
        .cases
        .iter()
        .map(|c| case_ident(wname, c.name.as_str()))
        .collect();
    let case_docs = v.cases.iter().map(|c| docs(&c.docs));
    let values: Vec<_> = (0..v.cases.len())
        .map(|i| Literal::u64_unsuffixed(i as u64))
        .collect();
    let wnames = v.cases.iter().map(|c| c.name.as_str());
    let n = v.cases.len();
    let read = quote!(<#repr as #rt::guest::GuestType>::read(mem, ptr)?);
    let widen = super::widen(read, v.tag_repr);
    let try_from_arg = super::widen(quote!(value), v.tag_repr);
    quote! {
        #doc
        #[repr(#repr)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum #name {
            #(#case_docs #idents = #values,)*
        }

        impl #name {
            /// Every case, in order of value.
            pub const ALL: [#name; #n] = [#(#name::#idents),*];

            /// The case's name in the WITX spec.
            pub fn name(self) -> &'static str {
                match self {
                    #(#name::#idents => #wnames,)*
                }
            }

            /// Decodes a value received from the guest; an undefined value is an error.
            #[inline]
            pub fn from_abi(value: u64) -> Result<Self, #rt::guest::GuestError> {
                match value {
                    #(#values => Ok(#name::#idents),)*
                    _ => Err(#rt::guest::GuestError::InvalidValue { type_name: #wname, value }),
                }
            }
        }

        impl TryFrom<#repr> for #name {
            type Error = #rt::guest::GuestError;
            // Spelled out: `Self::Error` would be ambiguous with a case named `error`.
            #[inline]
            fn try_from(value: #repr) -> Result<Self, #rt::guest::GuestError> {
                #name::from_abi(#try_from_arg)
            }
        }

        impl From<#name> for #repr {
            #[inline]
            fn from(value: #name) -> #repr {
                value as #repr
            }
        }

        impl #rt::guest::GuestType for #name {
            const SIZE: u32 = ::core::mem::size_of::<#repr>() as u32;
            const ALIGN: u32 = ::core::mem::size_of::<#repr>() as u32;
            #[inline]
            fn read(mem: &#rt::guest::GuestMemory<'_>, ptr: u32) -> Result<Self, #rt::guest::GuestError> {
                #name::from_abi(#widen)
            }
            #[inline]
            fn write(&self, mem: &#rt::guest::GuestMemory<'_>, ptr: u32) -> Result<(), #rt::guest::GuestError> {
                <#repr as #rt::guest::GuestType>::write(&(*self as #repr), mem, ptr)
            }
        }
    }
}

/// What makes an enum usable as a module's error type: `Display` (each case's first doc
/// sentence), `std::error::Error`, `?` into `CallError`, and the errno each kind of bad guest
/// input is reported as (where the enum has a case for it; otherwise such input traps).
pub fn error_extras(nt: &NamedType, v: &Variant, cx: &Cx) -> TokenStream {
    let rt = &cx.rt;
    let wname = nt.name.as_str();
    let name = type_ident(wname);
    let repr = repr_type(v.tag_repr);
    let idents: Vec<_> = v
        .cases
        .iter()
        .map(|c| case_ident(wname, c.name.as_str()))
        .collect();
    let texts = v.cases.iter().map(|c| {
        let s = first_sentence(&c.docs);
        if s.is_empty() {
            c.name.as_str().to_string()
        } else {
            s
        }
    });
    let case = |wanted: &str| -> TokenStream {
        match v.cases.iter().find(|c| c.name.as_str() == wanted) {
            Some(c) => {
                let ident = case_ident(wname, c.name.as_str());
                quote!(Some(#name::#ident))
            }
            None => quote!(None),
        }
    };
    let fault = case("fault");
    let inval = case("inval");
    let ilseq = case("ilseq");
    let nametoolong = match v.cases.iter().any(|c| c.name.as_str() == "nametoolong") {
        true => case("nametoolong"),
        false => inval.clone(),
    };
    let not_implemented = match v.cases.iter().find(|c| c.name.as_str() == "nosys") {
        Some(c) => {
            let ident = case_ident(wname, c.name.as_str());
            quote! {
                /// What a method the host does not implement returns.
                pub const NOT_IMPLEMENTED: #name = #name::#ident;
            }
        }
        None => TokenStream::new(),
    };
    quote! {
        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(match self {
                    #(#name::#idents => #texts,)*
                })
            }
        }

        impl ::std::error::Error for #name {}

        impl From<#name> for #rt::CallError<#name> {
            #[inline]
            fn from(errno: #name) -> Self {
                #rt::CallError::Errno(errno)
            }
        }

        impl #rt::call::ErrorCode for #name {
            #[inline]
            fn code(self) -> i32 {
                self as #repr as i32
            }
            #[inline]
            fn from_guest_error(error: #rt::guest::GuestError) -> Option<Self> {
                #name::from_guest_error(error)
            }
        }

        impl #name {
            #not_implemented

            /// The errno a bad guest input is reported as, or `None` where it traps instead
            /// (misaligned pointers, a missing memory export: see `docs/guest-memory.md`).
            #[inline]
            pub fn from_guest_error(error: #rt::guest::GuestError) -> Option<#name> {
                use #rt::guest::GuestError as G;
                match error {
                    G::OutOfBounds { .. } => #fault,
                    G::InvalidValue { .. } | G::InvalidFlags { .. } | G::TooLong { .. } => #inval,
                    G::InvalidUtf8 => #ilseq,
                    G::StringTooLong { .. } => #nametoolong,
                    G::Misaligned { .. } | G::NoMemory => None,
                }
            }
        }
    }
}

/// For an enum that extends a shared enum of the same name (the shared cases first, in order,
/// as the WasmEdge and WASIX errnos extend preview1's), the conversion from the shared one.
pub fn widening(nt: &NamedType, cx: &Cx) -> TokenStream {
    let Some((path, shared)) = cx.shared_namesake(nt) else {
        return TokenStream::new();
    };
    let (witx::Type::Variant(ours), witx::Type::Variant(theirs)) =
        (&**nt.type_(), &**shared.type_())
    else {
        return TokenStream::new();
    };
    let prefix = ours.is_enum()
        && theirs.is_enum()
        && theirs.cases.len() <= ours.cases.len()
        && theirs
            .cases
            .iter()
            .zip(&ours.cases)
            .all(|(a, b)| a.name == b.name);
    if !prefix {
        return TokenStream::new();
    }
    let wname = nt.name.as_str();
    let name = type_ident(wname);
    let their_wname = shared.name.as_str();
    let their_name = type_ident(their_wname);
    let pairs = theirs.cases.iter().map(|c| {
        let (from, to) = (
            case_ident(their_wname, c.name.as_str()),
            case_ident(wname, c.name.as_str()),
        );
        quote!(#path::#their_name::#from => #name::#to,)
    });
    let doc = format!(" Every `{their_wname}` is the `{wname}` of the same name and value.");
    quote! {
        #[doc = #doc]
        impl From<#path::#their_name> for #name {
            fn from(value: #path::#their_name) -> Self {
                match value {
                    #(#pairs)*
                }
            }
        }
    }
}
