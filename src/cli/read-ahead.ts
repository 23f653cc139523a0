/**
 * A message stream read ahead before MAIL, a bounded amount: `send` looks at the first bytes
 * of a pipe (whose bytes are otherwise known only as they go) for 8-bit ones, then sends
 * those bytes and the rest as if nothing had been read.
 * @module
 */

/** What {@link ReadAhead.fill} found. */
export interface AheadScan {
  /** True when the stream ended within the bytes read ahead: they are the whole message. */
  readonly ended: boolean;
  /** The bytes read ahead, in the chunks they came in (held until they are sent). */
  readonly chunks: readonly Uint8Array[];
}

/**
 * An async iterable over `source` whose first chunks may be read ahead ({@link fill}): it
 * yields them first, then the rest of `source`. Iterated once.
 */
export class ReadAhead implements AsyncIterable<Uint8Array> {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #chunks: Uint8Array[] = [];
  /** A read of `source` still pending when {@link fill} stopped waiting: the next chunk comes from it. */
  #pending: Promise<IteratorResult<Uint8Array>> | undefined;
  /** The end (or failure) of `source` met while reading ahead, given once the chunks are yielded. */
  #last: IteratorResult<Uint8Array> | undefined;
  #failure: { readonly error: unknown } | undefined;

  /** @param source the stream. */
  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /**
   * Reads ahead until `limit` bytes came (the chunk that passes it included: memory stays
   * within `limit` plus one chunk), the stream ended or failed, or `stop` aborts (a writer
   * slow to write: the read then still pending is the next chunk's). Called once, before
   * iterating.
   */
  async fill(limit: number, stop: AbortSignal): Promise<AheadScan> {
    let bytes = 0;
    const stopped = new Promise<undefined>((resolve) => {
      if (stop.aborted) resolve(undefined);
      else stop.addEventListener("abort", () => resolve(undefined), { once: true });
    });
    while (bytes < limit && !stop.aborted) {
      this.#pending ??= this.#source.next();
      let next: IteratorResult<Uint8Array> | undefined;
      try {
        next = await Promise.race([this.#pending, stopped]);
      } catch (error) {
        this.#pending = undefined;
        this.#failure = { error };
        break;
      }
      if (next === undefined) break;
      this.#pending = undefined;
      if (next.done === true) {
        this.#last = next;
        break;
      }
      this.#chunks.push(next.value);
      bytes += next.value.length;
    }
    return { ended: this.#last !== undefined, chunks: this.#chunks };
  }

  /** The chunks read ahead, then the rest of the stream (its end or failure as met). */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: async () => {
        const chunk = this.#chunks.shift();
        if (chunk !== undefined) return { done: false, value: chunk };
        if (this.#failure !== undefined) throw this.#failure.error;
        if (this.#last !== undefined) return this.#last;
        const pending = this.#pending ?? this.#source.next();
        this.#pending = undefined;
        return pending;
      },
      return: async (value?: unknown) => {
        this.#chunks.length = 0;
        return (await this.#source.return?.(value)) ?? { done: true, value: undefined };
      },
    };
  }
}
