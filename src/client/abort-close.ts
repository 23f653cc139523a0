/**
 * How far a call's transaction has gone, and whether the call's abort closes its
 * connection: a transaction cannot be taken back half sent, and a reply still due to it
 * would hold every later call on the connection.
 * @module
 */

import { SMTPServerDisconnected } from "../errors.js";
import type { Slot } from "../transport/command-queue.js";
import type { CallWatch } from "./call-watch.js";
import type { Conversation } from "./conversation.js";
import type { ProgressMeter } from "./progress-meter.js";

/** How far a transaction has gone: what an abort of its call must undo (see `transact`). */
export interface Progress {
  /** The connection its first byte went to (set just before it is written). */
  sending: Conversation | undefined;
  /** True once its message (or BDAT LAST) is all written: only the final reply is due. */
  written: boolean;
  /** True while only its envelope is written and it waits for replies due ahead (see `FlowOptions.holding`): an abort leaves the connection. */
  holding: boolean;
  /** Its final reply's slots, once its writing is done (see {@link abortClosing}). */
  final: readonly Slot[] | undefined;
  /** The connection's `writes` then: more since, and other calls wrote behind it. */
  writes: number;
  /** The last reply due on the connection just before its first byte (another call's, pipelined ahead of it, or a refusal's RSET: see {@link abortClosing}), if any. */
  ahead: Slot | undefined;
  /** Told when its first byte is about to be written, when its runner watches it (see `watchedCalls`). */
  watch: CallWatch | undefined;
  /** The caller's `onProgress`, if any. */
  meter: ProgressMeter | undefined;
}

/**
 * The error to close the connection of a call aborted (with `reason`) at `progress` with,
 * or `undefined` to leave it open: nothing of it written (see `sending`), it stays. Its
 * message not all `written`: half sent, the transaction cannot be taken back. All written,
 * with the reply to its end of data (`final`, `undefined` while still being written; for
 * LMTP one per recipient) still due and nothing written behind it: the next call would
 * wait for that reply, which the caller gave up on, as long as the server takes (up to the
 * `dataTermination` timeout); so the connection goes, and the calls queued behind fail at
 * once, having sent nothing. With other calls' commands written behind it (pipelined), or
 * ahead of it with their replies still due (BDAT written whole), it stays: closing it would
 * leave their outcome unknown. An RSET ahead, written after a refusal and not awaited
 * (`Conversation.rsetDue`), is no call's: it does not keep the connection.
 */
export function abortClosing(progress: Progress, reason: unknown): SMTPServerDisconnected | undefined {
  const { sending, written, final } = progress;
  if (sending === undefined) return undefined;
  if (!written) return progress.holding ? undefined : new SMTPServerDisconnected("Connection closed: a call was aborted while its transaction was being sent", { cause: reason });
  const last = final?.[final.length - 1];
  if (final !== undefined && (last === undefined || last.done || sending.writes !== progress.writes)) return undefined;
  // A call ahead (pipelined BDAT, written whole) still waits for its reply: it stays too.
  // Not for the RSET written after a refusal, its reply not awaited (`rsetDue`): it is no
  // call's, and every reply before it had come when it was written.
  const { ahead } = progress;
  if (ahead !== undefined && !ahead.done && ahead !== sending.rsetDue) return undefined;
  return new SMTPServerDisconnected("Connection closed: a call was aborted while the reply to its end of data was due", { cause: reason });
}
