/**
 * The debugging server's received messages and the calls waiting for them
 * (`DebugServer.waitForMessages`): a test awaits mail that its code sends in the
 * background, and a message that never comes is a clear rejection, not a hang.
 * @module
 */
import { checkMilliseconds } from "../constants.js";
import { timeoutUnitHint } from "../error-text.js";
import { checkKnownKeys, checkNumber, checkSignal, optionsObject } from "../option-checks.js";
import type { ReceivedMessage } from "./debug-server.js";

/** {@link ReceivedMessage} but its data and size: what is known when the data begins. */
export type MessageInfo = Omit<ReceivedMessage, "data" | "size">;

/** How long `DebugServer.waitForMessages` waits, and what stops it sooner. */
export interface WaitOptions {
  /**
   * Milliseconds to wait before rejecting with a `DOMException` named `"TimeoutError"` that says
   * how many messages arrived (under 1000, also that the unit is ms, not Python's seconds); default 5000 (node:test has no timeout of its own: a test
   * awaiting a message that never comes would otherwise never end).
   */
  readonly timeout?: number | null | undefined;
  /** Rejects the wait with the signal's `reason` when it is aborted. */
  readonly signal?: AbortSignal | null | undefined;
}

/** Default of {@link WaitOptions.timeout}. */
const DEFAULT_WAIT_MS = 5000;

/** A pending {@link Inbox.wait}. */
interface Waiter {
  readonly count: number;
  readonly resolve: (messages: ReceivedMessage[]) => void;
  readonly reject: (reason: unknown) => void;
}

/** The messages a server received and the calls waiting for more. */
export class Inbox {
  /** Messages kept, oldest first (the live array `DebugServer.messages` shows). */
  readonly messages: ReceivedMessage[] = [];
  readonly #waiters = new Set<Waiter>();
  readonly #where: () => string;
  #closed = false;

  /** `where` names the server in errors (`127.0.0.1:2525`), once it listens. */
  constructor(where: () => string) {
    this.#where = where;
  }

  /** Whether the server has closed (every session is over). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Keeps `message` and settles the waits it completes. */
  add(message: ReceivedMessage): void {
    this.messages.push(message);
    for (const waiter of this.#waiters) {
      if (this.messages.length >= waiter.count) waiter.resolve(this.messages.slice(0, waiter.count));
    }
  }

  /** Forgets the messages kept so far; pending waits count from none again. */
  clear(): void {
    this.messages.length = 0;
  }

  /** The server closed: waits that the messages kept cannot complete are rejected at once. */
  close(): void {
    this.#closed = true;
    for (const waiter of this.#waiters) waiter.reject(this.#closedError(waiter.count));
  }

  /**
   * Resolves with the first `count` messages once there are that many.
   * @throws TypeError for a `count`, options, `timeout` or `signal` of the wrong type, or an unknown
   *   option; RangeError for a `count` or `timeout` out of range (as a rejection).
   */
  async wait(count: number | null = 1, given: WaitOptions | null = {}): Promise<ReceivedMessage[]> {
    // null is one not given, as every option; a count or options of another type (the timeout
    // given second, waitForMessages(1, 50)) a TypeError, not a wait of 5 s or "got 2" for "2"
    count ??= 1;
    checkNumber(count, "count");
    if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`count must be a whole number of at least 1, got ${String(count)}`);
    const options = optionsObject(given ?? undefined, "wait options") as WaitOptions;
    checkKnownKeys(options, ["timeout", "signal"], "wait option");
    checkSignal(options.signal, "signal");
    const timeout = checkMilliseconds("timeout", options.timeout ?? DEFAULT_WAIT_MS);
    const signal = options.signal ?? undefined;
    signal?.throwIfAborted();
    if (this.messages.length >= count) return this.messages.slice(0, count);
    if (this.#closed) throw this.#closedError(count);
    return new Promise((resolve, reject) => {
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(waiter);
      };
      const waiter: Waiter = {
        count,
        resolve: (messages) => { settle(); resolve(messages); },
        reject: (reason) => { settle(); reject(reason); },
      };
      const onAbort = (): void => waiter.reject(signal?.reason);
      const timer = setTimeout(() => waiter.reject(new DOMException(
        `No ${this.#wanted(count)} within ${timeout} ms (${this.messages.length} received) on the debugging server at ${this.#where()}${timeoutUnitHint(timeout)}`, "TimeoutError")), timeout);
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }

  #wanted(count: number): string {
    return count === 1 ? "message" : `${count} messages`;
  }

  #closedError(count: number): Error {
    return new Error(`The debugging server at ${this.#where()} was closed before ${this.#wanted(count)} arrived (${this.messages.length} received)`);
  }
}
