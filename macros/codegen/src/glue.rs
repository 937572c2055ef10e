//! Registration on a `wasmtime::Linker`: one closure per function that decodes core wasm
//! arguments, calls the trait method and writes results back.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use witx::{Module, WasmType};

use crate::Cx;
use crate::funcs::{Func, Kind};
use crate::names::type_ident;

fn wasm_type(t: WasmType) -> TokenStream {
    match t {
        WasmType::I32 => quote!(i32),
        WasmType::I64 => quote!(i64),
        WasmType::F32 => quote!(f32),
        WasmType::F64 => quote!(f64),
    }
}

/// For each parameter, whether its view may hand out references into guest memory
/// (`true`), must copy (`false`), or may unless it overlaps another view (a runtime test).
///
/// References are sound only when no `&mut` can alias them: shared references may coexist
/// with each other and with copying readers, but not with any writer; a `&mut` view must be
/// the only view of the call, except for contiguous read-only views proven disjoint from it.
fn direct_modes(f: &Func, cx: &Cx) -> Vec<TokenStream> {
    let rt = &cx.rt;
    let exclusive: Vec<usize> = f
        .params
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            matches!(
                p.kind,
                Kind::Buf { mutable: true, .. } | Kind::Iovecs { mutable: true, .. }
            )
        })
        .map(|(i, _)| i)
        .collect();
    let copy_writers = f
        .params
        .iter()
        .any(|p| matches!(p.kind, Kind::Array { mutable: true, .. } | Kind::Ptr { .. }));
    let copy_readers = f
        .params
        .iter()
        .any(|p| matches!(p.kind, Kind::Array { mutable: false, .. }));
    let contiguous = |k: &Kind| matches!(k, Kind::Str { .. } | Kind::Buf { mutable: false, .. });
    f.params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if exclusive.is_empty() {
                return if copy_writers {
                    quote!(false)
                } else {
                    quote!(true)
                };
            }
            let [x] = exclusive.as_slice() else {
                return quote!(false);
            };
            let others_ok = !copy_writers
                && !copy_readers
                && f.params.iter().enumerate().all(|(j, q)| {
                    j == *x || matches!(q.kind, Kind::Scalar { .. }) || contiguous(&q.kind)
                });
            if !others_ok {
                return quote!(false);
            }
            if i == *x {
                return quote!(true);
            }
            // A contiguous read-only view next to one `&mut` view: direct if disjoint from it.
            match (&p.kind, &f.params[*x].kind) {
                (
                    Kind::Str { ptr, len } | Kind::Buf { ptr, len, .. },
                    Kind::Buf {
                        ptr: xp, len: xl, ..
                    },
                ) => quote! {
                    !#rt::guest::ranges_overlap(#ptr as u32, #len as u32, #xp as u32, #xl as u32)
                },
                _ => quote!(false),
            }
        })
        .collect()
}

