;; CLI test guest: its wasm start function (run during instantiation) exits with status 42.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func $init (call $proc_exit (i32.const 42)))
  (start $init)
  (func (export "_start") unreachable)
)
