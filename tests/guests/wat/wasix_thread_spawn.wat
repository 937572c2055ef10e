;; WASIX threads without a libc: `thread_spawn_v2` with a `thread_start` record, `thread_exit`
;; ending only the calling thread, `thread_id`, and hostile pointers. Run with
;; `--max-threads 1`. Exit status 42 when every check passed; another status names the check.
;;
;; Futexes meet the guest's own atomics: main waits with the host's `futex_wait` for a
;; thread's `memory.atomic.notify`, and each thread parks in `memory.atomic.wait32` until main's
;; `futex_wake` reports it woke someone (either would hang, and the test time out, if they did
;; not share one wait queue).
;;
;; Memory: 0 a count of steps the threads took (notified); 16 `ro_tid`; 20 second `ro_tid`;
;; 24 a word nobody changes (to pause on); 32 an `option_timestamp` none; 40 the word threads
;; park on; 44 `ro_woken`; 48 another `ro_woken`; 64.. the thread_start record (64 bytes);
;; 256 (first thread), 272 (second): its tid, its start_arg, its `thread_id`, what its
;; `memory.atomic.wait32` returned.
(module
  (import "env" "memory" (memory 1 1 shared))
  (export "memory" (memory 0))
  (import "wasix_32v1" "thread_spawn_v2" (func $spawn (param i32 i32) (result i32)))
  (import "wasix_32v1" "thread_exit" (func $thread_exit (param i32)))
  (import "wasix_32v1" "thread_id" (func $thread_id (param i32) (result i32)))
  (import "wasix_32v1" "futex_wait" (func $futex_wait (param i32 i32 i32 i32) (result i32)))
  (import "wasix_32v1" "futex_wake" (func $futex_wake (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))

  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (local $slot i32)
    ;; 256 for the first thread to run, 272 for the second.
    (local.set $slot
      (i32.add (i32.const 256) (i32.mul (i32.atomic.load (i32.const 0)) (i32.const 8))))
    (i32.store (local.get $slot) (local.get $tid))
    (i32.store offset=4 (local.get $slot) (local.get $arg))
    (drop (call $thread_id (i32.add (local.get $slot) (i32.const 8))))
    (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))
    ;; Parked until the host's futex_wake (the word never changes).
    (i32.store offset=12 (local.get $slot)
      (memory.atomic.wait32 (i32.const 40) (i32.const 0) (i64.const -1)))
    (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 0) (i32.const 1)))
    ;; Ends this thread only; were it the program's end, the status would be 3.
    (call $thread_exit (i32.const 3))
    unreachable)

  ;; Waits with the host's futex_wait until the count at 0 reaches $n.
  (func $wait_count (param $n i32)
    (block $done
      (loop $again
        (br_if $done (i32.ge_u (i32.atomic.load (i32.const 0)) (local.get $n)))
        (if (call $futex_wait (i32.const 0) (i32.atomic.load (i32.const 0)) (i32.const 32)
              (i32.const 48))
          (then (call $exit (i32.const 30))))
        (br $again))))

  ;; Wakes, with the host's futex_wake, the thread parked on 40, retrying until it was parked.
  (func $wake_parked
    (block $done
      (loop $again
        (if (call $futex_wake (i32.const 40) (i32.const 44)) (then (call $exit (i32.const 31))))
        (br_if $done (i32.eq (i32.load8_u (i32.const 44)) (i32.const 1)))
        (drop (memory.atomic.wait32 (i32.const 24) (i32.const 0) (i64.const 1000000)))
        (br $again))))

  (func $check (param $ok i32) (param $status i32)
    (if (i32.eqz (local.get $ok)) (then (call $exit (local.get $status)))))

  (func (export "_start")
    (local $rc i32)
    ;; The main thread is thread 1.
    (call $check (i32.eqz (call $thread_id (i32.const 28))) (i32.const 10))
    (call $check (i32.eq (i32.load (i32.const 28)) (i32.const 1)) (i32.const 11))
    ;; A thread_start record running past the end of memory: EFAULT (21), nothing started.
    (call $check (i32.eq (call $spawn (i32.const 65500) (i32.const 16)) (i32.const 21))
      (i32.const 12))
    ;; A futex word past the end: EFAULT, for waits and wakes.
    (call $check
      (i32.eq (call $futex_wait (i32.const 65536) (i32.const 0) (i32.const 32) (i32.const 48))
        (i32.const 21))
      (i32.const 13))
    (call $check (i32.eq (call $futex_wake (i32.const 65536) (i32.const 48)) (i32.const 21))
      (i32.const 14))
    ;; The first thread.
    (call $check (i32.eqz (call $spawn (i32.const 64) (i32.const 16))) (i32.const 15))
    (call $wait_count (i32.const 1))
    (call $wake_parked)
    (call $wait_count (i32.const 2))
    (call $check (i32.eqz (i32.load (i32.const 268))) (i32.const 24))
    (call $check (i32.eq (i32.load (i32.const 256)) (i32.load (i32.const 16))) (i32.const 16))
    (call $check (i32.eq (i32.load (i32.const 260)) (i32.const 64)) (i32.const 17))
    (call $check (i32.eq (i32.load (i32.const 264)) (i32.load (i32.const 16))) (i32.const 18))
    (call $check (i32.ne (i32.load (i32.const 16)) (i32.const 1)) (i32.const 19))
    ;; Under `--max-threads 1` a second thread starts only once the first has ended
    ;; (EAGAIN, 6, until then): by then its `thread_exit` has ended it, not the program.
    (block $started
      (loop $retry
        (local.set $rc (call $spawn (i32.const 64) (i32.const 20)))
        (br_if $started (i32.eqz (local.get $rc)))
        (call $check (i32.eq (local.get $rc) (i32.const 6)) (i32.const 20))
        (drop (memory.atomic.wait32 (i32.const 24) (i32.const 0) (i64.const 1000000)))
        (br $retry)))
    (call $wait_count (i32.const 3))
    (call $wake_parked)
    (call $wait_count (i32.const 4))
    (call $check (i32.eqz (i32.load (i32.const 284))) (i32.const 25))
    (call $check (i32.eq (i32.load (i32.const 272)) (i32.load (i32.const 20))) (i32.const 21))
    (call $check (i32.eq (i32.load (i32.const 280)) (i32.load (i32.const 20))) (i32.const 22))
    (call $check (i32.ne (i32.load (i32.const 20)) (i32.load (i32.const 16))) (i32.const 23))
    (call $exit (i32.const 42)))

  ;; The `thread_start` record: stack, tls, function, args, ten reserved, sizes.
  (data (i32.const 64) "\00\00\01\00"))
