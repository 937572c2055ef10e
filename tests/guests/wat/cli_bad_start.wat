;; CLI test guest: `_start` with a parameter is not a command's entry point.
(module
  (memory (export "memory") 1)
  (func (export "_start") (param i32))
)
