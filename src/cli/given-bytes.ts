/**
 * Mapping the bytes of a streamed message handed to the library back to the bytes read from
 * its input (line ends made CRLF add some), for `smtplib send`'s progress display.
 * @module
 */

/** Most chunk marks a {@link GivenBytes} holds. */
const MAX_MARKS = 1024;

/**
 * The bytes of a message handed to the library mapped back to the bytes read from its input,
 * which the progress display counts (its size is the file's): each chunk's ends are marked,
 * and a count within a chunk is scaled. Asked with counts that only grow, marks passed are
 * dropped; at most {@link MAX_MARKS} are held (the oldest go first, widening the span scaled),
 * so a message never asked about (no progress display) holds no more however long it is.
 */
export class GivenBytes {
  #base = { given: 0, read: 0 };
  #total = { given: 0, read: 0 };
  readonly #marks: { given: number; read: number }[] = [];

  /** Marks a chunk of `given` bytes yielded for `read` bytes read. */
  add(given: number, read: number): void {
    this.#total = { given: this.#total.given + given, read: this.#total.read + read };
    this.#marks.push(this.#total);
    if (this.#marks.length > MAX_MARKS) this.#marks.shift();
  }

  /** The bytes read that `given` bytes yielded stand for. */
  read(given: number): number {
    while (this.#marks.length > 0 && this.#marks[0]!.given <= given) this.#base = this.#marks.shift()!;
    const next = this.#marks[0];
    if (next === undefined || given <= this.#base.given) return this.#base.read;
    return this.#base.read + Math.floor((given - this.#base.given) * (next.read - this.#base.read) / (next.given - this.#base.given));
  }
}
