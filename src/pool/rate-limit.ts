/**
 * A token bucket: at most `messages` sends per `interval` ms, spread evenly, with bursts
 * up to `messages` after an idle spell.
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";
import { checkMilliseconds } from "../constants.js";

/** How fast a pool may send. */
export interface RateLimit {
  /** Messages allowed per interval. */
  messages: number;
  /** The interval in milliseconds (e.g. 1000 for "per second"). */
  interval: number;
}

/** Waits as needed so that callers proceed at no more than the configured rate. */
export class TokenBucket {
  readonly #capacity: number;
  readonly #msPerToken: number;
  #tokens: number;
  #last: number;
  #queue: Promise<void> = Promise.resolve();

  /** @throws RangeError unless both numbers are positive and finite. */
  constructor(limit: RateLimit, now: () => number = Date.now) {
    if (!(limit.messages > 0 && Number.isFinite(limit.messages))) throw new RangeError(`rateLimit.messages must be a positive number, got ${limit.messages}`);
    checkMilliseconds("rateLimit.interval", limit.interval);
    this.#capacity = limit.messages;
    this.#msPerToken = limit.interval / limit.messages;
    this.#tokens = limit.messages;
    this.now = now;
    this.#last = now();
  }

  /** The clock (injectable for tests). */
  readonly now: () => number;

  /** Resolves when the caller may send one message; callers are served in order. */
  take(signal?: AbortSignal): Promise<void> {
    const turn = this.#queue.then(() => this.#wait(signal));
    this.#queue = turn.catch(() => undefined);
    return turn;
  }

  async #wait(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const t = this.now();
      this.#tokens = Math.min(this.#capacity, this.#tokens + (t - this.#last) / this.#msPerToken);
      this.#last = t;
      if (this.#tokens >= 1) {
        this.#tokens -= 1;
        return;
      }
      const ms = Math.ceil((1 - this.#tokens) * this.#msPerToken);
      try {
        await sleep(ms, undefined, signal ? { signal } : {});
      } catch (err) {
        signal?.throwIfAborted(); // the signal's own reason, as elsewhere, not a generic AbortError
        throw err;
      }
    }
  }
}
