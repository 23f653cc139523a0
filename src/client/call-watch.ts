/**
 * How whoever runs a mail call for someone else (the pool) learns whether anything of its
 * transaction was written. Internal (not exported from the package): the public options
 * stay as API.md gives them.
 * @module
 */

import type { Request } from "./request.js";

/** What a watched call reports (see {@link watchedCalls}). */
export interface CallWatch {
  /**
   * Set just before the first byte of the call's transaction (the MAIL that begins it, or
   * the RSET pipelined ahead of that; lock-step, such an RSET goes alone before and is no
   * part of it) is written; never cleared by the call. A call that ends with it still false
   * wrote nothing of its transaction: it was aborted before its turn, refused by a check
   * before any byte, or it found the connection gone. Once set, part of it may be out,
   * whatever happens next (an abort mid-send closes the connection; nothing is taken back).
   * A runner that runs the call again (nothing of it delivered) clears it for that attempt.
   */
  started: boolean;
  /** True once an earlier attempt of the call (run again since) had `started`. */
  wrote?: boolean;
  /**
   * The call's checked request, when the runner built it before the call waited for a
   * turn (see `checked-call.ts`): the client sends it instead of checking the arguments
   * again. It must be built from the same arguments the call is given.
   */
  request?: Request;
  /**
   * Awaited at the call's turn, before anything of its transaction is written (and before
   * `started` is set): the pool's rate limit takes its pass for the moment the call really
   * starts. What it throws fails the call with nothing written.
   */
  beforeStart?: () => Promise<void>;
  /**
   * The most bytes the call's `onProgress` has been told, over every attempt: a call that
   * a pool runs again on another connection (its message was not processed) tells nothing
   * it told before, so its count never goes back (see `ProgressMeter`).
   */
  progressTold?: number;
}

/**
 * Watched calls, keyed by the options object given to `sendmail`, `deliver` or
 * `sendMessage`: a runner that passes a fresh object per call (never one a caller may
 * share between calls) registers it here with a {@link CallWatch}, and reads `started`
 * once the call has ended. A call given options that are not registered is not watched.
 */
export const watchedCalls = new WeakMap<object, CallWatch>();
