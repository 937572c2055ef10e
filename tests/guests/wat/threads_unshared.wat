;; Imports `thread-spawn` with an ordinary (not shared) memory: refused with a clear error.
(module
  (import "env" "memory" (memory 1))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (func (export "wasi_thread_start") (param i32 i32))
  (func (export "_start") (drop (call $spawn (i32.const 0))))
)
