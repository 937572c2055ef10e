//! The per-call floor against the engine's own: one guest loop calling wasi-host's
//! `args_sizes_get` (two results written to guest memory), a bare wasmtime host function doing
//! the same writes through a memory handle looked up once, or nothing. The difference between
//! the first two is what wasi-host's glue adds to a call; the bare call is wasmtime's entry,
//! exit and memory access, which no host built on it goes below.

use anyhow::Result;
use wasmtime::{Caller, Engine, Linker, Memory, Module, Store};

/// The guest: one exported loop per way of calling, built from the same text so the loops
/// differ only in the call.
fn guest() -> String {
    let timed = |name: &str, call: &str| {
        format!(
            r#"
  (func (export "{name}") (param $n i32) (result i64)
    (local $t i64)
    (local.set $t (call $now))
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        {call}
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (i64.sub (call $now) (local.get $t)))"#
        )
    };
    format!(
        r#"(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $wasi (param i32 i32) (result i32)))
  (import "bench" "two_results" (func $bare (param i32 i32) (result i32)))
  (import "bench" "now" (func $now (result i64)))
  (memory (export "memory") 1){}{}{})"#,
        timed("wasi", "(drop (call $wasi (i32.const 16) (i32.const 20)))"),
        timed("bare", "(drop (call $bare (i32.const 16) (i32.const 20)))"),
        timed("empty", ""),
    )
}

struct Host {
    wasi: wasi_host::WasiCtx,
    memory: Option<Memory>,
    epoch: std::time::Instant,
}

/// Writes `value` at `at` in `bytes`; false when it does not fit.
fn put(bytes: &mut [u8], at: i32, value: u32) -> bool {
    match bytes
        .get_mut(at as u32 as usize..)
        .and_then(|b| b.get_mut(..4))
    {
        Some(slot) => {
            slot.copy_from_slice(&value.to_le_bytes());
            true
        }
        None => false,
    }
}

/// ns per call of each loop (`wasi`, `bare`, `empty`), median of `runs` runs of `n` calls.
pub fn measure(engine: &Engine, n: u32, runs: usize) -> Result<[f64; 3]> {
    let module = Module::new(engine, guest())
        .map_err(|e| anyhow::Error::from(e).context("compiling the floor guest"))?;
    let mut linker = Linker::<Host>::new(engine);
    linker.func_wrap(
        "bench",
        "two_results",
        |mut caller: Caller<'_, Host>, a: i32, b: i32| -> i32 {
            let Some(memory) = caller.data().memory else {
                return 8;
            };
            let bytes = memory.data_mut(&mut caller);
            if put(bytes, a, 1) && put(bytes, b, 2) {
                0
            } else {
                21
            }
        },
    )?;
    linker.func_wrap("bench", "now", |caller: Caller<'_, Host>| -> i64 {
        caller.data().epoch.elapsed().as_nanos() as i64
    })?;
    let wasi = wasi_host::WasiCtxBuilder::new().arg("floor").build()?;
    let mut store = Store::new(
        engine,
        Host {
            wasi,
            memory: None,
            epoch: std::time::Instant::now(),
        },
    );
    let instance =
        wasi_host::instantiate(&mut store, &linker, &module, |h: &mut Host| &mut h.wasi)?;
    store.data_mut().memory = instance.get_memory(&mut store, "memory");
    let mut samples = [Vec::new(), Vec::new(), Vec::new()];
    for _ in 0..runs {
        for (which, samples) in ["wasi", "bare", "empty"].iter().zip(samples.iter_mut()) {
            let run = instance.get_typed_func::<i32, i64>(&mut store, which)?;
            let ns = run.call(&mut store, n as i32)?;
            samples.push(ns as f64 / f64::from(n.max(1)));
        }
    }
    Ok(samples.map(|mut s| {
        s.sort_by(f64::total_cmp);
        s[s.len() / 2]
    }))
}
