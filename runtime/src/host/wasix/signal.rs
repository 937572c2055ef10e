//! `callback_signal`, which in WASIX returns nothing and returns normally: a shape the
//! generator has no form for (its WITX describes it as `noreturn`, whose generated body
//! traps). [`crate::instantiate`] registers this one instead: the callback's name is accepted
//! and ignored, since this host delivers no signals to the guest.

use crate::guest::MemoryBinding;
use crate::link::ImportSpec;

/// Defines `spec` in `linker`: `callback_signal` here, everything else by the bindings.
pub(crate) fn define<T: 'static, H: crate::wasix::Wasix32v1 + 'static>(
    linker: &mut wasmtime::Linker<T>,
    spec: &ImportSpec,
    get: impl Fn(&mut T) -> &mut H + Send + Sync + Copy + 'static,
    memory: &MemoryBinding,
) -> wasmtime::Result<bool> {
    if spec.function == "callback_signal" {
        linker.func_wrap(
            spec.module,
            spec.name,
            |_caller: wasmtime::Caller<'_, T>, _name: i32, _name_len: i32| {},
        )?;
        return Ok(true);
    }
    crate::wasix::define(linker, spec.witx_module, spec.function, get, memory)
}
