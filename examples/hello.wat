;; A small WASI preview1 command, in text format so it needs no guest toolchain:
;;
;;   wasi-host run --dir examples/data::/data examples/hello.wat Ada Grace
;;
;; It finds the first preopened directory, prints the file `greeting.txt` from it, lists the
;; directory, then greets each command-line argument. Exit status: 0, or 1 with a message on
;; stderr when there is no preopened directory or a call fails.
(module
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_get" (func $fd_prestat_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_prestat_dir_name" (func $fd_prestat_dir_name (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open" (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_readdir" (func $fd_readdir (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)

  ;; Memory layout:
  ;;      0   prestat (8 bytes)          8   a call's u32 result
  ;;     16   iovec for writes          24   iovec for reads
  ;;     64   NUL-terminated strings   512   preopen name (up to 511 bytes)
  ;;   1024   digits of a number      4096   file contents buffer (4 KiB)
  ;;   8192   fd_readdir buffer (8 KiB)
  ;;  16384   argv pointers          20480   argument strings
  (data (i32.const 64) "Hello from a WASI guest!\0a\00")
  (data (i32.const 96) "greeting.txt\00")
  (data (i32.const 112) "/greeting.txt:\0a\00")
  (data (i32.const 128) "Entries in \00")
  (data (i32.const 144) ":\0a\00")
  (data (i32.const 148) "  \00")
  (data (i32.const 152) "\0a\00")
  (data (i32.const 160) "Hello, \00")
  (data (i32.const 168) "!\0a\00")
  (data (i32.const 176) "error: \00")
  (data (i32.const 184) " (errno \00")
  (data (i32.const 196) ")\0a\00")
  (data (i32.const 200) "no preopened directory; run with --dir examples/data::/data\00")
  (data (i32.const 264) "cannot open greeting.txt\00")
  (data (i32.const 292) "cannot read greeting.txt\00")
  (data (i32.const 320) "cannot list the directory\00")
  (data (i32.const 352) "cannot read the arguments\00")

  ;; Length of the NUL-terminated string at $s.
  (func $strlen (param $s i32) (result i32)
    (local $n i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (i32.load8_u (i32.add (local.get $s) (local.get $n)))))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $n))

  ;; Writes $len bytes at $ptr to $fd, all of them (fd_write may write less than asked).
  (func $write (param $fd i32) (param $ptr i32) (param $len i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store (i32.const 16) (local.get $ptr))
        (i32.store (i32.const 20) (local.get $len))
        (br_if $done (call $fd_write (local.get $fd) (i32.const 16) (i32.const 1) (i32.const 8)))
        (local.set $ptr (i32.add (local.get $ptr) (i32.load (i32.const 8))))
        (local.set $len (i32.sub (local.get $len) (i32.load (i32.const 8))))
        (br $more))))

  (func $puts (param $fd i32) (param $s i32)
    (call $write (local.get $fd) (local.get $s) (call $strlen (local.get $s))))

  ;; Writes $n in decimal.
  (func $put_u32 (param $fd i32) (param $n i32)
    (local $p i32)
    (local.set $p (i32.const 1040))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digit (local.get $n)))
    (call $write (local.get $fd) (local.get $p) (i32.sub (i32.const 1040) (local.get $p))))

  ;; Prints "error: <message> (errno N)" on stderr and exits with status 1.
  (func $fail (param $msg i32) (param $errno i32)
    (call $puts (i32.const 2) (i32.const 176))
    (call $puts (i32.const 2) (local.get $msg))
    (call $puts (i32.const 2) (i32.const 184))
    (call $put_u32 (i32.const 2) (local.get $errno))
    (call $puts (i32.const 2) (i32.const 196))
    (call $proc_exit (i32.const 1)))

  ;; The first preopened directory at fd 3 or above; exits when there is none.
  (func $find_preopen (result i32)
    (local $fd i32)
    (local.set $fd (i32.const 3))
    (loop $next
      (if (call $fd_prestat_get (local.get $fd) (i32.const 0))
        (then
          ;; The first fd that is not open ends the preopens.
          (call $puts (i32.const 2) (i32.const 176))
          (call $puts (i32.const 2) (i32.const 200))
          (call $puts (i32.const 2) (i32.const 152))
          (call $proc_exit (i32.const 1))))
      ;; Tag 0 is a directory.
      (if (i32.load8_u (i32.const 0))
        (then
          (local.set $fd (i32.add (local.get $fd) (i32.const 1)))
          (br $next))))
    (local.get $fd))

  ;; Prints the preopen's name (its length is in the prestat at 4).
  (func $put_dir_name (param $dir i32)
    (local $len i32)
    (local.set $len (i32.load (i32.const 4)))
    (if (i32.gt_u (local.get $len) (i32.const 511)) (then (local.set $len (i32.const 511))))
    (drop (call $fd_prestat_dir_name (local.get $dir) (i32.const 512) (local.get $len)))
    (call $write (i32.const 1) (i32.const 512) (local.get $len)))

  ;; Copies greeting.txt from the directory to stdout.
  (func $print_greeting (param $dir i32)
    (local $err i32)
    (local $file i32)
    (call $put_dir_name (local.get $dir))
    (call $puts (i32.const 1) (i32.const 112))
    ;; Rights: fd_read (bit 1) only.
    (local.set $err (call $path_open (local.get $dir) (i32.const 0) (i32.const 96) (i32.const 12)
      (i32.const 0) (i64.const 2) (i64.const 0) (i32.const 0) (i32.const 8)))
    (if (local.get $err) (then (call $fail (i32.const 264) (local.get $err))))
    (local.set $file (i32.load (i32.const 8)))
    (block $eof
      (loop $more
        (i32.store (i32.const 24) (i32.const 4096))
        (i32.store (i32.const 28) (i32.const 4096))
        (local.set $err (call $fd_read (local.get $file) (i32.const 24) (i32.const 1) (i32.const 8)))
        (if (local.get $err) (then (call $fail (i32.const 292) (local.get $err))))
        (br_if $eof (i32.eqz (i32.load (i32.const 8))))
        (call $write (i32.const 1) (i32.const 4096) (i32.load (i32.const 8)))
        (br $more)))
    (drop (call $fd_close (local.get $file))))

  ;; Whether the $len-byte name at $p is "." or "..".
  (func $is_dot (param $p i32) (param $len i32) (result i32)
    (if (result i32) (i32.eq (local.get $len) (i32.const 1))
      (then (i32.eq (i32.load8_u (local.get $p)) (i32.const 46)))
      (else
        (if (result i32) (i32.eq (local.get $len) (i32.const 2))
          (then (i32.and
            (i32.eq (i32.load8_u (local.get $p)) (i32.const 46))
            (i32.eq (i32.load8_u (i32.add (local.get $p) (i32.const 1))) (i32.const 46))))
          (else (i32.const 0))))))

  ;; Lists the directory's entries, one per line, in the order the host gives them.
  (func $list (param $dir i32)
    (local $err i32)
    (local $cookie i64)
    (local $used i32)
    (local $off i32)
    (local $entry i32)
    (local $namlen i32)
    (call $puts (i32.const 1) (i32.const 128))
    (call $put_dir_name (local.get $dir))
    (call $puts (i32.const 1) (i32.const 144))
    (block $done
      (loop $refill
        (local.set $err (call $fd_readdir (local.get $dir) (i32.const 8192) (i32.const 8192)
          (local.get $cookie) (i32.const 8)))
        (if (local.get $err) (then (call $fail (i32.const 320) (local.get $err))))
        (local.set $used (i32.load (i32.const 8)))
        (local.set $off (i32.const 0))
        ;; Each dirent: d_next u64, d_ino u64, d_namlen u32, d_type u8, padding; 24 bytes,
        ;; then the name. The last one may be cut off when the buffer is full.
        (block $end_of_buffer
          (loop $entries
            (br_if $end_of_buffer (i32.gt_u (i32.add (local.get $off) (i32.const 24)) (local.get $used)))
            (local.set $entry (i32.add (i32.const 8192) (local.get $off)))
            (local.set $namlen (i32.load (i32.add (local.get $entry) (i32.const 16))))
            (br_if $end_of_buffer
              (i32.gt_u (i32.add (i32.add (local.get $off) (i32.const 24)) (local.get $namlen)) (local.get $used)))
            (if (i32.eqz (call $is_dot (i32.add (local.get $entry) (i32.const 24)) (local.get $namlen)))
              (then
                (call $puts (i32.const 1) (i32.const 148))
                (call $write (i32.const 1) (i32.add (local.get $entry) (i32.const 24)) (local.get $namlen))
                (call $puts (i32.const 1) (i32.const 152))))
            (local.set $cookie (i64.load (local.get $entry)))
            (local.set $off (i32.add (local.get $off) (i32.add (i32.const 24) (local.get $namlen))))
            (br $entries)))
        ;; A buffer the host did not fill means the listing is complete.
        (br_if $done (i32.lt_u (local.get $used) (i32.const 8192)))
        (br $refill))))

  ;; Greets each argument after argv[0].
  (func $greet_args
    (local $i i32)
    (local $argc i32)
    (local $err i32)
    (local $arg i32)
    (local.set $err (call $args_sizes_get (i32.const 8) (i32.const 12)))
    (if (local.get $err) (then (call $fail (i32.const 352) (local.get $err))))
    (local.set $argc (i32.load (i32.const 8)))
    ;; Room for 1024 pointers and 44 KiB of strings.
    (if (i32.or (i32.gt_u (local.get $argc) (i32.const 1024))
                (i32.gt_u (i32.load (i32.const 12)) (i32.const 45056)))
      (then (call $fail (i32.const 352) (i32.const 0))))
    (local.set $err (call $args_get (i32.const 16384) (i32.const 20480)))
    (if (local.get $err) (then (call $fail (i32.const 352) (local.get $err))))
    (local.set $i (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $argc)))
        (local.set $arg (i32.load (i32.add (i32.const 16384) (i32.mul (local.get $i) (i32.const 4)))))
        (call $puts (i32.const 1) (i32.const 160))
        (call $puts (i32.const 1) (local.get $arg))
        (call $puts (i32.const 1) (i32.const 168))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))

  (func (export "_start")
    (local $dir i32)
    (call $puts (i32.const 1) (i32.const 64))
    (local.set $dir (call $find_preopen))
    (call $print_greeting (local.get $dir))
    (call $list (local.get $dir))
    (call $greet_args))
)
