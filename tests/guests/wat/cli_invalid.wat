;; CLI test guest: not valid text format (an unclosed module).
(module
  (func (export "_start")
