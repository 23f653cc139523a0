/**
 * The bound on a pool's waiting calls (`PoolOptions.maxQueued`): a call counts from the
 * first time it has to wait (for the rate limit or a connection) until it is given a
 * connection or fails; one that would wait while `max` calls already do is refused, unless
 * it was let in before (it waited, or began to open a connection of its own).
 * @module
 */

import { SMTPPoolQueueFull } from "../errors.js";
import { checkNumber } from "../option-checks.js";

/** Where one call stands (see {@link QueueBound}); a new call starts with {@link QueueBound.place}. */
export interface Place {
  /** Counted: it has had to wait and has not been given a connection yet. */
  waiting: boolean;
  /** Let in once (it waited, or got a connection): never refused after that. */
  admitted: boolean;
}

/** Counts a pool's waiting calls and refuses those beyond its bound. */
export class QueueBound {
  readonly #max: number;
  #count = 0;

  /** @throws TypeError unless `max` is a number; RangeError unless it is a whole number from 0, or `Infinity` (the default). */
  constructor(max: number = Number.POSITIVE_INFINITY) {
    checkNumber(max, "maxQueued");
    if (!(max === Number.POSITIVE_INFINITY || (Number.isInteger(max) && max >= 0))) {
      throw new RangeError(`maxQueued must be a whole number from 0, or Infinity, got ${max}`);
    }
    this.#max = max;
  }

  /** A new call's place: not waiting, not yet let in. */
  static place(): Place {
    return { waiting: false, admitted: false };
  }

  /**
   * The call must wait: it is counted (once, however often it waits before it is given a
   * connection). @throws SMTPPoolQueueFull when it has never been let in and the bound is reached.
   */
  enter(place: Place): void {
    if (place.waiting) return;
    if (!place.admitted && this.#count >= this.#max) throw new SMTPPoolQueueFull(this.#max);
    place.waiting = true;
    place.admitted = true;
    this.#count++;
  }

  /**
   * The call opens a connection of its own: it is let in (never refused after that, should
   * that connection fail and the call then wait for another), yet not counted, as a call
   * given a connection is not (there are at most `maxConnections` such calls).
   */
  static admit(place: Place): void {
    place.admitted = true;
  }

  /** The call waits no more: it has been given a connection, or has failed. */
  leave(place: Place): void {
    place.admitted = true;
    if (!place.waiting) return;
    place.waiting = false;
    this.#count--;
  }
}
