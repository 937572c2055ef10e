use proc_macro2::{Literal, TokenStream};
use quote::quote;
use witx::{NamedType, Variant};

use super::{is_eq, repr_type, rust_type, size_align, zero_padding};
use crate::layout;
use crate::names::{case_ident, docs, type_ident};
use crate::{Cx, Error};

/// A union (a variant with payloads): a Rust enum; the tag comes first, the payload at a
/// fixed offset after it.
pub fn generate(
    nt: &NamedType,
    v: &Variant,
    cx: &Cx,
    layouts: &mut Vec<TokenStream>,
) -> Result<TokenStream, Error> {
    let rt = &cx.rt;
    let wname = nt.name.as_str();
    let name = type_ident(wname);
    let doc = docs(&nt.docs);
    let (sa, payload_offset) = layout::variant(v);
    let tag_ty = repr_type(v.tag_repr);
    let tag_size = layout::of_repr(v.tag_repr).size;
    let mut cases = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    for (i, c) in v.cases.iter().enumerate() {
        let ident = case_ident(wname, c.name.as_str());
        let cdoc = if c.docs.trim().is_empty() {
            docs(&format!("The `{}` case.", c.name.as_str()))
        } else {
            docs(&c.docs)
        };
        let tag = Literal::u64_unsuffixed(i as u64);
        match &c.tref {
            Some(t) => {
                let ty = rust_type(t)?;
                let used = [(0, tag_size), (payload_offset, layout::of(t).size)];
                let payload_offset = Literal::u32_unsuffixed(payload_offset);
                let padding = zero_padding(&used, sa.size, cx);
                cases.push(quote!(#cdoc #ident(#ty)));
                reads.push(quote! {
                    #tag => Ok(#name::#ident(<#ty as #rt::guest::GuestType>::read(
                        mem,
                        #rt::guest::field_addr(ptr, #payload_offset)?,
                    )?))
                });
                writes.push(quote! {
                    #name::#ident(payload) => {
                        <#tag_ty as #rt::guest::GuestType>::write(&#tag, mem, ptr)?;
                        <#ty as #rt::guest::GuestType>::write(payload, mem, #rt::guest::field_addr(ptr, #payload_offset)?)?;
                        #padding
                    }
                });
            }
            None => {
                let padding = zero_padding(&[(0, tag_size)], sa.size, cx);
                cases.push(quote!(#cdoc #ident));
                reads.push(quote!(#tag => Ok(#name::#ident)));
                writes.push(quote! {
                    #name::#ident => {
                        <#tag_ty as #rt::guest::GuestType>::write(&#tag, mem, ptr)?;
                        #padding
                    }
                });
            }
        }
    }
    let eq = if is_eq(&nt.tref) {
        quote!(Eq, Hash,)
    } else {
        quote!()
    };
    let header = size_align(sa);
    let payload_lit = Literal::u32_unsuffixed(payload_offset);
    let (size, align) = (
        Literal::u32_unsuffixed(sa.size),
        Literal::u32_unsuffixed(sa.align),
    );
    layouts.push(quote! {
        #rt::guest::TypeLayout {
            name: #wname,
            size: #size,
            align: #align,
            fields: &[("<payload>", #name::PAYLOAD_OFFSET)],
        }
    });
    Ok(quote! {
        #doc
        #[derive(Clone, Copy, Debug, PartialEq, #eq)]
        pub enum #name {
            #(#cases,)*
        }

        impl #name {
            /// Byte offset of the payload, after the tag, in guest memory.
            pub const PAYLOAD_OFFSET: u32 = #payload_lit;
        }

        impl #rt::guest::GuestType for #name {
            #header
            #[inline]
            fn read(mem: &#rt::guest::GuestMemory<'_>, ptr: u32) -> Result<Self, #rt::guest::GuestError> {
                let tag = <#tag_ty as #rt::guest::GuestType>::read(mem, ptr)?;
                match tag {
                    #(#reads,)*
                    _ => Err(#rt::guest::GuestError::InvalidValue { type_name: #wname, value: u64::from(tag) }),
                }
            }
            #[inline]
            fn write(&self, mem: &#rt::guest::GuestMemory<'_>, ptr: u32) -> Result<(), #rt::guest::GuestError> {
                match self {
                    #(#writes)*
                }
                Ok(())
            }
        }
    })
}
