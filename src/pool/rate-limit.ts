/**
 * A sliding-window rate limiter: at most `messages` calls pass in any span of `interval`
 * ms, in bursts of up to `messages` after a quiet spell. Waiting calls pass in order; one
 * that is aborted, or shut out by {@link RateLimiter.close}, leaves the line at once.
 * @module
 */

import { checkMilliseconds } from "../constants.js";

/** How fast a pool may send. */
export interface RateLimit {
  /** Messages allowed per interval: a whole number from 1 to {@link MAX_RATE_MESSAGES}. */
  messages: number;
  /** The interval in milliseconds (e.g. 1000 for "per second"). */
  interval: number;
}

/**
 * Most messages one interval may allow: the limiter keeps the time of each of the last
 * `messages` passes (8 bytes each). For more, use a shorter interval.
 */
export const MAX_RATE_MESSAGES = 1_000_000;

interface Waiter {
  resolve(): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/** Makes callers wait as needed so that no more than the configured number pass per interval. */
export class RateLimiter {
  readonly #interval: number;
  /** When each of the last `messages` calls passed, as a ring; `#count` of them are set. */
  readonly #passes: Float64Array;
  #oldest = 0;
  #count = 0;
  readonly #waiting: Waiter[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed: { reason: unknown } | null = null;

  /** @throws RangeError unless `messages` is a whole number in range and `interval` a valid timeout. */
  constructor(limit: RateLimit, now: () => number = performance.now.bind(performance)) {
    const { messages } = limit;
    if (!Number.isInteger(messages) || messages < 1 || messages > MAX_RATE_MESSAGES) {
      throw new RangeError(`rateLimit.messages must be a whole number from 1 to ${MAX_RATE_MESSAGES}, got ${messages}`);
    }
    checkMilliseconds("rateLimit.interval", limit.interval);
    this.#interval = limit.interval;
    this.#passes = new Float64Array(messages);
    this.now = now;
  }

  /** The clock in ms (injectable for tests). */
  readonly now: () => number;

  /**
   * Resolves when the caller may send one message; callers pass in the order they came.
   * Rejects with the signal's reason as soon as `signal` aborts, and with the reason given
   * to {@link close} once closed. `beforeWaiting` is called when the caller cannot pass at
   * once, before it joins the line: what it throws, `take` rejects with, and the caller
   * does not wait.
   */
  take(signal?: AbortSignal, beforeWaiting?: () => void): Promise<void> {
    if (this.#closed) return Promise.reject(this.#closed.reason);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#waiting.length === 0 && this.#pass()) return Promise.resolve();
    try {
      beforeWaiting?.();
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve, reject, signal,
        onAbort: () => {
          this.#leave(waiter);
          reject(signal?.reason);
          this.#schedule();
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      this.#waiting.push(waiter);
      this.#schedule();
    });
  }

  /** Rejects every waiting call with `reason`, and every later one. */
  close(reason: unknown): void {
    this.#closed = { reason };
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const waiter of this.#waiting.splice(0)) {
      waiter.signal?.removeEventListener("abort", waiter.onAbort);
      waiter.reject(reason);
    }
  }

  /** Records a pass now when the window allows one; false when it is full. */
  #pass(): boolean {
    const t = this.now();
    const size = this.#passes.length;
    if (this.#count === size) {
      if (t - this.#passes[this.#oldest]! < this.#interval) return false;
      this.#oldest = (this.#oldest + 1) % size;
      this.#count--;
    }
    this.#passes[(this.#oldest + this.#count) % size] = t;
    this.#count++;
    return true;
  }

  #leave(waiter: Waiter): void {
    const i = this.#waiting.indexOf(waiter);
    if (i !== -1) this.#waiting.splice(i, 1);
    waiter.signal?.removeEventListener("abort", waiter.onAbort);
  }

  /** Lets waiting calls pass while the window allows, then waits for the next free place. */
  #serve(): void {
    this.#timer = undefined;
    while (this.#waiting.length > 0 && this.#pass()) {
      const waiter = this.#waiting[0]!;
      this.#leave(waiter);
      waiter.resolve();
    }
    this.#schedule();
  }

  /** Arms the one timer for when the oldest pass leaves the window (none while nobody waits). */
  #schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#waiting.length === 0 || this.#closed) return;
    const freeAt = this.#passes[this.#oldest]! + this.#interval;
    this.#timer = setTimeout(() => this.#serve(), Math.max(0, Math.ceil(freeAt - this.now())));
  }
}
