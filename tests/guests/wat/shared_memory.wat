;; The same calls on a shared (threaded) memory: the bindings copy instead of borrowing.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1 1 shared)
  (data (i32.const 0) "\00\01\00\00\06\00\00\00\06\01\00\00\06\00\00\00")
  (data (i32.const 16) "\90\01\00\00\06\00\00\00\92\01\00\00\06\00\00\00")
  (data (i32.const 256) "hello world!")
  (data (i32.const 600) "dir/file.txt")
  (func (export "write") (result i32) (call $fd_write (i32.const 1) (i32.const 0) (i32.const 2) (i32.const 128)))
  (func (export "read_overlap") (result i32) (call $fd_read (i32.const 0) (i32.const 16) (i32.const 2) (i32.const 128)))
  (func (export "open") (result i32)
    (call $path_open (i32.const 3) (i32.const 0) (i32.const 600) (i32.const 12)
      (i32.const 0) (i64.const 0) (i64.const 0) (i32.const 0) (i32.const 132)))
  (func (export "write_oob") (result i32) (call $fd_write (i32.const 1) (i32.const 65532) (i32.const 1) (i32.const 128)))
)
