;; A wasi-threads module whose shared memory is imported as `foo` `bar`. Main spawns one
;; thread (which records its argument and id, then waits forever), then a second one, which
;; the host refuses under `--max-threads 1`. Exit status 42 when the first spawn gave a
;; positive id that the thread saw, with the argument, and the second a negative value.
(module
  (import "foo" "bar" (memory 1 1 shared))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))

  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (i32.atomic.store (i32.const 4) (local.get $arg))
    (i32.atomic.store (i32.const 0) (local.get $tid))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))
    ;; Parked until the program ends.
    (drop (memory.atomic.wait32 (i32.const 8) (i32.const 0) (i64.const -1))))

  (func (export "_start")
    (local $first i32) (local $second i32)
    (local.set $first (call $spawn (i32.const 7)))
    (if (i32.le_s (local.get $first) (i32.const 0)) (then (call $exit (i32.const 1))))
    ;; Wait for the thread to publish its id.
    (block $seen
      (loop $wait
        (br_if $seen (i32.eq (i32.atomic.load (i32.const 0)) (local.get $first)))
        (drop (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 1000000)))
        (br $wait)))
    (if (i32.ne (i32.atomic.load (i32.const 4)) (i32.const 7)) (then (call $exit (i32.const 2))))
    (local.set $second (call $spawn (i32.const 8)))
    (if (i32.ge_s (local.get $second) (i32.const 0)) (then (call $exit (i32.const 3))))
    (call $exit (i32.const 42)))
)
