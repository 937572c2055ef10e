;; path_open: every argument decoded and validated.
(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "dir/file.txt")
  (data (i32.const 300) "\ff\fe")
  (data (i32.const 310) "missing")
  ;; The good call: symlink_follow, creat|trunc, rights fd_datasync|fd_read, append; fd to 128.
  (func (export "ok") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 12)
      (i32.const 9) (i64.const 3) (i64.const 0) (i32.const 1) (i32.const 128)))
  (func (export "noent") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 310) (i32.const 7)
      (i32.const 9) (i64.const 3) (i64.const 0) (i32.const 1) (i32.const 128)))
  ;; the path is not UTF-8
  (func (export "bad_utf8") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 300) (i32.const 2)
      (i32.const 9) (i64.const 3) (i64.const 0) (i32.const 1) (i32.const 128)))
  (func (export "path_oob") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 65530) (i32.const 12)
      (i32.const 9) (i64.const 3) (i64.const 0) (i32.const 1) (i32.const 128)))
  (func (export "path_wrap") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 4294967295) (i32.const 2)
      (i32.const 9) (i64.const 3) (i64.const 0) (i32.const 1) (i32.const 128)))
  ;; oflags has four bits
  (func (export "bad_oflags") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 12)
      (i32.const 16) (i64.const 3) (i64.const 0) (i32.const 1) (i32.const 128)))
  ;; wider than oflags' 16-bit representation
  (func (export "wide_oflags") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 12)
      (i32.const 65536) (i64.const 3) (i64.const 0) (i32.const 1) (i32.const 128)))
  ;; lookupflags has one bit
  (func (export "bad_dirflags") (result i32)
    (call $path_open (i32.const 3) (i32.const 2) (i32.const 256) (i32.const 12)
      (i32.const 9) (i64.const 3) (i64.const 0) (i32.const 1) (i32.const 128)))
  ;; rights has 29 bits
  (func (export "bad_rights") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 12)
      (i32.const 9) (i64.const 1099511627776) (i64.const 0) (i32.const 1) (i32.const 128)))
  ;; every bit set
  (func (export "bad_inheriting") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 12)
      (i32.const 9) (i64.const 3) (i64.const -1) (i32.const 1) (i32.const 128)))
  ;; fdflags has five bits
  (func (export "bad_fdflags") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 12)
      (i32.const 9) (i64.const 3) (i64.const 0) (i32.const 32) (i32.const 128)))
  ;; checked before the host runs
  (func (export "out_oob") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 12)
      (i32.const 9) (i64.const 3) (i64.const 0) (i32.const 1) (i32.const 65536)))
  (func (export "out_misaligned") (result i32)
    (call $path_open (i32.const 3) (i32.const 1) (i32.const 256) (i32.const 12)
      (i32.const 9) (i64.const 3) (i64.const 0) (i32.const 1) (i32.const 129)))
)
