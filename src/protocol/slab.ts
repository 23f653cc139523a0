/**
 * A shared slab for middle-sized output buffers, as Node.js's own pool does for small ones
 * (`Buffer.allocUnsafe` under 4 KiB): carving views out of one large `ArrayBuffer` costs far
 * less than a new `ArrayBuffer` per buffer, whose creation and garbage collection dominate
 * a 64 KiB copy. Views are never reused; a slab is freed when none of its views is left.
 * As Node.js's pool, a slab is untransferable: a view shown to user code (an `smtplib.send`
 * subscriber) whose `.buffer` is transferred to a worker is copied, not detached (which would
 * empty every view of it, the one being written too, and fail every later view). Pure: no I/O.
 * @module
 */

import { markAsUntransferable } from "node:worker_threads";

/** The slab's size. */
const SLAB_BYTES = 1024 * 1024;
/** Below this, `Buffer.allocUnsafe` already takes from Node.js's pool. */
const SLAB_MIN = 4096;
/**
 * The largest view carved: 1/8 of a slab, so that a slab's unused tail stays small. (A kept
 * view keeps its whole slab alive: up to 256 times a 4 KiB view's size.)
 */
const SLAB_MAX = SLAB_BYTES / 8;

let slab: Buffer | null = null;
let used = 0;

/**
 * A buffer of exactly `length` bytes, contents undefined (as `Buffer.allocUnsafe`): a view
 * of the shared slab for lengths from 4 KiB to 128 KiB, else a buffer of its own. The
 * caller owns it (no view is ever handed out twice).
 */
export function allocFromSlab(length: number): Buffer {
  if (length < SLAB_MIN || length > SLAB_MAX) return Buffer.allocUnsafe(length);
  if (slab === null || used + length > SLAB_BYTES) {
    slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
    markAsUntransferable(slab.buffer);
    used = 0;
  }
  const view = slab.subarray(used, used + length);
  used += (length + 7) & ~7; // 8-byte aligned, as Node.js's pool
  return view;
}