fn decode(name: &Ident, kind: &Kind, direct: &TokenStream, cx: &Cx) -> TokenStream {
    let rt = &cx.rt;
    let g = quote!(#rt::guest);
    match kind {
        Kind::Scalar { decode, .. } => quote!(let #name = #decode;),
        Kind::Str { ptr, len } => quote! {
            let #name = unsafe { mem.string(#ptr as u32, #len as u32, #direct) }?;
        },
        Kind::Buf {
            ptr,
            len,
            mutable: false,
        } => quote! {
            let #name = unsafe { #g::GuestBuf::new(mem, #ptr as u32, #len as u32, #direct) }?;
        },
        Kind::Buf {
            ptr,
            len,
            mutable: true,
        } => quote! {
            let #name = unsafe { #g::GuestBufMut::new(mem, #ptr as u32, #len as u32, #direct) }?;
        },
        Kind::Iovecs {
            ptr,
            len,
            mutable: false,
        } => quote! {
            let #name = unsafe { #g::Iovecs::decode(mem, #ptr as u32, #len as u32, #direct) }?;
        },
        Kind::Iovecs {
            ptr,
            len,
            mutable: true,
        } => quote! {
            let #name = unsafe { #g::IovecsMut::decode(mem, #ptr as u32, #len as u32, #direct) }?;
        },
        Kind::Array {
            ptr,
            len,
            elem,
            mutable: false,
        } => quote! {
            let #name = #g::GuestArray::<#elem>::new(mem, #ptr as u32, #len as u32)?;
        },
        Kind::Array {
            ptr,
            len,
            elem,
            mutable: true,
        } => quote! {
            let #name = #g::GuestArrayMut::<#elem>::new(mem, #ptr as u32, #len as u32)?;
        },
        Kind::Ptr {
            ptr,
            elem,
            one: false,
        } => quote! {
            let #name = #g::GuestPtr::<#elem>::new(mem, #ptr as u32);
        },
        Kind::Ptr {
            ptr,
            elem,
            one: true,
        } => quote! {
            mem.check_array::<#elem>(#ptr as u32, 1)?;
            let #name = #g::GuestPtr::<#elem>::new(mem, #ptr as u32);
        },
    }
}

fn register(module: &Module, import_module: &str, f: &Func, cx: &Cx) -> TokenStream {
    let rt = &cx.rt;
    let wt = quote!(#rt::__private::wasmtime);
    let mname = module.name.as_str();
    let fname = f.witx.name.as_str();
    let iname = f.import.as_str();
    let qualified = format!("{mname}::{fname}");
    let method = &f.method;
    let core_idents = f.core_params.iter().map(|c| &c.ident);
    let core_types = f.core_params.iter().map(|c| wasm_type(c.ty));
    let directs = direct_modes(f, cx);
    let decodes: Vec<_> = f
        .params
        .iter()
        .zip(&directs)
        .map(|(p, d)| decode(&p.name, &p.kind, d, cx))
        .collect();
    let args: Vec<_> = f
        .params
        .iter()
        .map(|p| {
            let n = &p.name;
            match p.kind {
                Kind::Str { .. } => quote!(&#n),
                _ => quote!(#n),
            }
        })
        .collect();

    if f.direct {
        // A direct `s32` result: the method's value is the core result; a trap unwinds, and a
        // bad argument traps too.
        return quote! {
            #fname => linker.func_wrap(#import_module, #iname, move |mut caller: #wt::Caller<'_, T>, #(#core_idents: #core_types),*| -> #wt::Result<i32> {
                let host = get(caller.data_mut());
                let outcome = (|| -> Result<Result<i32, #rt::Trap>, #rt::guest::GuestError> {
                    #(#decodes)*
                    Ok(host.#method(#(#args),*))
                })();
                match outcome {
                    Ok(Ok(value)) => Ok(value),
                    Ok(Err(trap)) => Err(trap.into_wasmtime()),
                    Err(error) => Err(#wt::Error::new(#rt::call::GuestTrap { function: #qualified, error })),
                }
            })?,
        };
    }
    let Some(errno) = &f.error else {
        // `noreturn`: the method's trap is the outcome; a bad argument traps too.
        return quote! {
            #fname => linker.func_wrap(#import_module, #iname, move |mut caller: #wt::Caller<'_, T>, #(#core_idents: #core_types),*| -> #wt::Result<()> {
                let host = get(caller.data_mut());
                let outcome = (|| -> Result<#rt::Trap, #rt::guest::GuestError> {
                    #(#decodes)*
                    Ok(host.#method(#(#args),*))
                })();
                match outcome {
                    Ok(trap) => Err(trap.into_wasmtime()),
                    Err(error) => Err(#wt::Error::new(#rt::call::GuestTrap { function: #qualified, error })),
                }
            })?,
        };
    };

    let outs = &f.outs;
    let out_checks = outs
        .iter()
        .map(|(o, t)| quote!(let #o = mem.out_param::<#t>(#o as u32)?;));
    let call_and_store = match outs.len() {
        0 => quote!(host.#method(#(#args),*)?;),
        1 => {
            let o = &outs[0].0;
            quote! {
                let result = host.#method(#(#args),*)?;
                #o.write(&mem, &result)?;
            }
        }
        _ => {
            let results: Vec<_> = (0..outs.len())
                .map(|i| quote::format_ident!("result_{}", i))
                .collect();
            let os = outs.iter().map(|(o, _)| o);
            quote! {
                let (#(#results),*) = host.#method(#(#args),*)?;
                #(#os.write(&mem, &#results)?;)*
            }
        }
    };
    let body = if f.uses_memory() {
        quote! {
            let outcome = #rt::guest::with_guest_memory(&mut caller, &memory, get, |mem, host| -> Result<(), #rt::CallError<#errno>> {
                #(#decodes)*
                #(#out_checks)*
                #call_and_store
                Ok(())
            });
            #rt::call::finish(#qualified, outcome.unwrap_or_else(|e| Err(e.into())))
        }
    } else {
        quote! {
            let host = get(caller.data_mut());
            let outcome = (|| -> Result<(), #rt::CallError<#errno>> {
                #(#decodes)*
                #call_and_store
                Ok(())
            })();
            #rt::call::finish(#qualified, outcome)
        }
    };
    let capture = if f.uses_memory() {
        quote!(let memory = memory.clone();)
    } else {
        quote!()
    };
    quote! {
        #fname => {
            #capture
            linker.func_wrap(#import_module, #iname, move |mut caller: #wt::Caller<'_, T>, #(#core_idents: #core_types),*| -> #wt::Result<i32> {
                #body
            })?
        }
    }
}

fn core_type(t: WasmType, cx: &Cx) -> TokenStream {
    let rt = &cx.rt;
    match t {
        WasmType::I32 => quote!(#rt::link::CoreType::I32),
        WasmType::I64 => quote!(#rt::link::CoreType::I64),
        WasmType::F32 => quote!(#rt::link::CoreType::F32),
        WasmType::F64 => quote!(#rt::link::CoreType::F64),
    }
}

/// One module's functions as the generator plans them, with the module's import name.
pub struct PlannedModule<'a> {
    pub module: &'a Module,
    pub import: String,
    pub funcs: Vec<Func<'a>>,
}

impl PlannedModule<'_> {
    /// `define_<module>`: registers one function of this module by WITX name.
    pub fn define_ident(&self) -> Ident {
        quote::format_ident!("define_{}", crate::names::snake(self.module.name.as_str()))
    }
}

/// `define_<module>` for one module.
pub fn generate_module(m: &PlannedModule, cx: &Cx) -> TokenStream {
    let rt = &cx.rt;
    let wt = quote!(#rt::__private::wasmtime);
    let mname = m.module.name.as_str();
    let trait_name = type_ident(mname);
    let arms = m.funcs.iter().map(|f| register(m.module, &m.import, f, cx));
    let define = m.define_ident();
    // A module none of whose functions reads memory (wasi-threads) leaves `memory` unused.
    let unused_memory = if m.funcs.iter().any(|f| f.uses_memory()) {
        quote!()
    } else {
        quote!(let _ = memory;)
    };
    let doc = format!(
        " Defines the `{mname}` function `function` (its WITX name) in `linker` under its import\n \
         name, its calls finding guest memory through `memory`; `Ok(false)` if the module has no\n \
         such function. Calls look up nothing else, allocate nothing, and use no async machinery."
    );
    quote! {
        #[doc = #doc]
        // Each closure's inner `(|| ...)()` scopes `?` to one call's outcome.
        #[allow(clippy::redundant_closure_call)]
        pub fn #define<T, H>(
            linker: &mut #wt::Linker<T>,
            function: &str,
            get: impl Fn(&mut T) -> &mut H + Send + Sync + Copy + 'static,
            memory: &#rt::guest::MemoryBinding,
        ) -> #wt::Result<bool>
        where
            T: 'static,
            H: #trait_name,
        {
            #unused_memory
            match function {
                #(#arms)*
                _ => return Ok(false),
            };
            Ok(true)
        }
    }
}

/// The document-level items, whose names never change as modules or functions are added:
/// `IMPORTS`, `define` and `add_to_linker`.
pub fn generate_document(modules: &[PlannedModule], cx: &Cx) -> TokenStream {
    let rt = &cx.rt;
    let wt = quote!(#rt::__private::wasmtime);
    let specs = modules.iter().flat_map(|m| {
        m.funcs.iter().map(move |f| {
            let (module, import, witx_module, function) = (
                &m.import,
                &f.import,
                m.module.name.as_str(),
                f.witx.name.as_str(),
            );
            let params = f.core_params.iter().map(|c| core_type(c.ty, cx));
            let results: Vec<_> = f
                .witx
                .wasm_signature()
                .1
                .into_iter()
                .map(|t| core_type(t, cx))
                .collect();
            quote! {
                #rt::link::ImportSpec {
                    module: #module,
                    name: #import,
                    witx_module: #witx_module,
                    function: #function,
                    params: &[#(#params),*],
                    results: &[#(#results),*],
                }
            }
        })
    });
    let traits: Vec<_> = modules
        .iter()
        .map(|m| type_ident(m.module.name.as_str()))
        .collect();
    let arms = modules.iter().map(|m| {
        let witx_module = m.module.name.as_str();
        let define = m.define_ident();
        quote!(#witx_module => #define(linker, function, get, memory),)
    });
    let rt_doc = rt_path(rt);
    let add_doc = format!(
        " Defines every function of this document in `linker`, calling the host that `get`\n \
         finds in the store's data; where several functions are variants of one import, the\n \
         first is defined. Right for any number of instances in one store: each call finds its\n \
         caller's memory by name. [`{rt_doc}::link::instantiate`] chooses variants by each\n \
         module's imports and saves the memory lookup."
    );
    quote! {
        /// Every function of this document: its import and core signature, for linking by a
        /// module's imports.
        pub const IMPORTS: &[#rt::link::ImportSpec] = &[#(#specs),*];

        /// Defines the function `function` of WITX module `witx_module` in `linker`, its calls
        /// finding guest memory through `memory`; `Ok(false)` if there is no such function.
        pub fn define<T, H>(
            linker: &mut #wt::Linker<T>,
            witx_module: &str,
            function: &str,
            get: impl Fn(&mut T) -> &mut H + Send + Sync + Copy + 'static,
            memory: &#rt::guest::MemoryBinding,
        ) -> #wt::Result<bool>
        where
            T: 'static,
            H: #(#traits)+*,
        {
            match witx_module {
                #(#arms)*
                _ => Ok(false),
            }
        }

        #[doc = #add_doc]
        pub fn add_to_linker<T, H>(
            linker: &mut #wt::Linker<T>,
            get: impl Fn(&mut T) -> &mut H + Send + Sync + Copy + 'static,
        ) -> #wt::Result<()>
        where
            T: 'static,
            H: #(#traits)+*,
        {
            let memory = #rt::guest::MemoryBinding::by_name();
            for (i, spec) in IMPORTS.iter().enumerate() {
                let first = IMPORTS[..i]
                    .iter()
                    .all(|s| (s.module, s.name) != (spec.module, spec.name));
                if first {
                    define(linker, spec.witx_module, spec.function, get, &memory)?;
                }
            }
            Ok(())
        }
    }
}

fn rt_path(rt: &TokenStream) -> String {
    if rt.to_string() == "crate" {
        "crate".to_string()
    } else {
        rt.to_string().replace(' ', "")
    }
}
