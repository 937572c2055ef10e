;; CLI test guest: exits with the decimal status given as argv[1] (through proc_exit), or
;; returns from _start when there is no argument. Exits 99 if the argument is not a number.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; argc at 0, buffer size at 4; argv pointers at 1024; strings at 4096.
  (func (export "_start")
    (local $p i32)
    (local $c i32)
    (local $n i32)
    (if (call $args_sizes_get (i32.const 0) (i32.const 4)) (then (call $proc_exit (i32.const 98))))
    (if (i32.or (i32.gt_u (i32.load (i32.const 0)) (i32.const 256))
                (i32.gt_u (i32.load (i32.const 4)) (i32.const 60000)))
      (then (call $proc_exit (i32.const 98))))
    (if (call $args_get (i32.const 1024) (i32.const 4096)) (then (call $proc_exit (i32.const 98))))
    (if (i32.lt_u (i32.load (i32.const 0)) (i32.const 2)) (then (return)))
    (local.set $p (i32.load (i32.const 1028)))
    (if (i32.eqz (i32.load8_u (local.get $p))) (then (call $proc_exit (i32.const 99))))
    (block $end
      (loop $digit
        (local.set $c (i32.load8_u (local.get $p)))
        (br_if $end (i32.eqz (local.get $c)))
        (if (i32.gt_u (i32.sub (local.get $c) (i32.const 48)) (i32.const 9))
          (then (call $proc_exit (i32.const 99))))
        (local.set $n (i32.add (i32.mul (local.get $n) (i32.const 10)) (i32.sub (local.get $c) (i32.const 48))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $digit)))
    (call $proc_exit (local.get $n)))
)
