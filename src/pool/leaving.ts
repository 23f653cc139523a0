/**
 * The connections leaving a pool: those saying QUIT (retired, idle, or at `close()`).
 * `SMTPPool.close` waits for every one.
 * @module
 */

import type { SMTP } from "../client/smtp.js";
import { quitMember, type Member } from "./member.js";

/** A pool's connections on their way out, until each has closed. */
export class Leaving {
  readonly #quitting = new Set<Promise<void>>();
  /** Told when a connection has closed (its client may let go of the pool's signal). */
  readonly #closed: (client: SMTP) => void;
  /** Told when a QUIT has ended: a waiting call may now open a connection. */
  readonly #quitEnded: () => void;

  /** `closed` is told of each connection once it has closed, `quitEnded` once a QUIT has ended. */
  constructor(closed: (client: SMTP) => void, quitEnded: () => void) {
    this.#closed = closed;
    this.#quitEnded = quitEnded;
  }

  /** How many connections are saying QUIT. */
  get quitting(): number {
    return this.#quitting.size;
  }

  /** Says QUIT and closes (see `quitMember`: hung up on if the server does not answer in time). */
  quit(member: Member): Promise<void> {
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

  /** For the pool's `close()`: what is still leaving (each resolves once its connection has closed); empty when nothing is. */
  closing(): Promise<void>[] {
    return [...this.#quitting];
  }
}
