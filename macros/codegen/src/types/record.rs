use proc_macro2::TokenStream;
use quote::quote;
use witx::{NamedType, RecordDatatype};

use super::{is_eq, rust_type, size_align, zero_padding};
use crate::layout;
use crate::names::{docs, snake, type_ident};
use crate::{Cx, Error};

/// A record: a struct with its guest layout as constants, read and written field by field.
pub fn generate(
    nt: &NamedType,
    r: &RecordDatatype,
    cx: &Cx,
    layouts: &mut Vec<TokenStream>,
) -> Result<TokenStream, Error> {
    let rt = &cx.rt;
    let wname = nt.name.as_str();
    let name = type_ident(wname);
    let doc = docs(&nt.docs);
    let (sa, offsets) = layout::record(r);
    let fields = r
        .members
        .iter()
        .map(|m| snake(m.name.as_str()))
        .collect::<Vec<_>>();
    let types = r
        .members
        .iter()
        .map(|m| rust_type(&m.tref))
        .collect::<Result<Vec<_>, _>>()?;
    let field_docs = r.members.iter().map(|m| docs(&m.docs));
    let wfields = r.members.iter().map(|m| m.name.as_str());
    let used: Vec<(u32, u32)> = r
        .members
        .iter()
        .zip(&offsets)
        .map(|(m, &o)| (o, layout::of(&m.tref).size))
        .collect();
    let lit = proc_macro2::Literal::u32_unsuffixed;
    let padding = zero_padding(&used, sa.size, cx);
    let eq = if is_eq(&nt.tref) {
        quote!(Eq, Hash,)
    } else {
        quote!()
    };
    let header = size_align(sa);
    let (size, align) = (lit(sa.size), lit(sa.align));
    let offsets: Vec<_> = offsets.into_iter().map(lit).collect();
    let table = quote!(&[#((#wfields, #offsets)),*]);
    layouts.push(quote! {
        #rt::guest::TypeLayout { name: #wname, size: #size, align: #align, fields: #name::FIELD_OFFSETS }
    });
    Ok(quote! {
        #doc
        #[derive(Clone, Copy, Debug, PartialEq, #eq)]
        pub struct #name {
            #(#field_docs pub #fields: #types,)*
        }

        impl #name {
            /// Each member's name and byte offset in guest memory.
            pub const FIELD_OFFSETS: &'static [(&'static str, u32)] = #table;
        }

        impl #rt::guest::GuestType for #name {
            #header
            #[inline]
            fn read(mem: &#rt::guest::GuestMemory<'_>, ptr: u32) -> Result<Self, #rt::guest::GuestError> {
                Ok(#name {
                    #(#fields: <#types as #rt::guest::GuestType>::read(mem, #rt::guest::field_addr(ptr, #offsets)?)?,)*
                })
            }
            #[inline]
            fn write(&self, mem: &#rt::guest::GuestMemory<'_>, ptr: u32) -> Result<(), #rt::guest::GuestError> {
                #(<#types as #rt::guest::GuestType>::write(&self.#fields, mem, #rt::guest::field_addr(ptr, #offsets)?)?;)*
                #padding
                Ok(())
            }
        }
    })
}
