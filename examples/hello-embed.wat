;; A tiny WASI preview1 program: greets each command-line argument on stdout and exits with
;; the number of arguments it greeted. Written in text format so it needs no guest toolchain.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  ;; Layout: 0..16 scratch (argc, buf size, nwritten), 16..40 three iovecs,
  ;; 64 "Hello, ", 80 "!\n", 128.. argv pointers, 1024.. argument strings.
  (data (i32.const 64) "Hello, ")
  (data (i32.const 80) "!\0a")

  ;; Length of the NUL-terminated string at $s.
  (func $strlen (param $s i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; Writes "Hello, <s>!\n" with one gathered fd_write.
  (func $greet (param $s i32)
    (i32.store (i32.const 16) (i32.const 64))
    (i32.store (i32.const 20) (i32.const 7))
    (i32.store (i32.const 24) (local.get $s))
    (i32.store (i32.const 28) (call $strlen (local.get $s)))
    (i32.store (i32.const 32) (i32.const 80))
    (i32.store (i32.const 36) (i32.const 2))
    (drop (call $fd_write (i32.const 1) (i32.const 16) (i32.const 3) (i32.const 8))))

  (func (export "_start")
    (local $i i32)
    (local $argc i32)
    (if (call $args_sizes_get (i32.const 0) (i32.const 4)) (then (unreachable)))
    (if (call $args_get (i32.const 128) (i32.const 1024)) (then (unreachable)))
    (local.set $argc (i32.load (i32.const 0)))
    ;; Skip argv[0], the program name.
    (local.set $i (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))
        (call $greet (i32.load (i32.add (i32.const 128) (i32.mul (local.get $i) (i32.const 4)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $proc_exit (i32.sub (local.get $argc) (i32.const 1))))
)
