;; Reads up to 16 bytes from stdin, then exits with the number of bytes read.
(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; iovec at 0: 16 bytes at 64; the count lands at 32.
  (data (i32.const 0) "\40\00\00\00\10\00\00\00")
  (func (export "_start")
    (if (call $fd_read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 32))
      (then (call $proc_exit (i32.const 100))))
    (call $proc_exit (i32.load (i32.const 32)))))
