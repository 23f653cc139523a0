/**
 * The calls of a pool waiting for a connection, in the order the calls were made. A call
 * woken when it cannot be served after all (its wake-up came from a release, yet the
 * connections still count against `maxConnections`) waits again in its own place: by its
 * ticket, not behind the calls made after it.
 * @module
 */

interface Waiter {
  readonly ticket: number;
  readonly wake: () => void;
}

/** Calls waiting for their turn, served in ticket order. */
export class TurnQueue {
  readonly #waiters: Waiter[] = [];
  #next = 0;

  /** How many calls wait. */
  get length(): number {
    return this.#waiters.length;
  }

  /** A new call's ticket: its place among the calls made before and after it. */
  ticket(): number {
    return this.#next++;
  }

  /**
   * Waits until {@link wakeNext} or {@link wakeAll} wakes this call, placed before every
   * waiting call with a later ticket. Rejects with the signal's reason when `signal` aborts
   * (the call then leaves the queue).
   */
  wait(ticket: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const i = this.#waiters.indexOf(waiter);
        if (i !== -1) this.#waiters.splice(i, 1);
        reject(signal?.reason);
      };
      const waiter: Waiter = {
        ticket,
        wake: () => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        },
      };
      // New calls have the latest tickets: the search from the end mostly stops at once.
      let i = this.#waiters.length;
      while (i > 0 && this.#waiters[i - 1]!.ticket > ticket) i--;
      this.#waiters.splice(i, 0, waiter);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Wakes the waiting call with the earliest ticket, if any. */
  wakeNext(): void {
    this.#waiters.shift()?.wake();
  }

  /** Wakes every waiting call. */
  wakeAll(): void {
    for (const waiter of this.#waiters.splice(0)) waiter.wake();
  }
}
