//! The trait a host implements: one method per WITX function, taking decoded arguments.

use proc_macro2::TokenStream;
use quote::quote;
use witx::{BuiltinType, Module, Type};

use crate::funcs::{Func, Kind};
use crate::names::{docs, type_ident};

/// The Rust type a method parameter is declared with.
pub fn param_type(kind: &Kind) -> TokenStream {
    match kind {
        Kind::Scalar { ty, .. } => ty.clone(),
        Kind::Str { .. } => quote!(&str),
        Kind::Buf { mutable: false, .. } => quote!(GuestBuf<'_>),
        Kind::Buf { mutable: true, .. } => quote!(GuestBufMut<'_>),
        Kind::Iovecs { mutable: false, .. } => quote!(Iovecs<'_>),
        Kind::Iovecs { mutable: true, .. } => quote!(IovecsMut<'_>),
        Kind::Array {
            elem,
            mutable: false,
            ..
        } => quote!(GuestArray<'_, #elem>),
        Kind::Array {
            elem,
            mutable: true,
            ..
        } => quote!(GuestArrayMut<'_, #elem>),
        Kind::Ptr { elem, .. } => quote!(GuestPtr<'_, #elem>),
    }
}

/// The return type of a planned function's method.
pub fn return_type(f: &Func) -> TokenStream {
    match &f.error {
        None => quote!(Trap),
        Some(e) => {
            let ok = f.ok_type();
            quote!(Result<#ok, CallError<#e>>)
        }
    }
}

pub fn generate(
    module: &Module,
    module_docs: &str,
    funcs: &[Func],
    has_nosys: &dyn Fn(&TokenStream) -> bool,
) -> TokenStream {
    let mname = module.name.as_str();
    let trait_name = type_ident(mname);
    let trait_doc = docs(&format!(
        "The host side of the `{mname}` module: one method per function.\n\n\
         Arguments arrive decoded and validated; results are written back by the bindings.\n\
         Every method has a default body (an errno meaning \"not implemented\", or a trap where\n\
         the module's error type has none), so a host implements only what it needs.\n\
         Register an implementation with `add_to_linker`.\n\n{}",
        module_docs.trim()
    ));
    let methods = funcs.iter().map(|f| {
        let method = &f.method;
        let names: Vec<_> = f.params.iter().map(|p| &p.name).collect();
        let types = f.params.iter().map(|p| param_type(&p.kind));
        let ret = return_type(f);
        let mut text = f.docs.trim_end().to_string();
        if !f.params.is_empty() {
            text.push_str("\n\n# Parameters\n");
            for p in &f.params {
                let pdoc = p.docs.split_whitespace().collect::<Vec<_>>().join(" ");
                text.push_str(&format!("\n- `{}`: {}", p.name, pdoc));
            }
        }
        let doc = docs(&text);
        let qualified = format!("{mname}::{}", f.witx.name.as_str());
        // Default bodies ignore their arguments explicitly rather than renaming them `_x`.
        let ignore = if names.is_empty() {
            quote!()
        } else {
            quote!(let _ = (#(#names,)*);)
        };
        let body = match &f.error {
            None => {
                // A noreturn function whose one argument is a `u32` exit status exits.
                let exits = f.witx.params.len() == 1
                    && matches!(
                        &**f.witx.params[0].tref.type_(),
                        Type::Builtin(BuiltinType::U32 { .. })
                    );
                if exits {
                    let p = names[0];
                    quote!(Trap::Exit(#p))
                } else {
                    quote! {
                        #ignore
                        Trap::msg(concat!(#qualified, " is not implemented"))
                    }
                }
            }
            Some(e) if has_nosys(e) => quote! {
                #ignore
                Err(CallError::Errno(#e::NOT_IMPLEMENTED))
            },
            Some(_) => quote! {
                #ignore
                Err(CallError::Trap(Trap::msg(concat!(#qualified, " is not implemented"))))
            },
        };
        quote! {
            #doc
            fn #method(&mut self, #(#names: #types),*) -> #ret {
                #body
            }
        }
    });
    quote! {
        #trait_doc
        #[allow(clippy::too_many_arguments)]
        pub trait #trait_name {
            #(#methods)*
        }
    }
}
