;; CLI test guest: a reactor (exports _initialize, no _start); the CLI must refuse it.
(module
  (memory (export "memory") 1)
  (func (export "_initialize"))
  (func (export "work") (result i32) (i32.const 1))
)
