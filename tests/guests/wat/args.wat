;; args_sizes_get / args_get: a round trip, and each kind of bad pointer.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $get (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; argc at 0, argv_buf_size at 4; argv array at 64; strings at 256.
  (func (export "sizes") (result i32) (call $sizes (i32.const 0) (i32.const 4)))
  (func (export "get") (result i32) (call $get (i32.const 64) (i32.const 256)))
  ;; argv's second slot lies past the end of memory.
  (func (export "argv_oob") (result i32) (call $get (i32.const 65532) (i32.const 256)))
  ;; argv + 4 wraps past 2^32.
  (func (export "argv_wrap") (result i32) (call $get (i32.const 0xfffffffc) (i32.const 256)))
  ;; argv is not 4-byte aligned: a trap.
  (func (export "argv_misaligned") (result i32) (call $get (i32.const 66) (i32.const 256)))
  ;; the strings run past the end of memory.
  (func (export "buf_oob") (result i32) (call $get (i32.const 64) (i32.const 65530)))
  (func (export "sizes_out_oob") (result i32) (call $sizes (i32.const 0) (i32.const 65536)))
  (func (export "sizes_out_misaligned") (result i32) (call $sizes (i32.const 1) (i32.const 4)))
)
