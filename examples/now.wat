;; A small guest for the custom-host examples (runtime/examples/override_one_call.rs,
;; trace_calls.rs, captured_stdio.rs) and the --deterministic test:
;;
;;   wasi-host run examples/now.wat < some-input
;;
;; It prints the realtime clock in nanoseconds, then 8 random bytes in hex, then echoes what it
;; reads from stdin (up to 1 KiB) after "stdin: ", and writes "bye" to stderr.
(module
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)

  ;; Memory layout:
  ;;      0   timestamp (8 bytes)     16   random bytes (8)
  ;;     32   iovec                   40   a call's u32 result
  ;;     64   strings                256   digits (32 bytes, filled from the end)
  ;;   1024   stdin buffer (1 KiB)
  (data (i32.const 64) "time: ")
  (data (i32.const 72) "random: ")
  (data (i32.const 80) "stdin: ")
  (data (i32.const 88) "\0a")
  (data (i32.const 96) "bye\0a")
  (data (i32.const 104) "0123456789abcdef")

  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (i32.store (i32.const 32) (local.get $ptr))
    (i32.store (i32.const 36) (local.get $len))
    (drop (call $fd_write (local.get $fd) (i32.const 32) (i32.const 1) (i32.const 40))))

  ;; Prints $v in decimal to stdout.
  (func $decimal (param $v i64)
    (local $at i32)
    (local.set $at (i32.const 288))
    (loop $digit
      (local.set $at (i32.sub (local.get $at) (i32.const 1)))
      (i64.store8 (local.get $at) (i64.add (i64.const 48) (i64.rem_u (local.get $v) (i64.const 10))))
      (local.set $v (i64.div_u (local.get $v) (i64.const 10)))
      (br_if $digit (i64.ne (local.get $v) (i64.const 0))))
    (call $write (i32.const 1) (local.get $at) (i32.sub (i32.const 288) (local.get $at))))

  (func (export "_start")
    (local $i i32)
    (local $b i32)
    ;; time: N
    (call $write (i32.const 1) (i32.const 64) (i32.const 6))
    (if (i32.eqz (call $clock_time_get (i32.const 0) (i64.const 1) (i32.const 0)))
      (then (call $decimal (i64.load (i32.const 0)))))
    (call $write (i32.const 1) (i32.const 88) (i32.const 1))
    ;; random: 16 hex digits
    (call $write (i32.const 1) (i32.const 72) (i32.const 8))
    (drop (call $random_get (i32.const 16) (i32.const 8)))
    (loop $byte
      (local.set $b (i32.load8_u (i32.add (i32.const 16) (local.get $i))))
      (i32.store8 (i32.const 256) (i32.load8_u (i32.add (i32.const 104) (i32.shr_u (local.get $b) (i32.const 4)))))
      (i32.store8 (i32.const 257) (i32.load8_u (i32.add (i32.const 104) (i32.and (local.get $b) (i32.const 15)))))
      (call $write (i32.const 1) (i32.const 256) (i32.const 2))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $byte (i32.lt_u (local.get $i) (i32.const 8))))
    (call $write (i32.const 1) (i32.const 88) (i32.const 1))
    ;; stdin: what one read returns
    (call $write (i32.const 1) (i32.const 80) (i32.const 7))
    (i32.store (i32.const 32) (i32.const 1024))
    (i32.store (i32.const 36) (i32.const 1024))
    (if (i32.eqz (call $fd_read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))
      (then (call $write (i32.const 1) (i32.const 1024) (i32.load (i32.const 40)))))
    (call $write (i32.const 1) (i32.const 88) (i32.const 1))
    (call $write (i32.const 2) (i32.const 96) (i32.const 4))))
