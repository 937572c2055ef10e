;; fd_readdir: a listing, a truncated listing, a cookie, and bad buffers.
(module
  (import "wasi_snapshot_preview1" "fd_readdir" (func $readdir (param i32 i32 i32 i64 i32) (result i32)))
  (memory (export "memory") 1)
  ;; entries go to 1024; bufused to 128.
  (func (export "ok") (result i32) (call $readdir (i32.const 3) (i32.const 1024) (i32.const 4096) (i64.const 0) (i32.const 128)))
  (func (export "truncated") (result i32) (call $readdir (i32.const 3) (i32.const 1024) (i32.const 30) (i64.const 0) (i32.const 128)))
  (func (export "cookie") (result i32) (call $readdir (i32.const 3) (i32.const 1024) (i32.const 4096) (i64.const 1) (i32.const 128)))
  (func (export "badf") (result i32) (call $readdir (i32.const 9) (i32.const 1024) (i32.const 4096) (i64.const 0) (i32.const 128)))
  (func (export "buf_oob") (result i32) (call $readdir (i32.const 3) (i32.const 65000) (i32.const 1000) (i64.const 0) (i32.const 128)))
  (func (export "buf_wrap") (result i32) (call $readdir (i32.const 3) (i32.const 0xffffff00) (i32.const 0x200) (i64.const 0) (i32.const 128)))
  (func (export "out_misaligned") (result i32) (call $readdir (i32.const 3) (i32.const 1024) (i32.const 4096) (i64.const 0) (i32.const 130)))
)
