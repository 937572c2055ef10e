;; clock_time_get: clock ids validated, the timestamp written back.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $time (param i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "ok") (result i32) (call $time (i32.const 1) (i64.const 1000) (i32.const 128)))
  (func (export "bad_id") (result i32) (call $time (i32.const 4) (i64.const 0) (i32.const 128)))
  (func (export "negative_id") (result i32) (call $time (i32.const -1) (i64.const 0) (i32.const 128)))
  (func (export "out_oob") (result i32) (call $time (i32.const 0) (i64.const 0) (i32.const 65536)))
  (func (export "out_wrap") (result i32) (call $time (i32.const 0) (i64.const 0) (i32.const 0xfffffff8)))
  (func (export "out_misaligned") (result i32) (call $time (i32.const 0) (i64.const 0) (i32.const 132)))
)
