;; CLI test guest: checks the preopened directories. Each argument after argv[0] describes the
;; next preopen from fd 3 on, as `rw:NAME` or `ro:NAME`: its prestat name must be NAME, and
;; its rights must include path_create_file (rw) or lack it (ro). Exit status:
;;   0   as expected          20  an expected preopen is missing (fd_prestat_get failed)
;;   21  a name's length differs           22  a name's bytes differ
;;   23  a preopen beyond those expected    24  fd_fdstat_get failed
;;   25  rights do not match rw/ro          26  an argument is not rw:NAME / ro:NAME
;;   27  the arguments do not fit, or args_get failed
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fd_fdstat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; 0 argc, 4 argv size, 8 prestat, 16 fdstat (24 bytes); 512 name buffer (512 bytes);
  ;; 1024 argv pointers (256); 4096 argument strings.

  (func $strlen (param $s i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  (func $fail (param $code i32) (call $proc_exit (local.get $code)))

  (func (export "_start")
    (local $argc i32)
    (local $i i32)
    (local $fd i32)
    (local $arg i32)
    (local $name i32)
    (local $len i32)
    (local $k i32)
    (local $ro i32)
    (if (call $args_sizes_get (i32.const 0) (i32.const 4)) (then (call $fail (i32.const 27))))
    (local.set $argc (i32.load (i32.const 0)))
    (if (i32.or (i32.gt_u (local.get $argc) (i32.const 256)) (i32.gt_u (i32.load (i32.const 4)) (i32.const 60000)))
      (then (call $fail (i32.const 27))))
    (if (call $args_get (i32.const 1024) (i32.const 4096)) (then (call $fail (i32.const 27))))
    (local.set $i (i32.const 1))
    (block $all
      (loop $each
        (br_if $all (i32.ge_u (local.get $i) (local.get $argc)))
        (local.set $fd (i32.add (local.get $i) (i32.const 2)))
        (local.set $arg (i32.load (i32.add (i32.const 1024) (i32.mul (local.get $i) (i32.const 4)))))
        ;; "rw:" or "ro:"
        (if (i32.or (i32.ne (i32.load8_u (local.get $arg)) (i32.const 114))
                    (i32.ne (i32.load8_u (i32.add (local.get $arg) (i32.const 2))) (i32.const 58)))
          (then (call $fail (i32.const 26))))
        (local.set $ro (i32.eq (i32.load8_u (i32.add (local.get $arg) (i32.const 1))) (i32.const 111)))
        (local.set $name (i32.add (local.get $arg) (i32.const 3)))
        (if (call $fd_prestat_get (local.get $fd) (i32.const 8)) (then (call $fail (i32.const 20))))
        (local.set $len (i32.load (i32.const 12)))
        (if (i32.ne (local.get $len) (call $strlen (local.get $name))) (then (call $fail (i32.const 21))))
        (if (i32.gt_u (local.get $len) (i32.const 512)) (then (call $fail (i32.const 21))))
        (if (call $fd_prestat_dir_name (local.get $fd) (i32.const 512) (local.get $len))
          (then (call $fail (i32.const 22))))
        (local.set $k (i32.const 0))
        (block $same
          (loop $byte
            (br_if $same (i32.ge_u (local.get $k) (local.get $len)))
            (if (i32.ne (i32.load8_u (i32.add (i32.const 512) (local.get $k)))
                        (i32.load8_u (i32.add (local.get $name) (local.get $k))))
              (then (call $fail (i32.const 22))))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $byte)))
        (if (call $fd_fdstat_get (local.get $fd) (i32.const 16)) (then (call $fail (i32.const 24))))
        ;; fs_rights_base is at offset 8 of fdstat; path_create_file is bit 10.
        (if (i32.ne (local.get $ro)
                    (i64.eqz (i64.and (i64.load (i32.const 24)) (i64.const 1024))))
          (then (call $fail (i32.const 25))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    ;; The next fd must not be a preopen.
    (if (i32.eqz (call $fd_prestat_get (i32.add (local.get $argc) (i32.const 2)) (i32.const 8)))
      (then (call $fail (i32.const 23)))))
)
