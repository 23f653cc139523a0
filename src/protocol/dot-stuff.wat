;; The DATA transparency kernel (RFC 5321 §4.5.2) for src/protocol/dot-stuff.ts, in
;; WebAssembly text. Compiled by scripts/build-wasm.mjs into dot-stuff-kernel.ts (the
;; bytes, base64); a unit test checks that the two agree.
;;
;; One call stuffs `n` bytes at offset 0 of memory into the output area at OUT:
;;   - every CR becomes CRLF, and an LF right after a CR is dropped (it is already sent):
;;     so CRLF stays CRLF, and a lone CR or a lone LF becomes CRLF;
;;   - a "." at the start of a line gets another "." before it.
;; The state carried from one chunk to the next is two bits, passed in and returned:
;;   bit 0: at the start of a line;  bit 1: the last byte was a CR (drop a leading LF).
;; The result is the output length; `edits` is 0 exactly when the output equals the input
;; (a CR counts +1 as it sends CRLF, the LF dropped right after it in the same chunk -1;
;; an inserted "." or CR, or an LF dropped at the start of a chunk, counts +1).
;;
;; Mid-line, 16 bytes are checked at once (SIMD): a block without CR or LF is copied as
;; it is; otherwise the bytes before the first CR/LF are copied and that byte is handled
;; alone. The 16-byte store may write up to 15 bytes past the output end (OUT_SLACK).
(module
  (memory (export "memory") 13)
  ;; Input area: 0 .. IN_MAX (256 KiB); output area: OUT .. OUT + 2 * IN_MAX + 16.
  (global (export "inMax") i32 (i32.const 262144))
  (global (export "outAt") i32 (i32.const 262144))
  (global $edits (export "edits") (mut i32) (i32.const 0))
  (global $state (export "state") (mut i32) (i32.const 0))

  (func (export "stuff") (param $n i32) (param $state i32) (result i32)
    (local $i i32) (local $o i32) (local $b i32) (local $v v128) (local $m i32)
    (local $lineStart i32) (local $afterCR i32) (local $edits i32)
    (local.set $lineStart (i32.and (local.get $state) (i32.const 1)))
    (local.set $afterCR (i32.and (local.get $state) (i32.const 2)))
    (local.set $o (i32.const 262144))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; Fast path: mid-line, a whole block ahead.
        (if (i32.and
              (i32.eqz (i32.or (local.get $lineStart) (local.get $afterCR)))
              (i32.le_u (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
          (then
            (local.set $v (v128.load (local.get $i)))
            (local.set $m (i8x16.bitmask (v128.or
              (i8x16.eq (local.get $v) (i8x16.splat (i32.const 13)))
              (i8x16.eq (local.get $v) (i8x16.splat (i32.const 10))))))
            (v128.store (local.get $o) (local.get $v))
            (if (i32.eqz (local.get $m))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 16)))
                (local.set $o (i32.add (local.get $o) (i32.const 16)))
                (br $next)))
            ;; Keep the bytes before the first CR/LF; handle that one below.
            (local.set $m (i32.ctz (local.get $m)))
            (local.set $i (i32.add (local.get $i) (local.get $m)))
            (local.set $o (i32.add (local.get $o) (local.get $m)))))
        ;; One byte through the state machine.
        (local.set $b (i32.load8_u (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (if (local.get $afterCR)
          (then
            (local.set $afterCR (i32.const 0))
            (if (i32.eq (local.get $b) (i32.const 10))
              (then
                ;; The LF of a CRLF: the CR already sent CRLF. Unchanged text if the CR
                ;; was in this chunk; a dropped byte if it ended the previous one.
                (local.set $edits (i32.add (local.get $edits)
                  (select (i32.const -1) (i32.const 1) (i32.gt_u (local.get $i) (i32.const 1)))))
                (br $next)))))
        (if (i32.and (local.get $lineStart) (i32.eq (local.get $b) (i32.const 46)))
          (then
            (i32.store8 (local.get $o) (i32.const 46))
            (local.set $o (i32.add (local.get $o) (i32.const 1)))
            (local.set $edits (i32.add (local.get $edits) (i32.const 1)))))
        (local.set $lineStart (i32.const 0))
        (if (i32.eq (local.get $b) (i32.const 13))
          (then
            (i32.store16 (local.get $o) (i32.const 0x0a0d))
            (local.set $o (i32.add (local.get $o) (i32.const 2)))
            (local.set $edits (i32.add (local.get $edits) (i32.const 1)))
            (local.set $lineStart (i32.const 1))
            (local.set $afterCR (i32.const 2))
            (br $next)))
        (if (i32.eq (local.get $b) (i32.const 10))
          (then
            ;; A lone LF: CRLF.
            (i32.store16 (local.get $o) (i32.const 0x0a0d))
            (local.set $o (i32.add (local.get $o) (i32.const 2)))
            (local.set $edits (i32.add (local.get $edits) (i32.const 1)))
            (local.set $lineStart (i32.const 1))
            (br $next)))
        (i32.store8 (local.get $o) (local.get $b))
        (local.set $o (i32.add (local.get $o) (i32.const 1)))
        (br $next)))
    (global.set $edits (local.get $edits))
    (global.set $state (i32.or (local.get $lineStart) (local.get $afterCR)))
    (i32.sub (local.get $o) (i32.const 262144))))
