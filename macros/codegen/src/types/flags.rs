use proc_macro2::TokenStream;
use quote::quote;
use witx::{IntRepr, NamedType, RecordDatatype};

use super::repr_type;
use crate::Cx;
use crate::names::{docs, flag_ident, type_ident};

/// A flags type: a `bitflags` struct whose decoding rejects undefined bits.
pub fn generate(nt: &NamedType, r: &RecordDatatype, repr: IntRepr, cx: &Cx) -> TokenStream {
    let rt = &cx.rt;
    let wname = nt.name.as_str();
    let name = type_ident(wname);
    let doc = docs(&nt.docs);
    let ty = repr_type(repr);
    let flags = r.members.iter().enumerate().map(|(bit, m)| {
        let ident = flag_ident(m.name.as_str());
        let doc = docs(&m.docs);
        let bit = bit as u32;
        quote!(#doc const #ident = 1 << #bit;)
    });
    let widen = super::widen(
        quote!(<#ty as #rt::guest::GuestType>::read(mem, ptr)?),
        repr,
    );
    let narrow = if repr == IntRepr::U64 {
        quote!(Some(bits))
    } else {
        quote!(<#ty>::try_from(bits).ok())
    };
    quote! {
        #rt::__private::bitflags::bitflags! {
            #doc
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub struct #name: #ty {
                #(#flags)*
            }
        }

        impl #name {
            /// Decodes bits received from the guest; an undefined bit is an error.
            #[inline]
            pub fn from_abi(bits: u64) -> Result<Self, #rt::guest::GuestError> {
                #narrow
                    .and_then(#name::from_bits)
                    .ok_or(#rt::guest::GuestError::InvalidFlags { type_name: #wname, bits })
            }
        }

        impl #rt::guest::GuestType for #name {
            const SIZE: u32 = ::core::mem::size_of::<#ty>() as u32;
            const ALIGN: u32 = ::core::mem::size_of::<#ty>() as u32;
            #[inline]
            fn read(mem: &#rt::guest::GuestMemory<'_>, ptr: u32) -> Result<Self, #rt::guest::GuestError> {
                #name::from_abi(#widen)
            }
            #[inline]
            fn write(&self, mem: &#rt::guest::GuestMemory<'_>, ptr: u32) -> Result<(), #rt::guest::GuestError> {
                <#ty as #rt::guest::GuestType>::write(&self.bits(), mem, ptr)
            }
        }
    }
}
