/**
 * A call's `onProgress` (see `SendMessageOptions.onProgress`): told how many bytes of its
 * message have been handed to the connection, as the message goes out. No I/O of its own.
 * @module
 */

/** Counts a message's bytes as the writers read and write them, and tells the caller. */
export class ProgressMeter {
  /** Bytes read from the body so far (a stream's chunks), written or not. */
  #read = 0;
  /** Bytes handed to the connection so far, as last told. */
  #sent = 0;
  /** True once the caller has been told anything. */
  #told = false;
  /** True once the caller's function has thrown (said once, as a warning). */
  #warned = false;
  readonly #report: (sent: number) => void;
  /** The call's count over its attempts (see `CallWatch.progressTold`), when a runner watches it. */
  readonly #call: { progressTold?: number } | undefined;

  /** `report`: the caller's `onProgress`; `call`: where a call run again keeps what it told. */
  constructor(report: (sent: number) => void, call?: { progressTold?: number }) {
    this.#report = report;
    this.#call = call;
  }

  /** `bytes` more of the message have been read from its body, to be written next. */
  read(bytes: number): void {
    this.#read += bytes;
  }

  /**
   * `bytes` more of the message have been handed to the connection. An empty piece (a
   * stream's empty chunk) tells nothing: each report says that more has gone.
   */
  sent(bytes: number): void {
    if (bytes === 0) return;
    this.#sent += bytes;
    this.#tell();
  }

  /**
   * The whole message has been handed over: `total` bytes (default: all that was
   * {@link read}). Tells the caller unless its last report said so already.
   */
  finish(total: number = this.#read): void {
    if (this.#told && total === this.#sent) return;
    this.#sent = total;
    this.#tell();
  }

  /**
   * Calls the caller's function. It runs between two writes of a transaction, which must
   * not be torn apart: what it throws (or the rejection of a promise it returns: an `async`
   * function) is said as a process warning (once per call) and does not stop the message. A
   * call is cancelled with its signal.
   */
  #tell(): void {
    // Run again (a pool's retry): what an earlier attempt told is not told again, nor less.
    if (this.#call !== undefined) {
      const before = this.#call.progressTold;
      if (before !== undefined && this.#sent <= before) return;
      this.#call.progressTold = this.#sent;
    }
    this.#told = true;
    let result: unknown;
    try {
      result = this.#report(this.#sent);
    } catch (err) {
      this.#warn(err);
      return;
    }
    if (result === undefined) return;
    try {
      if (isThenable(result)) result.then(undefined, (err: unknown) => this.#warn(err));
    } catch (err) {
      this.#warn(err);
    }
  }

  /** Says what the caller's function threw, once per call; never throws itself. */
  #warn(err: unknown): void {
    if (this.#warned) return;
    this.#warned = true;
    process.emitWarning(`onProgress threw (the message is sent anyway; use a signal to cancel the call): ${errorText(err)}`, { code: "SMTPLIB_ON_PROGRESS" });
  }
}

/** True for a thenable (reading `then` may throw: the caller catches). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (typeof value === "object" || typeof value === "function") && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** What was thrown, as text: anything may be thrown, even what `String()` cannot convert. */
function errorText(err: unknown): string {
  try {
    return err instanceof Error ? err.message : String(err);
  } catch {
    return "a value that cannot be shown as text";
  }
}
