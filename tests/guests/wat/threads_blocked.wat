;; Threads that block for ever in host calls and in the guest's own wait, then the program
;; ends under them. `_start` spawns one thread per case below (its start argument), waits
;; until each has said it is about to block (the word at 4 * case), lets them block for
;; 100 ms, then ends the program: by returning or, given an argument, by case 9 calling
;; `proc_exit(7)` on its thread while main itself is parked in a wait.
;;   1: fd_read of stdin (a pipe nobody writes)      2: sock_accept on fd 3 (a listener)
;;   3: memory.atomic.wait32 with no timeout         4: WASIX thread_sleep for an hour
;;   5: fd_write to stdout (a pipe nobody reads) until it is full
;;   6: sock_recv on one end of a socket pair (WASIX sock_pair) nobody sends on
;;   7: sock_send to one end of another pair, whose other end nobody reads, until it is full
(module
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $argc (param i32 i32) (result i32)))
  (import "wasix_32v1" "thread_sleep" (func $sleep (param i64) (result i32)))
  (import "wasix_32v1" "sock_pair" (func $pair (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))

  ;; 64: iovec {128, 16}; 96: results (108: the writer's own, 112-127 the receiver's);
  ;; 256: a clock subscription of 100 ms; 320: its event.
  (data (i32.const 64) "\80\00\00\00\10\00\00\00")
  ;; 72: iovec {1024, 4096}, for the writer.
  (data (i32.const 72) "\00\04\00\00\00\10\00\00")

  (func $ready (param $case i32)
    (i32.atomic.store (i32.shl (local.get $case) (i32.const 2)) (i32.const 1))
    (drop (memory.atomic.notify (i32.shl (local.get $case) (i32.const 2)) (i32.const 1))))

  (func (export "wasi_thread_start") (param $tid i32) (param $case i32)
    (call $ready (local.get $case))
    (if (i32.eq (local.get $case) (i32.const 1))
      (then (drop (call $read (i32.const 0) (i32.const 64) (i32.const 1) (i32.const 96)))))
    (if (i32.eq (local.get $case) (i32.const 2))
      (then (drop (call $accept (i32.const 3) (i32.const 0) (i32.const 100)))))
    (if (i32.eq (local.get $case) (i32.const 3))
      (then (drop (memory.atomic.wait32 (i32.const 200) (i32.const 0) (i64.const -1)))))
    (if (i32.eq (local.get $case) (i32.const 4))
      (then (drop (call $sleep (i64.const 3600000000000)))))
    (if (i32.eq (local.get $case) (i32.const 5))
      (then
        ;; Until a write fails (it never should: it waits once the pipe is full).
        (block $full
          (loop $more
            (br_if $full (call $write (i32.const 1) (i32.const 72) (i32.const 1) (i32.const 108)))
            (br $more)))))
    (if (i32.eq (local.get $case) (i32.const 6))
      (then
        ;; A Unix stream pair at 112 and 116; receive on the first into the iovec at 64.
        (if (call $pair (i32.const 3) (i32.const 1) (i32.const 0) (i32.const 112) (i32.const 116))
          (then unreachable))
        (drop (call $recv (i32.load (i32.const 112)) (i32.const 64) (i32.const 1) (i32.const 0)
          (i32.const 120) (i32.const 124)))))
    (if (i32.eq (local.get $case) (i32.const 7))
      (then
        ;; A Unix stream pair at 160 and 164 (its sender's results at 168); send the 4 KiB
        ;; iovec at 72 on the first until a send fails (it never should: it waits when full).
        (if (call $pair (i32.const 3) (i32.const 1) (i32.const 0) (i32.const 160) (i32.const 164))
          (then unreachable))
        (block $full
          (loop $more
            (br_if $full (call $send (i32.load (i32.const 160)) (i32.const 72) (i32.const 1)
              (i32.const 0) (i32.const 168)))
            (br $more)))))
    (if (i32.eq (local.get $case) (i32.const 9))
      (then
        ;; Let main park first, then end the program from here.
        (drop (call $poll (i32.const 256) (i32.const 320) (i32.const 1) (i32.const 104)))
        (call $exit (i32.const 7))))
    ;; Whatever woke these, the program has ended: they must not get here and return.
    unreachable)

  (func $await (param $case i32)
    (block $up
      (loop $again
        (br_if $up (i32.atomic.load (i32.shl (local.get $case) (i32.const 2))))
        (drop (memory.atomic.wait32 (i32.shl (local.get $case) (i32.const 2)) (i32.const 0) (i64.const 1000000)))
        (br $again))))

  (func (export "_start")
    (local $case i32)
    ;; The clock subscription: userdata 0, type clock, monotonic, 100 ms, relative.
    (i32.store8 (i32.const 264) (i32.const 0))
    (i32.store (i32.const 272) (i32.const 1))
    (i64.store (i32.const 280) (i64.const 100000000))
    (local.set $case (i32.const 1))
    (loop $each
      (if (i32.le_s (call $spawn (local.get $case)) (i32.const 0)) (then (call $exit (i32.const 1))))
      (call $await (local.get $case))
      (local.set $case (i32.add (local.get $case) (i32.const 1)))
      (br_if $each (i32.le_u (local.get $case) (i32.const 7))))
    ;; More than one argument: end by case 9's proc_exit while main is parked for ever.
    (drop (call $argc (i32.const 96) (i32.const 100)))
    (if (i32.gt_u (i32.load (i32.const 96)) (i32.const 1))
      (then
        (if (i32.le_s (call $spawn (i32.const 9)) (i32.const 0)) (then (call $exit (i32.const 1))))
        (drop (memory.atomic.wait32 (i32.const 204) (i32.const 0) (i64.const -1)))
        unreachable))
    (drop (call $poll (i32.const 256) (i32.const 320) (i32.const 1) (i32.const 104))))
)
