use proc_macro2::TokenStream;
use quote::quote;
use witx::NamedType;

use crate::Cx;
use crate::names::{docs, type_ident};

/// A handle: a `u32` newtype, so that one kind of handle cannot be passed as another.
pub fn generate(nt: &NamedType, cx: &Cx) -> TokenStream {
    let rt = &cx.rt;
    let name = type_ident(nt.name.as_str());
    let doc = docs(&nt.docs);
    quote! {
        #doc
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct #name(pub u32);

        impl From<u32> for #name {
            fn from(raw: u32) -> Self {
                #name(raw)
            }
        }

        impl From<#name> for u32 {
            fn from(handle: #name) -> u32 {
                handle.0
            }
        }

        impl ::core::fmt::Display for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::fmt::Display::fmt(&self.0, f)
            }
        }

        impl #rt::guest::GuestType for #name {
            const SIZE: u32 = 4;
            const ALIGN: u32 = 4;
            #[inline]
            fn read(mem: &#rt::guest::GuestMemory<'_>, ptr: u32) -> Result<Self, #rt::guest::GuestError> {
                <u32 as #rt::guest::GuestType>::read(mem, ptr).map(#name)
            }
            #[inline]
            fn write(&self, mem: &#rt::guest::GuestMemory<'_>, ptr: u32) -> Result<(), #rt::guest::GuestError> {
                <u32 as #rt::guest::GuestType>::write(&self.0, mem, ptr)
            }
        }
    }
}
