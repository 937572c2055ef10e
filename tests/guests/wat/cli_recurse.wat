;; CLI test guest: recurses 2000 calls deep, then returns. Fits in wasmtime's default wasm stack
;; (512 KiB) with room to spare; overflows `-W max-wasm-stack=16K`.
(module
  (memory (export "memory") 1)
  (func $down (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $down (i32.sub (local.get $n) (i32.const 1)))))))
  (func (export "_start")
    (drop (call $down (i32.const 2000))))
)
