;; Blocks twice while the test (tests/tests/eintr.rs) interrupts the host with signals: first in
;; poll_oneoff on a two-second relative monotonic clock, then in fd_read of stdin, a pipe the
;; test writes "hello" to afterwards. Exits 0 if both calls answered as if nothing had
;; interrupted them, or with the number of the first failed check.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  ;; 0: a subscription: userdata 42, clock, id 1 (monotonic), timeout 2 s, relative.
  (data (i32.const 0) "\2a")
  (data (i32.const 16) "\01")
  (data (i32.const 24) "\00\94\35\77")
  ;; 64: the event; 128: nevents; 136, 144: clock readings before and after.
  ;; 160: one iovec of 64 bytes at 256; 168: nread.
  (data (i32.const 160) "\00\01\00\00\40")
  (func $check (param $ok i32) (param $code i32)
    (if (i32.eqz (local.get $ok)) (then (call $exit (local.get $code)))))
  (func (export "_start")
    (call $check (i32.eqz (call $clock (i32.const 1) (i64.const 1) (i32.const 136))) (i32.const 1))
    ;; The poll: success, one event, the clock's, no error.
    (call $check (i32.eqz (call $poll (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 128))) (i32.const 2))
    (call $check (i32.eq (i32.load (i32.const 128)) (i32.const 1)) (i32.const 3))
    (call $check (i64.eq (i64.load (i32.const 64)) (i64.const 42)) (i32.const 4))
    (call $check (i32.eqz (i32.load16_u (i32.const 72))) (i32.const 5))
    (call $check (i32.eqz (i32.load8_u (i32.const 74))) (i32.const 6))
    ;; Interrupted or not, a relative clock waits its whole timeout.
    (call $check (i32.eqz (call $clock (i32.const 1) (i64.const 1) (i32.const 144))) (i32.const 7))
    (call $check
      (i64.ge_u (i64.sub (i64.load (i32.const 144)) (i64.load (i32.const 136))) (i64.const 2000000000))
      (i32.const 8))
    ;; The read: success, the five bytes the test wrote after its signals.
    (call $check (i32.eqz (call $read (i32.const 0) (i32.const 160) (i32.const 1) (i32.const 168))) (i32.const 9))
    (call $check (i32.eq (i32.load (i32.const 168)) (i32.const 5)) (i32.const 10))
    (call $check (i32.eq (i32.load (i32.const 256)) (i32.const 0x6c6c6568)) (i32.const 11))
    (call $check (i32.eq (i32.load8_u (i32.const 260)) (i32.const 0x6f)) (i32.const 12))
    (call $exit (i32.const 0))))
