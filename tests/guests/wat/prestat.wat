;; fd_prestat_get / fd_prestat_dir_name.
(module
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $name (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "get") (result i32) (call $get (i32.const 3) (i32.const 128)))
  (func (export "get_badf") (result i32) (call $get (i32.const 4) (i32.const 128)))
  (func (export "get_misaligned") (result i32) (call $get (i32.const 3) (i32.const 130)))
  (func (export "get_oob") (result i32) (call $get (i32.const 3) (i32.const 65532)))
  (func (export "name") (result i32) (call $name (i32.const 3) (i32.const 256) (i32.const 16)))
  (func (export "name_short") (result i32) (call $name (i32.const 3) (i32.const 256) (i32.const 2)))
  (func (export "name_oob") (result i32) (call $name (i32.const 3) (i32.const 65530) (i32.const 16)))
  (func (export "name_wrap") (result i32) (call $name (i32.const 3) (i32.const 0xfffffff8) (i32.const 16)))
)
