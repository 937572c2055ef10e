;; A wasi-threads module whose shared memory may grow to 100 pages. Under
;; `-W max-memory-size=256K` (4 pages) growing to 5 pages fails and growing to 4 succeeds:
;; exit status 42; anything else exits 1.
(module
  (import "env" "memory" (memory 1 100 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func (export "wasi_thread_start") (param i32 i32))
  (func (export "_start")
    (if (i32.ne (memory.grow (i32.const 4)) (i32.const -1)) (then (call $exit (i32.const 1))))
    (if (i32.ne (memory.grow (i32.const 3)) (i32.const 1)) (then (call $exit (i32.const 1))))
    (call $exit (i32.const 42)))
)
