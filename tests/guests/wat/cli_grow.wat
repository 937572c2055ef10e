;; CLI test guest: grows its memory (1 page, 64 KiB) by 16 pages to 17 pages (1088 KiB).
;; Exits 7 when `memory.grow` answers -1 (past `-W max-memory-size`), 8 when the memory did not
;; grow yet the answer was not -1, and returns normally when it grew.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (if (i32.eq (memory.grow (i32.const 16)) (i32.const -1))
      (then (call $proc_exit (i32.const 7))))
    (if (i32.ne (memory.size) (i32.const 17))
      (then (call $proc_exit (i32.const 8)))))
)
