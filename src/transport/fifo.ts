/**
 * A first-in first-out queue whose `shift()` costs O(1) however long it is. An array's own
 * `shift()` moves every element left: the reply queue of one `sendmail` to 60,000
 * recipients (one pipelined RCPT each) then spent over 2 s moving slots, quadratic in the
 * number of recipients.
 * @module
 */

/** A FIFO of `T`: `push` at the tail, `shift` and `first` at the head. */
export class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;

  /** How many items it holds. */
  get length(): number {
    return this.#items.length - this.#head;
  }

  /** The oldest item, or `undefined` when empty. */
  get first(): T | undefined {
    return this.#items[this.#head];
  }

  /** The item `index` places after the oldest (0: the oldest), or `undefined` past the newest. */
  at(index: number): T | undefined {
    return index < this.length ? this.#items[this.#head + index] : undefined;
  }

  /** The newest item, or `undefined` when empty. */
  get last(): T | undefined {
    return this.length === 0 ? undefined : this.#items[this.#items.length - 1];
  }

  /** Adds `item` at the tail. */
  push(item: T): void {
    this.#items.push(item);
  }

  /** Removes and returns the oldest item (`undefined` when empty). */
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    // Drop the spent head once it is most of the array: amortised O(1) per item.
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Removes and returns the newest item (`undefined` when empty). */
  pop(): T | undefined {
    if (this.length === 0) return undefined;
    const item = this.#items.pop();
    if (this.length === 0) {
      this.#items = [];
      this.#head = 0;
    }
    return item;
  }

  /** Removes every item and returns them, oldest first. */
  drain(): T[] {
    const items = this.#items.slice(this.#head) as T[];
    this.#items = [];
    this.#head = 0;
    return items;
  }
}
