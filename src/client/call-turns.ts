/**
 * The call queue of one client: calls run one after another, in the order they were made,
 * so they never interleave their bytes or swap replies.
 * @module
 */

import { AsyncResource } from "node:async_hooks";
import { formatStack } from "../errors.js";

function noop(): void {}

/** Runs calls one at a time, oldest first (see {@link CallTurns.run}). */
export class CallTurns {
  /** True while a call holds the queue. */
  #busy = false;
  /** Calls waiting for their turn, oldest first; `#waitingFrom` is the first not yet run. */
  #waiting: (() => void)[] = [];
  #waitingFrom = 0;

  /**
   * Runs `fn` after every earlier call has finished; a call whose turn comes once `signal`
   * has aborted rejects with its reason without running. A pipelined `sendmail` resolves its
   * `fn` once its data is written and reads the final reply outside, so the next call can
   * start.
   */
  run<T>(fn: () => Promise<T>, signal: AbortSignal | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = (): void => {
        let result: Promise<T>;
        try {
          signal?.throwIfAborted();
          // Promise.resolve: a subclass whose fn returns a plain value must not break the queue.
          result = Promise.resolve(fn());
        } catch (err) {
          // Released a job later like any other failure: calls that all fail at once (an
          // aborted signal) never start each other recursively.
          result = Promise.reject(err);
        }
        // The next call starts as soon as this one ends, in the same job: a lock-step
        // transaction's next MAIL leaves without waiting for more promise hops.
        result.then((value) => {
          this.#release();
          resolve(value);
        }, (err: unknown) => {
          // Not only SMTPException's (formatted when made): see formatStack.
          formatStack(err);
          this.#release();
          reject(err);
        });
      };
      // A queued call runs in its own caller's async context (AsyncLocalStorage, tracing),
      // not in that of the call whose end starts it. (An AsyncResource and its
      // runInAsyncScope: AsyncResource.bind costs about a quarter of a message's CPU here.)
      if (this.#busy) {
        const scope = new AsyncResource("smtplib.call");
        this.#waiting.push(() => scope.runInAsyncScope(run));
      }
      else {
        this.#busy = true;
        run();
      }
    });
  }

  /** Ends the running call: starts the oldest waiting one, or frees the queue. */
  #release(): void {
    if (this.#waitingFrom === this.#waiting.length) {
      this.#busy = false;
      this.#waiting.length = 0;
      this.#waitingFrom = 0;
      return;
    }
    const next = this.#waiting[this.#waitingFrom]!;
    this.#waiting[this.#waitingFrom++] = noop;
    // A queue that never empties is compacted now and then instead of growing for ever.
    if (this.#waitingFrom >= 1024 && this.#waitingFrom * 2 >= this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#waitingFrom);
      this.#waitingFrom = 0;
    }
    next();
  }
}
