;; fd_read: scatter into two iovecs, overlapping iovecs, and bad pointers.
(module
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; iovecs at 0: {256, 4}, {300, 8}; at 16, two that overlap: {400, 6}, {402, 6};
  ;; at 32, one past the end of memory.
  (data (i32.const 0) "\00\01\00\00\04\00\00\00\2c\01\00\00\08\00\00\00")
  (data (i32.const 16) "\90\01\00\00\06\00\00\00\92\01\00\00\06\00\00\00")
  (data (i32.const 32) "\fe\ff\00\00\08\00\00\00")
  ;; nread goes to 128.
  (func (export "ok") (result i32) (call $fd_read (i32.const 0) (i32.const 0) (i32.const 2) (i32.const 128)))
  (func (export "overlap") (result i32) (call $fd_read (i32.const 0) (i32.const 16) (i32.const 2) (i32.const 128)))
  (func (export "buf_oob") (result i32) (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 128)))
  (func (export "iovs_wrap") (result i32) (call $fd_read (i32.const 0) (i32.const 0xfffffff8) (i32.const 2) (i32.const 128)))
  (func (export "iovs_misaligned") (result i32) (call $fd_read (i32.const 0) (i32.const 6) (i32.const 2) (i32.const 128)))
  (func (export "out_oob") (result i32) (call $fd_read (i32.const 0) (i32.const 0) (i32.const 2) (i32.const 65536)))
)
