/**
 * Opens a pool's connections: each follows the pool's `signal` option for as long as it is
 * open, and the pool's `close()` can abort every one still being opened.
 * @module
 */

import { linkSignals } from "../client/abortable.js";
import type { SMTP } from "../client/smtp.js";
import { openMember } from "./member.js";
import type { Checked, SMTPOptions } from "../client/options.js";
import type { PoolOptions } from "./pool-options.js";
import { lineToStderr } from "../transport/trace.js";

/**
 * The client options of a pool's `n`th connection: with a debug level, each of its debug
 * lines begins with `[n]`, so that the transcripts of connections open at once, which
 * interleave, can be told apart.
 */
function numbered(clientOptions: Checked<SMTPOptions>, n: number): Checked<SMTPOptions> {
  if (!clientOptions.debugLevel) return clientOptions;
  const output = clientOptions.debugOutput ?? lineToStderr;
  return { ...clientOptions, debugOutput: (line) => output(`[${n}] ${line}`) };
}

/** The connections a pool is opening, and the links of those it has opened to its signal. */
export class MemberOpener {
  readonly #options: Checked<PoolOptions>;
  readonly #clientOptions: Checked<SMTPOptions>;
  /** Aborts each connection still being opened (see {@link abortAll}). */
  readonly #connecting = new Set<AbortController>();
  /** Ends each open connection's link to the pool's `signal` option (see `linkSignals`). */
  readonly #links = new WeakMap<SMTP, () => void>();
  /** How many connections it has begun to open: the number in their debug lines (see {@link numbered}). */
  #opened = 0;
  /** Connections being opened: from {@link open} until the pool calls {@link ended} for each. */
  #pending = 0;
  /** Waiting for the next connection being opened to end (see {@link nextEnd}). */
  readonly #watchers: (() => void)[] = [];

  /** Opens connections with the pool's options (host, login, `signal`) and its clients' (TLS, timeouts, ...). */
  constructor(options: Checked<PoolOptions>, clientOptions: Checked<SMTPOptions>) {
    this.#options = options;
    this.#clientOptions = clientOptions;
  }

  /**
   * Connections being opened, counted from the start of their opening (synchronously, in
   * {@link open}) until they join the pool, are QUIT (having come up after its close()), or
   * fail: the pool calls {@link ended} for each, and its close() waits for each.
   */
  get pending(): number {
    return this.#pending;
  }

  /** Resolves once the next connection being opened has ended (see {@link ended}). */
  nextEnd(): Promise<void> {
    return new Promise<void>((resolve) => this.#watchers.push(resolve));
  }

  /**
   * A connection being opened stops being counted as such. The pool then, in the same
   * synchronous step, lets it join, QUITs it or gives up on it: woken later, its close() sees which.
   */
  ended(): void {
    this.#pending--;
    for (const wake of this.#watchers.splice(0)) wake();
  }

  /** Opens and logs in a connection, numbered in its debug lines; {@link abortAll} aborts it until it is up. Counted in {@link pending} at once. */
  async open(): Promise<SMTP> {
    this.#pending++;
    const opening = new AbortController();
    this.#connecting.add(opening);
    // The connection follows the pool's signal for as long as it is open (see unlink).
    const link = linkSignals(this.#options.signal, opening.signal);
    try {
      const client = await openMember(this.#options, numbered(this.#clientOptions, ++this.#opened), link.signal);
      this.#links.set(client, link.release);
      return client;
    } catch (err) {
      link.release();
      throw err;
    } finally {
      this.#connecting.delete(opening);
    }
  }

  /** Aborts, with `reason`, every connection still being opened (greeting, TLS, AUTH). */
  abortAll(reason: Error): void {
    for (const opening of this.#connecting) opening.abort(reason);
  }

  /** A connection that has left the pool (closed) stops following the pool's signal. */
  unlink(client: SMTP): void {
    this.#links.get(client)?.();
    this.#links.delete(client);
  }
}
