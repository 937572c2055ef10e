//! Wrapping a host: the `<Module>Delegate` trait (override some methods, forward the rest to
//! an inner host) and the tracing layer's implementation of the module trait. Both are
//! generated from the same plan as the trait, so a function added to a spec is forwarded and
//! traced without anyone writing a line.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use crate::funcs::{Func, Kind, Shape};
use crate::module_trait::{param_type, return_type};

/// How the trace line shows one decoded argument: a format spec and the expression it formats.
fn shown(name: &Ident, kind: &Kind, rt: &TokenStream) -> (&'static str, TokenStream) {
    let tr = quote!(#rt::layers::trace);
    match kind {
        // Handles print their numbers, flags their set bits' names, enums their case names.
        Kind::Scalar {
            shape: Shape::Handle,
            ..
        } => ("{}", quote!(#name.0)),
        Kind::Scalar {
            shape: Shape::Flags,
            ..
        } => ("{}", quote!(#tr::Flags(#name))),
        Kind::Scalar { .. } => ("{:?}", quote!(#name)),
        Kind::Str { .. } => ("{:?}", quote!(#name)),
        Kind::Buf { .. } => ("{}", quote!(#tr::Bytes(#name.len()))),
        Kind::Iovecs { .. } => ("{}", quote!(#tr::Regions(#name.regions()))),
        Kind::Array { .. } => ("{}", quote!(#tr::Array(#name.addr(), #name.len()))),
        Kind::Ptr { .. } => ("{}", quote!(#tr::Addr(#name.addr()))),
    }
}

/// Whether the function's one result is a handle (`path_open`'s new descriptor).
fn ok_is_handle(f: &Func) -> bool {
    let [result] = f.witx.results.as_slice() else {
        return false;
    };
    let witx::Type::Variant(v) = &**result.tref.type_() else {
        return false;
    };
    matches!(v.as_expected(), Some((Some(ok), _)) if matches!(&**ok.type_(), witx::Type::Handle(_)))
}

pub fn generate(mname: &str, trait_name: &Ident, funcs: &[Func], rt: &TokenStream) -> TokenStream {
    let delegate = format_ident!("{}Delegate", trait_name);
    let doc = crate::names::docs(&format!(
        "A host that wraps another [`{trait_name}`] host and overrides some of its methods.\n\n\
         Name the inner host once with `Delegate` (shared by every spec's delegate trait) and\n\
         implement the methods to change here; every other method forwards the call, arguments\n\
         unchanged, to the inner host (these defaults are generated from the spec, so a\n\
         function added to it forwards too). An empty `impl` forwards the whole module. Every\n\
         implementor also implements [`{trait_name}`], so it registers like any host."
    ));
    let mut forwards = Vec::new();
    let mut blanket = Vec::new();
    let mut traced = Vec::new();
    for f in funcs {
        let m = &f.method;
        let names: Vec<&Ident> = f.params.iter().map(|p| &p.name).collect();
        let types: Vec<TokenStream> = f.params.iter().map(|p| param_type(&p.kind)).collect();
        let ret = return_type(f);
        let forward_doc =
            format!(" Forwards to the inner host's [`{trait_name}::{m}`] unless overridden.");
        forwards.push(quote! {
            #[doc = #forward_doc]
            #[inline]
            fn #m(&mut self, #(#names: #types),*) -> #ret {
                <<Self as #rt::Delegate>::Inner as #trait_name>::#m(
                    <Self as #rt::Delegate>::inner(self),
                    #(#names),*
                )
            }
        });
        blanket.push(quote! {
            #[inline]
            fn #m(&mut self, #(#names: #types),*) -> #ret {
                <D as #delegate>::#m(self, #(#names),*)
            }
        });

        let mut format = String::new();
        let mut values = Vec::new();
        for (i, p) in f.params.iter().enumerate() {
            let (spec, value) = shown(&p.name, &p.kind, rt);
            if i > 0 {
                format.push_str(", ");
            }
            format.push_str(&format!("{}={spec}", p.name));
            values.push(value);
        }
        let fname = f.witx.name.as_str();
        let outcome = match &f.error {
            // A new handle shows as its number, as handle arguments do.
            Some(e) if ok_is_handle(f) => {
                quote!(#rt::layers::trace::outcome_by(&__result, |h| h.0, #e::name))
            }
            Some(e) => quote!(#rt::layers::trace::outcome(&__result, #e::name)),
            // A direct result (wasi-threads' `thread-spawn`): its value, or the trap.
            None if f.direct => quote!(#rt::layers::trace::direct(&__result)),
            None => quote!(#rt::layers::trace::ending(&__result)),
        };
        traced.push(quote! {
            fn #m(&mut self, #(#names: #types),*) -> #ret {
                // Locals start with `__`: parameters are named after the spec's (`args`,
                // `start`), which must not be shadowed.
                let __args = ::std::format!(#format, #(#values),*);
                let __start = ::std::time::Instant::now();
                let __result = <H as #trait_name>::#m(&mut self.inner, #(#names),*);
                let __took = __start.elapsed();
                self.tracer.record(#mname, #fname, &__args, &#outcome, __took);
                __result
            }
        });
    }
    quote! {
        #doc
        #[allow(clippy::too_many_arguments)]
        pub trait #delegate: #rt::Delegate<Inner: #trait_name> {
            #(#forwards)*
        }

        #[allow(clippy::too_many_arguments)]
        impl<D: #delegate + ?Sized> #trait_name for D {
            #(#blanket)*
        }

        /// Every call traced: its decoded arguments, outcome and duration, then the inner
        /// host's answer unchanged.
        #[allow(clippy::too_many_arguments, clippy::useless_format)]
        impl<H: #trait_name> #trait_name for #rt::layers::Traced<H> {
            #(#traced)*
        }
    }
}
