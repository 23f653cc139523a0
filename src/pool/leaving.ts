/**
 * The connections leaving a pool: those saying QUIT (retired, idle, or at `close()`), and
 * those that have gone while an aborted call's graceful end is under way on them (its
 * message all written: README "Cancelling"). `SMTPPool.close` waits for every one.
 * @module
 */

import { endingAlone } from "../client/smtp-secure.js";
import type { SMTP } from "../client/smtp.js";
import { quitMember, type Member } from "./member.js";

/** A pool's connections on their way out, until each has closed. */
export class Leaving {
  readonly #quitting = new Set<Promise<void>>();
  readonly #ending = new Map<SMTP, Promise<void>>();
  /** Told when a connection has closed (its client may let go of the pool's signal). */
  readonly #closed: (client: SMTP) => void;
  /** Told when a QUIT (or a graceful end) has ended: a waiting call may now open a connection. */
  readonly #quitEnded: () => void;

  /** `closed` is told of each connection once it has closed, `quitEnded` once a QUIT has ended. */
  constructor(closed: (client: SMTP) => void, quitEnded: () => void) {
    this.#closed = closed;
    this.#quitEnded = quitEnded;
  }

  /**
   * How many connections are saying goodbye, still open at the server with no call: those
   * saying QUIT, and those gone while an aborted call's graceful end is under way on them.
   */
  get quitting(): number {
    return this.#quitting.size + this.#ending.size;
  }

  /** Says QUIT and closes (see `quitMember`: hung up on if the server does not answer in time). */
  quit(member: Member): Promise<void> {
    // Gone already, an aborted call's graceful end under way on it (the pool's close() in the
    // same tick as that abort): no QUIT can go; it ends as `gone` says, and close() waits for it.
    if (!member.client.connected) {
      const ending = this.#endAlone(member.client);
      if (ending !== null) return ending;
    }
    const done = quitMember(member);
    this.#quitting.add(done);
    const left = (): void => {
      this.#quitting.delete(done);
      this.#closed(member.client);
      this.#quitEnded();
    };
    void done.then(left, left);
    return done;
  }

  /**
   * A connection that has gone lets go of what it holds (`close()`), at once, unless an
   * aborted call's graceful end is still under way on it: that one goes on sending what the
   * socket holds, as it would without `close()` (bounded by the `dataBlock` timeout), so
   * that the message the caller was told may have been delivered is not cut short.
   */
  gone(client: SMTP): void {
    if (this.#endAlone(client) !== null) return;
    client.close();
    this.#closed(client);
  }

  /**
   * `client`'s graceful end under way (see `gone`), followed until its socket has closed and
   * the pool has let go of it; `null` when none is. Followed once, however often asked.
   */
  #endAlone(client: SMTP): Promise<void> | null {
    const known = this.#ending.get(client);
    if (known !== undefined) return known;
    const ending = endingAlone(client);
    if (ending === null) return null;
    const ended = ending.then(() => {
      this.#ending.delete(client);
      client.close();
      this.#closed(client);
      this.#quitEnded();
    });
    this.#ending.set(client, ended);
    return ended;
  }

  /**
   * For the pool's `close()`: a graceful end still under way is bounded as a client's
   * `close()` bounds it (`CLOSE_GRACE_MS` more at most). Returns what is still leaving
   * (each resolves once its connection has closed); empty when nothing is.
   */
  closing(): Promise<void>[] {
    for (const client of this.#ending.keys()) client.close();
    return [...this.#quitting, ...this.#ending.values()];
  }
}
