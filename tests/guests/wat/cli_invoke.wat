;; CLI test guest: a reactor for `--invoke`. `_initialize` sets $base to 10 (so a result shows
;; it ran first); `add` returns a + b + base; `split` returns its argument and its half.
(module
  (memory (export "memory") 1)
  (global $base (mut i32) (i32.const 0))
  (func (export "_initialize") (global.set $base (i32.const 10)))
  (func (export "add") (param $a i32) (param $b i32) (result i32)
    (i32.add (global.get $base) (i32.add (local.get $a) (local.get $b))))
  (func (export "split") (param $x i64) (result i64 f64)
    (local.get $x)
    (f64.div (f64.convert_i64_s (local.get $x)) (f64.const 2)))
  (func (export "nothing"))
)
