;; fd_write: gather from two iovecs, and each kind of bad pointer or length.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; iovecs at 0: {256, 6}, {262, 6}
  (data (i32.const 0) "\00\01\00\00\06\00\00\00\06\01\00\00\06\00\00\00")
  (data (i32.const 256) "hello world!")
  ;; at 32: an iovec reaching past the end of memory; at 40: one whose end wraps past 2^32.
  (data (i32.const 32) "\fa\ff\00\00\10\00\00\00")
  (data (i32.const 40) "\f0\ff\ff\ff\20\00\00\00")
  ;; nwritten goes to 128.
  (func (export "ok") (result i32) (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 128)))
  (func (export "badf") (result i32) (call $fd_write (i32.const 5) (i32.const 0) (i32.const 2) (i32.const 128)))
  (func (export "empty") (result i32) (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0) (i32.const 128)))
  (func (export "iovs_oob") (result i32) (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 128)))
  (func (export "iovs_wrap") (result i32) (call $fd_write (i32.const 1) (i32.const 0xfffffff8) (i32.const 2) (i32.const 128)))
  ;; more iovecs than IOV_MAX (and 8 * count would wrap past 2^32)
  (func (export "iovs_too_many") (result i32) (call $fd_write (i32.const 1) (i32.const 0) (i32.const 0x20000000) (i32.const 128)))
  (func (export "buf_oob") (result i32) (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 128)))
  (func (export "buf_wrap") (result i32) (call $fd_write (i32.const 1) (i32.const 40) (i32.const 1) (i32.const 128)))
  (func (export "iovs_misaligned") (result i32) (call $fd_write (i32.const 1) (i32.const 2) (i32.const 2) (i32.const 128)))
  (func (export "out_oob") (result i32) (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 65536)))
  (func (export "out_misaligned") (result i32) (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 130)))
)
