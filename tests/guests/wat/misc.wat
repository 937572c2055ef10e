;; Narrow enums and flags, unimplemented calls, proc_exit, and readlink's overlap rule.
(module
  (import "wasi_snapshot_preview1" "fd_seek" (func $seek (param i32 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "path_readlink" (func $readlink (param i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "abc")
  (data (i32.const 1024) "xyz")
  ;; whence has three cases; 256 does not fit its u8 representation.
  (func (export "whence_bad") (result i32) (call $seek (i32.const 3) (i64.const 0) (i32.const 3) (i32.const 128)))
  (func (export "whence_wide") (result i32) (call $seek (i32.const 3) (i64.const 0) (i32.const 256) (i32.const 128)))
  ;; A valid call the test host does not implement.
  (func (export "whence_ok") (result i32) (call $seek (i32.const 3) (i64.const 0) (i32.const 1) (i32.const 128)))
  ;; sdflags has two bits.
  (func (export "sdflags_bad") (result i32) (call $shutdown (i32.const 3) (i32.const 4)))
  (func (export "yield") (result i32) (call $yield))
  (func (export "exit") (result i32) (call $exit (i32.const 42)) (i32.const -1))
  ;; The path "abc" lies inside the output buffer: the path is read before the buffer is written.
  (func (export "readlink_overlap") (result i32)
    (call $readlink (i32.const 3) (i32.const 256) (i32.const 3) (i32.const 256) (i32.const 32) (i32.const 128)))
  (func (export "readlink_disjoint") (result i32)
    (call $readlink (i32.const 3) (i32.const 1024) (i32.const 3) (i32.const 512) (i32.const 32) (i32.const 128)))
)
