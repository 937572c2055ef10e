;; CLI test guest: imports something no WASI host provides; instantiation fails.
(module
  (import "env" "not_provided" (func))
  (memory (export "memory") 1)
  (func (export "_start"))
)
