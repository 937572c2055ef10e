;; CLI test guest: traps three calls deep, so the backtrace has named frames to show.
(module
  (memory (export "memory") 1)
  (func $deepest_frame (param $x i32) (result i32)
    (if (i32.eqz (local.get $x)) (then unreachable))
    (local.get $x))
  (func $middle_frame (result i32)
    (call $deepest_frame (i32.const 0)))
  (func $outer_frame
    (drop (call $middle_frame)))
  (func (export "_start")
    (call $outer_frame))
)
