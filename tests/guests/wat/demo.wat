;; A guest of the custom `demo` module (tests/witx/demo.witx).
(module
  (import "demo" "greet" (func $greet (param i32 i32 i32 i32) (result i32)))
  (import "demo" "read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "demo" "pair" (func $pair (param i32 i32) (result i32)))
  (import "demo" "missing" (func $missing (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "Ada")
  (data (i32.const 300) "\c3\28")
  ;; greet("Ada", loud|polite) -> handle at 128
  (func (export "greet") (result i32) (call $greet (i32.const 256) (i32.const 3) (i32.const 3) (i32.const 128)))
  (func (export "greet_bad_utf8") (result i32) (call $greet (i32.const 300) (i32.const 2) (i32.const 0) (i32.const 128)))
  (func (export "greet_bad_style") (result i32) (call $greet (i32.const 256) (i32.const 3) (i32.const 4) (i32.const 128)))
  ;; read(handle from 128) into 512..576, length to 132
  (func (export "read") (result i32) (call $read (i32.load (i32.const 128)) (i32.const 512) (i32.const 64) (i32.const 132)))
  (func (export "read_oob") (result i32) (call $read (i32.load (i32.const 128)) (i32.const 65500) (i32.const 64) (i32.const 132)))
  (func (export "pair") (result i32) (call $pair (i32.const 136) (i32.const 144)))
  (func (export "missing") (result i32) (call $missing))
)
