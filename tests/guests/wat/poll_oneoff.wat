;; poll_oneoff: subscriptions decoded from guest memory, events written back.
;; subscription: 48 bytes, align 8 (userdata @0, tag @8, payload @16); event: 32 bytes.
(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; at 1024: a monotonic clock (absolute, 5000 ns, userdata 0x1111), then fd_read on 0 (0x2222).
  (data (i32.const 1024) "\11\11\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\00\00\00\00\88\13\00\00\00\00\00\00\00\00\00\00\00\00\00\00\01\00\00\00\00\00\00\00\22\22\00\00\00\00\00\00\01\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
  ;; at 2048: an undefined tag; at 2096: an undefined clock id; at 2144: an undefined clock flag.
  (data (i32.const 2048) "\33\33\00\00\00\00\00\00\03\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 2096) "\44\44\00\00\00\00\00\00\00\00\00\00\00\00\00\00\09\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00")
  (data (i32.const 2144) "\55\55\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\02\00\00\00\00\00\00\00")
  ;; events go to 4096; nevents to 128.
  (func (export "ok") (result i32) (call $poll (i32.const 1024) (i32.const 4096) (i32.const 2) (i32.const 128)))
  (func (export "none") (result i32) (call $poll (i32.const 1024) (i32.const 4096) (i32.const 0) (i32.const 128)))
  (func (export "in_place") (result i32) (call $poll (i32.const 1024) (i32.const 1024) (i32.const 2) (i32.const 128)))
  (func (export "bad_tag") (result i32) (call $poll (i32.const 2048) (i32.const 4096) (i32.const 1) (i32.const 128)))
  (func (export "bad_clockid") (result i32) (call $poll (i32.const 2096) (i32.const 4096) (i32.const 1) (i32.const 128)))
  (func (export "bad_clockflags") (result i32) (call $poll (i32.const 2144) (i32.const 4096) (i32.const 1) (i32.const 128)))
  (func (export "in_misaligned") (result i32) (call $poll (i32.const 1028) (i32.const 4096) (i32.const 2) (i32.const 128)))
  (func (export "out_misaligned") (result i32) (call $poll (i32.const 1024) (i32.const 4100) (i32.const 2) (i32.const 128)))
  (func (export "in_oob") (result i32) (call $poll (i32.const 65520) (i32.const 4096) (i32.const 1) (i32.const 128)))
  (func (export "out_oob") (result i32) (call $poll (i32.const 1024) (i32.const 65504) (i32.const 2) (i32.const 128)))
  ;; 48 * 2^28 bytes: far past memory and past 2^32.
  (func (export "count_wrap") (result i32) (call $poll (i32.const 1024) (i32.const 4096) (i32.const 0x10000000) (i32.const 128)))
)
