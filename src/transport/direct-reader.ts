/**
 * How a plain (not TLS) socket is read: through net's `onread` option, into one buffer
 * owned by the connection. Pure bookkeeping: the socket is the caller's.
 * @module
 */

/**
 * Size of a plain socket's read buffer (see {@link DirectReader}). Replies are small (even
 * a thousand pipelined RCPT replies take two reads), and every open connection keeps its
 * buffer, so it is a quarter of libuv's usual 64 KiB.
 */
const READ_BUFFER_BYTES = 16 * 1024;

/**
 * Reads a plain (not TLS) socket through net's `onread` option: each read lands in one
 * buffer owned by the connection and is handed on as a view of it, without the readable
 * stream's per-read work (push, the `data` event, the next tick's read). A lock-step
 * transaction makes four reads, so this is on its critical path. The view is valid only
 * during the call: the receiver must copy what it keeps (the reply parser decodes it at
 * once).
 *
 * Until a receiver is set the bytes are copied and held. Once {@link DirectReader.pause}d
 * (after a STARTTLS reply) nothing more is delivered: bytes that still arrive are only
 * counted, and reading stops, so that {@link Connection.upgrade} can refuse them.
 */
export class DirectReader {
  /** The one buffer every read lands in (net's `onread.buffer`); reused by the next read. */
  readonly buffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  #receiver: ((chunk: Buffer) => void) | null = null;
  #held: Buffer[] = [];
  #paused = false;
  /** Bytes that arrived after {@link DirectReader.pause}. */
  bytesAfterPause = 0;

  /** net's `onread` callback: returning false stops reading. */
  readonly onread = (nread: number, buffer: Buffer): boolean => {
    if (this.#paused) {
      this.bytesAfterPause += nread;
      return false;
    }
    const chunk = buffer.subarray(0, nread);
    if (this.#receiver === null) this.#held.push(Buffer.from(chunk));
    else this.#receiver(chunk);
    return true;
  };

  /** Sets where bytes go, handing over any that came before. */
  receive(receiver: (chunk: Buffer) => void): void {
    this.#receiver = receiver;
    const held = this.#held;
    this.#held = [];
    for (const chunk of held) receiver(chunk);
  }

  /** Stops delivering bytes. */
  pause(): void {
    this.#paused = true;
  }
}
