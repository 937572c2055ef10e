;; CLI test guest: checks that arguments and environment arrived intact, by comparing them
;; with each other. The test passes the program path again as argv[1], then every `NAME=VALUE`
;; the guest's environment must hold, in any order. Exit status:
;;   0   all as expected
;;   10  fewer than two arguments        11  argv[1] differs from argv[0]
;;   12  the environment has a different number of entries than argv[2..]
;;   13  an environment entry is not among argv[2..]
;;   14  the sizes do not fit this guest's buffers, or a call failed
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $environ_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 2)
  ;; 0 argc, 4 argv size, 8 envc, 12 environ size; 1024 argv pointers (256), 2048 environ
  ;; pointers (512); 4096 argument strings (up to 28 KiB); 65536 environment strings (64 KiB).

  ;; Whether the NUL-terminated strings at $a and $b are equal.
  (func $streq (param $a i32) (param $b i32) (result i32)
    (local $c i32)
    (loop $next
      (local.set $c (i32.load8_u (local.get $a)))
      (if (i32.ne (local.get $c) (i32.load8_u (local.get $b))) (then (return (i32.const 0))))
      (if (i32.eqz (local.get $c)) (then (return (i32.const 1))))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $next))
    (i32.const 0))

  (func $fail (param $code i32) (call $proc_exit (local.get $code)))

  (func (export "_start")
    (local $argc i32)
    (local $envc i32)
    (local $i i32)
    (local $j i32)
    (local $found i32)
    (local $entry i32)
    (if (call $args_sizes_get (i32.const 0) (i32.const 4)) (then (call $fail (i32.const 14))))
    (if (call $environ_sizes_get (i32.const 8) (i32.const 12)) (then (call $fail (i32.const 14))))
    (local.set $argc (i32.load (i32.const 0)))
    (local.set $envc (i32.load (i32.const 8)))
    (if (i32.or
          (i32.or (i32.gt_u (local.get $argc) (i32.const 256)) (i32.gt_u (i32.load (i32.const 4)) (i32.const 28672)))
          (i32.or (i32.gt_u (local.get $envc) (i32.const 512)) (i32.gt_u (i32.load (i32.const 12)) (i32.const 65536))))
      (then (call $fail (i32.const 14))))
    (if (call $args_get (i32.const 1024) (i32.const 4096)) (then (call $fail (i32.const 14))))
    (if (call $environ_get (i32.const 2048) (i32.const 65536)) (then (call $fail (i32.const 14))))
    (if (i32.lt_u (local.get $argc) (i32.const 2)) (then (call $fail (i32.const 10))))
    (if (i32.eqz (call $streq (i32.load (i32.const 1024)) (i32.load (i32.const 1028))))
      (then (call $fail (i32.const 11))))
    (if (i32.ne (local.get $envc) (i32.sub (local.get $argc) (i32.const 2)))
      (then (call $fail (i32.const 12))))
    (block $checked
      (loop $each_env
        (br_if $checked (i32.ge_u (local.get $i) (local.get $envc)))
        (local.set $entry (i32.load (i32.add (i32.const 2048) (i32.mul (local.get $i) (i32.const 4)))))
        (local.set $found (i32.const 0))
        (local.set $j (i32.const 2))
        (block $searched
          (loop $each_arg
            (br_if $searched (i32.ge_u (local.get $j) (local.get $argc)))
            (if (call $streq (local.get $entry) (i32.load (i32.add (i32.const 1024) (i32.mul (local.get $j) (i32.const 4)))))
              (then (local.set $found (i32.const 1)) (br $searched)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $each_arg)))
        (if (i32.eqz (local.get $found)) (then (call $fail (i32.const 13))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each_env))))
)
