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
        None if f.direct => quote!(Result<i32, Trap>),
        None => quote!(Trap),
        Some(e) => {
            let ok = f.ok_type();
            quote!(Result<#ok, CallError<#e>>)
        }
    }
}

/// The pieces of one method, shared by both trait flavours.
struct Method {
    doc: TokenStream,
    name: proc_macro2::Ident,
    params: Vec<proc_macro2::Ident>,
    types: Vec<TokenStream>,
    ret: TokenStream,
    body: TokenStream,
}

pub fn generate(
    module: &Module,
    module_docs: &str,
    funcs: &[Func],
    has_nosys: &dyn Fn(&TokenStream) -> bool,
    rt: &TokenStream,
) -> TokenStream {
    let mname = module.name.as_str();
    let trait_name = type_ident(mname);
    let shared_name = quote::format_ident!("{}Shared", trait_name);
    let trait_doc = docs(&format!(
        "The host side of the `{mname}` module: one method per function.\n\n\
         Arguments arrive decoded and validated; results are written back by the bindings.\n\
         Every method has a default body (an errno meaning \"not implemented\", or a trap where\n\
         the module's error type has none), so a host implements only what it needs.\n\
         Register an implementation with `add_to_linker`.\n\n{}",
        module_docs.trim()
    ));
    let shared_doc = docs(&format!(
        "The shared-host flavour of [`{trait_name}`]: one host object serving many instances and\n\
         threads. Methods take `&self` and the calling instance's [`Context`](Self::Context);\n\
         the default bodies are [`{trait_name}`]'s. `Arc<H>` implements it when `H` does, and\n\
         `SharedHost {{ host: Arc<H>, context }}` in each store's data implements\n\
         [`{trait_name}`], so the same registration serves it."
    ));
    let methods: Vec<Method> = funcs
        .iter()
        .map(|f| plan_method(mname, f, has_nosys))
        .collect();
    let exclusive = methods.iter().map(|m| {
        let Method {
            doc,
            name,
            params,
            types,
            ret,
            body,
        } = m;
        quote! {
            #doc
            fn #name(&mut self, #(#params: #types),*) -> #ret {
                #body
            }
        }
    });
    let shared = methods.iter().map(|m| {
        let Method {
            doc,
            name,
            params,
            types,
            ret,
            body,
        } = m;
        quote! {
            #doc
            fn #name(&self, cx: &mut Self::Context, #(#params: #types),*) -> #ret {
                let _ = cx;
                #body
            }
        }
    });
    let by_arc = methods.iter().map(|m| {
        let Method {
            name,
            params,
            types,
            ret,
            ..
        } = m;
        quote! {
            #[inline]
            fn #name(&self, cx: &mut Self::Context, #(#params: #types),*) -> #ret {
                (**self).#name(cx, #(#params),*)
            }
        }
    });
    let to_exclusive = methods.iter().map(|m| {
        let Method {
            name,
            params,
            types,
            ret,
            ..
        } = m;
        quote! {
            #[inline]
            fn #name(&mut self, #(#params: #types),*) -> #ret {
                self.host.#name(&mut self.context, #(#params),*)
            }
        }
    });
    let delegation = crate::delegate::generate(mname, &trait_name, funcs, rt);
    quote! {
        #trait_doc
        #[allow(clippy::too_many_arguments)]
        pub trait #trait_name {
            #(#exclusive)*
        }

        #delegation

        #shared_doc
        #[allow(clippy::too_many_arguments)]
        pub trait #shared_name: Send + Sync + 'static {
            /// The state of one calling instance, which each call receives.
            type Context;
            #(#shared)*
        }

        #[allow(clippy::too_many_arguments)]
        impl<S: #shared_name + ?Sized> #shared_name for ::std::sync::Arc<S> {
            type Context = S::Context;
            #(#by_arc)*
        }

        #[allow(clippy::too_many_arguments)]
        impl<S: #shared_name + ?Sized> #trait_name for #rt::SharedHost<S, S::Context> {
            #(#to_exclusive)*
        }
    }
}

fn plan_method(mname: &str, f: &Func, has_nosys: &dyn Fn(&TokenStream) -> bool) -> Method {
    let method = &f.method;
    let names: Vec<_> = f.params.iter().map(|p| &p.name).collect();
    let types: Vec<_> = f.params.iter().map(|p| param_type(&p.kind)).collect();
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
        None if f.direct => quote! {
            #ignore
            Err(Trap::msg(concat!(#qualified, " is not implemented")))
        },
        None => {
            // A noreturn function marked `@ends` whose one argument is a `u32` status ends
            // the program or the thread with it.
            let status = f.witx.params.len() == 1
                && matches!(
                    &**f.witx.params[0].tref.type_(),
                    Type::Builtin(BuiltinType::U32 { .. })
                );
            if let (true, Some(ends)) = (status, f.ends) {
                let p = names[0];
                match ends {
                    crate::annotations::Ends::Program => quote!(Trap::Exit(#p)),
                    crate::annotations::Ends::Thread => quote!(Trap::ExitThread(#p)),
                }
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
    Method {
        doc,
        name: method.clone(),
        params: names.into_iter().cloned().collect(),
        types,
        ret,
        body,
    }
}
