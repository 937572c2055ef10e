;; CLI test guest: loops forever, for `-W fuel` and `-W timeout`.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $forever (br $forever)))
)
