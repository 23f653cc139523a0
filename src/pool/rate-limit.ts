/**
 * A sliding-window rate limiter: at most `messages` calls pass in any span of `interval`
 * ms, in bursts of up to `messages` after a quiet spell. Waiting calls pass in order; one
 * that is aborted, or shut out by {@link RateLimiter.close}, leaves the line at once. A
 * pass given back ({@link RateLimiter.refund}) no longer counts.
 * @module
 */

import { checkMilliseconds } from "../constants.js";
import { checkNumber } from "../option-checks.js";

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

declare const passBrand: unique symbol;

/**
 * What {@link RateLimiter.take} gives a caller that passed: the time its pass was recorded
 * at, which {@link RateLimiter.refund} takes to give back that pass.
 */
export type RatePass = number & { readonly [passBrand]: true };

interface Waiter {
  resolve(pass: RatePass): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  /** Waiting in {@link RateLimiter.renew}: ahead of the calls waiting in `take`. */
  renewing: boolean;
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

  /**
   * @throws TypeError unless `messages` and `interval` are numbers; RangeError unless
   * `messages` is a whole number in range and `interval` a valid timeout.
   */
  constructor(limit: RateLimit, now: () => number = performance.now.bind(performance)) {
    const { messages } = limit;
    checkNumber(messages, "rateLimit.messages");
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
   * does not wait. Resolves with the caller's pass, for {@link refund}.
   */
  take(signal?: AbortSignal, beforeWaiting?: () => void): Promise<RatePass> {
    if (this.#closed) return Promise.reject(this.#closed.reason);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#waiting.length === 0) {
      const pass = this.#pass();
      if (pass !== undefined) return Promise.resolve(pass);
    }
    try {
      beforeWaiting?.();
    } catch (err) {
      return Promise.reject(err);
    }
    return this.#wait(signal, false);
  }

  /**
   * Exchanges `pass` (from {@link take}) for one recorded now, for a caller that passed and
   * is about to start (a pool call at its turn on its connection): the limit then holds for
   * when calls really start, however long they waited in between. Its old pass no longer counts; it passes again at once when the window
   * allows, else it waits first in line, ahead of the calls that came after it. Rejects as
   * {@link take} does; the old pass no longer counts then either (the caller sent nothing
   * and holds no pass to give back).
   */
  renew(pass: RatePass, signal?: AbortSignal): Promise<RatePass> {
    if (this.#closed || signal?.aborted) {
      this.refund(pass);
      return Promise.reject(this.#closed ? this.#closed.reason : signal!.reason);
    }
    this.#remove(pass);
    const now = this.#pass();
    return now !== undefined ? Promise.resolve(now) : this.#wait(signal, true);
  }

  /** Joins the line (ahead of every call waiting in `take`, behind earlier renewals, when `first`) until a pass is free. */
  #wait(signal: AbortSignal | undefined, first: boolean): Promise<RatePass> {
    return new Promise<RatePass>((resolve, reject) => {
      const waiter: Waiter = {
        resolve, reject, signal, renewing: first,
        onAbort: () => {
          this.#leave(waiter);
          reject(signal?.reason);
          this.#schedule();
        },
      };
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      // Renewals among themselves in the order they came: a later one does not jump ahead.
      const at = first ? this.#waiting.findIndex((w) => !w.renewing) : -1;
      if (at >= 0) this.#waiting.splice(at, 0, waiter);
      else this.#waiting.push(waiter);
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

  /**
   * Gives back `pass` (from {@link take}) of a call that sent nothing: it no longer counts,
   * and a waiting call may pass in its place at once. A pass already out of the window
   * changes nothing. Give each pass back once at most (a second time would take out another
   * pass of the same time, if any).
   *
   * Exactly this pass's time leaves the ring. Another one would break the limit: the ring
   * holds the time of every pass still counted, and each leaves the window `interval` after
   * it. Taking out a newer time than the caller's would leave the caller's older one standing
   * for a pass that was really made later: it would leave the window early, and a call
   * passing then would make `messages` + 1 within one interval (say 2 per 10 ms: A at 0, B
   * at 9, A given back at 9; without B's time, C passes at 9 and D at 10: B, C and D within
   * 10 ms). Taking out an older time would keep a place taken longer than its pass counts.
   * Passes of the same time are alike, so the time is all that names a pass.
   */
  refund(pass: RatePass): void {
    if (!this.#remove(pass) || this.#waiting.length === 0 || this.#closed) return;
    clearTimeout(this.#timer);
    this.#serve();
  }

  /** Takes `pass`'s time out of the ring (see {@link refund}); false when it is not there. */
  #remove(pass: RatePass): boolean {
    const size = this.#passes.length;
    // Times only grow along the ring, and a pass given back is mostly a recent one.
    let k = this.#count - 1;
    while (k >= 0 && this.#passes[(this.#oldest + k) % size] !== pass) k--;
    if (k < 0) return false;
    for (; k < this.#count - 1; k++) this.#passes[(this.#oldest + k) % size] = this.#passes[(this.#oldest + k + 1) % size]!;
    this.#count--;
    return true;
  }

  /** Records a pass now when the window allows one; undefined when it is full. */
  #pass(): RatePass | undefined {
    const t = this.now();
    const size = this.#passes.length;
    if (this.#count === size) {
      if (t - this.#passes[this.#oldest]! < this.#interval) return undefined;
      this.#oldest = (this.#oldest + 1) % size;
      this.#count--;
    }
    this.#passes[(this.#oldest + this.#count) % size] = t;
    this.#count++;
    return t as RatePass;
  }

  #leave(waiter: Waiter): void {
    const i = this.#waiting.indexOf(waiter);
    if (i !== -1) this.#waiting.splice(i, 1);
    waiter.signal?.removeEventListener("abort", waiter.onAbort);
  }

  /** Lets waiting calls pass while the window allows, then waits for the next free place. */
  #serve(): void {
    this.#timer = undefined;
    while (this.#waiting.length > 0) {
      const pass = this.#pass();
      if (pass === undefined) break;
      const waiter = this.#waiting[0]!;
      this.#leave(waiter);
      waiter.resolve(pass);
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

/**
 * One pool call's pass through a {@link RateLimiter} (none when the pool has no limit):
 * taken before the call asks for a connection, renewed at its turn on the connection just
 * before its first byte (else the calls that passed during a stall, waiting for a
 * connection or queued on a busy one, would all start at once when it ends), given back
 * when the call wrote nothing.
 */
export class CallPass {
  #pass: RatePass | undefined;

  /** `limiter`: the pool's, or undefined when it has no rate limit (every step is then a no-op). */
  constructor(private readonly limiter: RateLimiter | undefined) {}

  /** {@link RateLimiter.take}. */
  async take(signal: AbortSignal | undefined, beforeWaiting: () => void): Promise<void> {
    this.#pass = await this.limiter?.take(signal, beforeWaiting);
  }

  /** {@link RateLimiter.renew}; while it waits, the call holds no pass. */
  async renew(signal: AbortSignal | undefined): Promise<void> {
    const old = this.#pass;
    if (old === undefined) return;
    this.#pass = undefined;
    this.#pass = await this.limiter!.renew(old, signal);
  }

  /** {@link RateLimiter.refund} of the pass held, if any. */
  refund(): void {
    if (this.#pass !== undefined) this.limiter!.refund(this.#pass);
    this.#pass = undefined;
  }
}
