/**
 * When the debugging server sends its 220 greeting. smtp-server (3.21) waits 100 ms after
 * each connection before greeting, to catch clients that talk first ("421 You talk too
 * soon"). Every connection to the debugging server paid that wait: a test suite that opens a
 * thousand connections waited 100 s, and `smtplib probe` showed a 100 ms greeting that was
 * the server's pause, not the network. The debugging server greets at once by default, as
 * aiosmtpd and Python's old `smtpd` did; `greetingDelay` brings a pause back (to see that a
 * client waits for the greeting, or how it times out on a slow one).
 * @module
 */
import { MAX_DELAY_MS } from "../constants.js";
import { describeValue } from "../error-text.js";
import type { Connection } from "./close.js";
import { missingConnectionMethods } from "./connection-methods.js";

/** What {@link greetAfter} uses of smtp-server's connections (not in its public types). */
interface GreetingInternals {
  /** Adds the socket's listeners, then calls `callback` (after the TLS handshake, for implicit TLS). */
  _setListeners(callback: () => void): void;
  /** Greets (unless the connection is closing, as after a 421 for one client too many). */
  connectionReady(next?: () => void): void;
}

/**
 * Checks `delay` (ms from the connection, or the TLS handshake, to the greeting; 0: at once)
 * and that smtp-server's connections have what {@link greetAfter} wraps: another version
 * without it would greet twice, or never.
 * @throws TypeError for a delay that is not a number; RangeError for one out of range (a
 *   negative, a fraction, past what a timer takes); Error when smtp-server lacks the methods.
 */
export function checkGreetingDelay(delay: unknown): number {
  if (typeof delay !== "number") throw new TypeError(`greetingDelay must be a number of milliseconds (0: greet at once), got ${describeValue(delay)}`);
  if (!Number.isSafeInteger(delay) || delay < 0 || delay > MAX_DELAY_MS) {
    throw new RangeError(`greetingDelay must be a whole number of milliseconds from 0 (greet at once) to ${MAX_DELAY_MS}, got ${String(delay)}`);
  }
  const missing = missingConnectionMethods(["_setListeners", "connectionReady"]);
  if (missing.length > 0) {
    throw new Error(`smtp-server's connections have no ${missing.join(", ")}, which the debugging server's greeting uses (written for smtp-server 3.21): use that version`);
  }
  return delay;
}

/**
 * Makes `connection` greet `delay` ms (checked by {@link checkGreetingDelay}) after it is set
 * up, in place of smtp-server's 100 ms. Call before smtp-server's `init()` runs. smtp-server's
 * own timer still runs; its call finds the greeting taken over and does nothing. A connection
 * refused as one client too many is closing by then, and `connectionReady` does not greet it.
 */
export function greetAfter(connection: Connection, delay: number): void {
  const conn = connection as unknown as GreetingInternals;
  const ready = conn.connectionReady;
  const setListeners = conn._setListeners;
  // smtp-server's timer (its only caller) is ignored; the greeting is ours
  conn.connectionReady = (): void => undefined;
  conn._setListeners = function (this: GreetingInternals, callback: () => void): void {
    setListeners.call(this, () => {
      callback();
      if (delay === 0) ready.call(this);
      else setTimeout(() => ready.call(this), delay).unref();
    });
  };
}
