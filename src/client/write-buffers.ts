/**
 * Buffers for a message's stuffed data, reused once the socket has written them. A long
 * body (a stream, a large message in pieces) is copied chunk by chunk into new buffers when
 * stuffing changes it; each becomes garbage as soon as it is written, and V8 frees such
 * memory (outside its heap) only at its next collection, so a gigabyte streamed through
 * piles up tens of megabytes of it. Reusing a few buffers leaves the caller's own chunks as
 * the only garbage. No I/O of its own.
 * @module
 */

import { markAsUntransferable } from "node:worker_threads";
import { sendChannel } from "../transport/trace.js";

/** The smallest buffer made for reuse: a piece shorter than this still gets one this large. */
const MIN_CAPACITY = 64 * 1024;
/** Buffers kept for reuse at most: those a write still holds are not counted. */
const MAX_FREE = 4;

/**
 * `buffer`, its memory made untransferable (as Node.js's pool is): an `smtplib.send`
 * subscriber shown a piece that transfers its `.buffer` to a worker gets a copy, and the
 * piece is not emptied before it is written (the message would go without it).
 */
function untransferable(buffer: Buffer): Buffer {
  markAsUntransferable(buffer.buffer);
  return buffer;
}

/** Lends buffers for stuffed pieces ({@link take}) and takes them back once written ({@link afterWrite}). */
export class WriteBuffers {
  /**
   * The largest piece lent from a reused buffer: the writer's largest single write, so
   * that a piece it splits further (and would not give back) is never one of ours.
   */
  readonly #maxPiece: number;
  /** Whole buffers ready for reuse. */
  readonly #free: Buffer[] = [];
  /** Buffers lent out, by their memory: a piece is a view of one of them. */
  readonly #lent = new Map<ArrayBufferLike, Buffer>();

  /** `maxPiece`: the largest piece lent from a reused buffer (see {@link take}); larger ones get buffers of their own. */
  constructor(maxPiece: number) {
    this.#maxPiece = maxPiece;
  }

  /**
   * A buffer of exactly `length` bytes (contents undefined): a view of one of ours, to be
   * given back by {@link afterWrite}, or a new one of its own when `length` is larger than
   * any we reuse. Bound: pass it as it is (`buffers.take`).
   */
  readonly take = (length: number): Buffer => {
    if (length > this.#maxPiece) return Buffer.allocUnsafe(length);
    const index = this.#free.findIndex((b) => b.length >= length);
    // Not allocUnsafe: a small one would be a slice of Node's shared pool, never ours alone.
    const whole = index === -1 ? untransferable(Buffer.allocUnsafeSlow(Math.max(length, MIN_CAPACITY))) : this.#free.splice(index, 1)[0]!;
    this.#lent.set(whole.buffer, whole);
    return whole.subarray(0, length);
  };

  /**
   * The callback to pass with the write of `piece`: it gives the piece's buffer back for
   * reuse once the socket has written it. `undefined` when the piece is not one of ours,
   * or when `smtplib.send` has subscribers (one may keep the bytes it was shown, which
   * must not change under it).
   */
  afterWrite(piece: Buffer): ((err?: Error | null) => void) | undefined {
    const whole = this.#lent.get(piece.buffer);
    if (whole === undefined) return undefined;
    this.#lent.delete(piece.buffer);
    if (sendChannel.hasSubscribers) return undefined;
    return (err) => {
      if (err == null && this.#free.length < MAX_FREE) this.#free.push(whole);
    };
  }
}
