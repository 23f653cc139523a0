/**
 * The calls of a pool waiting for a connection, in the order the calls were made. A call
 * woken when it cannot be served after all (its wake-up came from a release, yet the
 * connections still count against `maxConnections`) waits again in its own place: by its
 * ticket, not behind the calls made after it. A call opening a connection of its own waits
 * here too (`opening`), for a connection that a call ending frees first.
 * @module
 */

interface Waiter {
  readonly ticket: number;
  /** A call opening a connection of its own: woken only by {@link TurnQueue.wakeNext} for a freed connection. */
  readonly opening: boolean;
  readonly resolve: () => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

/** What {@link TurnQueue.firstOf}'s wait gives when the call is woken. */
const WOKEN: unique symbol = Symbol("woken");

/** Wakes `waiter`, which has left the queue. */
function wake(waiter: Waiter): void {
  waiter.signal?.removeEventListener("abort", waiter.onAbort);
  waiter.resolve();
}

/** Calls waiting for their turn, served in ticket order. */
export class TurnQueue {
  readonly #waiters: Waiter[] = [];
  #next = 0;
  /** How many of them are opening a connection of their own. */
  #opening = 0;

  /** How many calls wait, those opening a connection of their own aside. */
  get length(): number {
    return this.#waiters.length - this.#opening;
  }

  /** A new call's ticket: its place among the calls made before and after it. */
  ticket(): number {
    return this.#next++;
  }

  /**
   * Waits until {@link wakeNext} or {@link wakeAll} wakes this call, placed before every
   * waiting call with a later ticket. Rejects with the signal's reason when `signal` aborts
   * (the call then leaves the queue). `opening`: the call is opening a connection of its own
   * (see {@link wakeNext}); it may {@link withdraw} once that connection is up.
   */
  wait(ticket: number, signal: AbortSignal | undefined, opening = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        if (this.#remove(waiter)) reject(signal?.reason);
      };
      const waiter: Waiter = { ticket, opening, resolve, signal, onAbort };
      // New calls have the latest tickets: the search from the end mostly stops at once.
      let i = this.#waiters.length;
      while (i > 0 && this.#waiters[i - 1]!.ticket > ticket) i--;
      this.#waiters.splice(i, 0, waiter);
      if (opening) this.#opening++;
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Wakes the waiting call with the earliest ticket, if any; with `fresh`, the earliest one
   * not opening a connection of its own (a call that is, woken, would take the freed
   * connection; when the wake-up is for one just opened, it has one coming).
   */
  wakeNext(fresh = false): void {
    const i = fresh ? this.#waiters.findIndex((w) => !w.opening) : 0;
    const waiter = this.#waiters[i];
    if (waiter !== undefined && this.#remove(waiter)) wake(waiter);
  }

  /** Wakes every waiting call. */
  wakeAll(): void {
    this.#opening = 0;
    for (const waiter of this.#waiters.splice(0)) wake(waiter);
  }

  /**
   * The call with `ticket` stops waiting without being woken (its own connection came up, or
   * failed). @returns false when it was no longer waiting (woken already: the caller passes
   * that wake-up on).
   */
  withdraw(ticket: number): boolean {
    const waiter = this.#waiters.find((w) => w.ticket === ticket);
    if (waiter === undefined || !this.#remove(waiter)) return false;
    waiter.signal?.removeEventListener("abort", waiter.onAbort);
    return true;
  }

  /**
   * `up` (a connection being opened for the call with `ticket`), or what `take` gives once
   * the call is woken first (a connection freed by a call that ended), whichever comes
   * first; meanwhile the call waits in its place, `opening` (see {@link wait}). A wake-up it
   * cannot use goes on to the next call, and so does one it was given when `up` rejects
   * (the call gave up, or its connection failed), even in the same tick. `up` is what ends
   * the wait when the call gives up: it must reject with the signal's reason then (SMTPPool
   * passes `untilAborted(opening, signal)`). @throws what `up` throws.
   */
  async firstOf<T, U>(up: Promise<T>, ticket: number, take: () => U | undefined): Promise<T | U> {
    for (;;) {
      let first: T | typeof WOKEN;
      try {
        // No signal for this wait: were it removed from the queue by an abort, it could not be
        // told from one woken there (a wake-up to pass on) when both come in the same tick.
        first = await Promise.race([up, this.wait(ticket, undefined, true).then((): typeof WOKEN => WOKEN)]);
      } catch (err) {
        // Still waiting: it leaves, with no wake-up to pass on. Woken already: that wake-up is the next call's.
        if (!this.withdraw(ticket)) this.wakeNext(true);
        throw err;
      }
      if (first !== WOKEN) {
        // Woken at the same time: that wake-up is the next call's.
        if (!this.withdraw(ticket)) this.wakeNext(true);
        return first as T;
      }
      const taken = take();
      if (taken !== undefined) return taken;
      this.wakeNext(true);
    }
  }

  #remove(waiter: Waiter): boolean {
    const i = this.#waiters.indexOf(waiter);
    if (i === -1) return false;
    this.#waiters.splice(i, 1);
    if (waiter.opening) this.#opening--;
    return true;
  }
}
