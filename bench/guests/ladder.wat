;; The WebAssembly side of the state-size ladder: an ABI v1 guest whose memory the benchmark
;; grows to N pages, and whose ordinary event changes one word, so that the host's cost per
;; event can be compared across memory sizes. Commands are binary messages: one op byte, then
;; a little-endian u32 argument. Every reply is 4 bytes (a u32) to the sender alone.
;;   g N  grow memory to N pages in total (never shrinks); reply the page count
;;   d N  fill N pages after the first with 0xab (changes N * 64 KiB); reply the page count
;;   t    add 1 to the word at 8; reply it
;; Events go to a fixed buffer at 1024 (no allocator: the benchmark sends only small messages).
(module
  (import "env" "stateroom_send" (func $send (param i32 i32)))
  (memory (export "memory") 1)
  (global (export "STATEROOM_API_VERSION") i32 (i32.const 0))
  (global (export "STATEROOM_API_PROTOCOL") i32 (i32.const 4))
  (data (i32.const 0) "\01\00\00\00\00\00\00\00")

  (func (export "stateroom_malloc") (param $size i32) (result i32)
    (if (i32.gt_u (local.get $size) (i32.const 60000)) (then unreachable))
    (i32.const 1024))

  (func (export "stateroom_free") (param i32 i32))

  ;; Sends the u32 $value as a Bytes message to client $client; the command is built at 512.
  (func $reply (param $client i32) (param $value i32)
    (i32.store (i32.const 512) (i32.const 0))
    (i32.store (i32.const 516) (i32.const 1))
    (i32.store (i32.const 520) (local.get $client))
    (i32.store (i32.const 524) (i32.const 0))
    (i64.store (i32.const 528) (i64.const 4))
    (i32.store (i32.const 536) (local.get $value))
    (call $send (i32.const 512) (i32.const 28)))

  (func $grow_to (param $pages i32)
    (if (i32.gt_u (local.get $pages) (memory.size))
      (then
        (if (i32.eq (memory.grow (i32.sub (local.get $pages) (memory.size))) (i32.const -1))
          (then unreachable)))))

  ;; Message layout: kind u32 @0, sender u32 @4, payload kind u32 @8, length u64 @12, bytes @20.
  (func (export "stateroom_recv") (param $ptr i32) (param $len i32)
    (local $sender i32)
    (local $op i32)
    (local $arg i32)
    (if (i32.ne (i32.load (local.get $ptr)) (i32.const 3)) (then return))
    (if (i32.lt_u (local.get $len) (i32.const 21)) (then return))
    (local.set $sender (i32.load offset=4 (local.get $ptr)))
    (local.set $op (i32.load8_u offset=20 (local.get $ptr)))
    (if (i32.ge_u (local.get $len) (i32.const 25))
      (then (local.set $arg (i32.load offset=21 align=1 (local.get $ptr)))))
    (if (i32.eq (local.get $op) (i32.const 0x67))
      (then
        (call $grow_to (local.get $arg))
        (call $reply (local.get $sender) (memory.size))
        (return)))
    (if (i32.eq (local.get $op) (i32.const 0x64))
      (then
        (call $grow_to (i32.add (local.get $arg) (i32.const 1)))
        (memory.fill (i32.const 65536) (i32.const 0xab) (i32.mul (local.get $arg) (i32.const 65536)))
        (call $reply (local.get $sender) (memory.size))
        (return)))
    (if (i32.eq (local.get $op) (i32.const 0x74))
      (then
        (i32.store (i32.const 8) (i32.add (i32.load (i32.const 8)) (i32.const 1)))
        (call $reply (local.get $sender) (i32.load (i32.const 8)))
        (return))))
)
