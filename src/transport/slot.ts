/**
 * A reply slot: one expected reply, and the kind of reply it waits for (see
 * `CommandQueue`, which matches replies to slots in order).
 * @module
 */

import type { TimeoutPhase } from "../constants.js";
import type { SMTPReply } from "../protocol/reply.js";

/**
 * What kind of reply a slot waits for: the limit and phase of its timeout. One object serves
 * every slot of its kind (a connection makes one per phase), so opening a slot allocates
 * the slot alone.
 */
export interface SlotKind {
  /** Milliseconds to wait for the whole reply once it is awaited and first in line. */
  readonly timeout: number;
  /** The timeout's phase name (`greeting`, `command`, `dataTermination`, ...). */
  readonly phase: TimeoutPhase;
  /** STARTTLS: after a 220 reply to it, no byte may arrive until the TLS handshake. */
  readonly sealAfter?: boolean;
  /**
   * Only a completion reply (2yz, 4yz, 5yz) may answer it: set for a command that takes
   * no other (RFC 5321 §4.3.2: MAIL, RCPT, RSET, the end of data; RFC 3030 §2: BDAT) when
   * more commands are, or will be, written after it (a transaction's, pipelined or
   * lock-step). A 3yz "positive intermediate" reply (§4.2.1; 354 "start mail input") says
   * the server now waits for more input, and it reads what was written after the command
   * as that input (as message text, for a 354): it will not answer those commands. A 1yz
   * "positive preliminary" reply would be followed by another, which would reach the next
   * command. The slot gets the reply (see `isIncomplete`); then the queue fails
   * (every later slot with SMTPServerDisconnected) and the connection closes, at once
   * rather than when a timeout expires.
   */
  readonly completionOnly?: boolean;
}

/**
 * One expected reply. Obtain with {@link CommandQueue.expect}; read with {@link CommandQueue.wait}.
 * Every field exists from the start, so all slots share one shape (the hot path's property
 * reads stay monomorphic).
 */
export class Slot {
  /** How the reply is awaited: its timeout and phase, and whether only a completion reply may answer. */
  readonly kind: SlotKind;
  /** The command as shown in errors and traces (credentials masked). */
  readonly command: string;
  /** The reply, once it has come. */
  reply: SMTPReply | undefined = undefined;
  /** Why no reply will come (closed, timed out, aborted), once known. */
  error: unknown = undefined;
  /** The one waiter's callbacks, while somebody waits. */
  resolve: ((reply: SMTPReply) => void) | null = null;
  /** The waiter's rejection, called with {@link error}; null while nobody waits. */
  reject: ((err: unknown) => void) | null = null;
  /** When the reply must have arrived (ms, `performance.now()` clock); infinite until armed. */
  deadline = Number.POSITIVE_INFINITY;
  /**
   * True when {@link error} is about an earlier command's reply, not this one's: an earlier
   * slot timed out (or broke the protocol) and the connection closed with this one unanswered.
   */
  behind = false;
  /**
   * True when the connection closed on a 421 that answered an earlier command (RFC 5321
   * §3.8: the server reads no command after it), so this one was never processed, even if
   * it was written.
   */
  unprocessed = false;
  /**
   * Set for a reply that may or may not come: only a reply it returns true for answers the
   * slot; any other passes it by (to the next slot), and the slot settles with
   * {@link PASSED_OVER}. LMTP's BDAT LAST, every recipient refused, gets no reply or one
   * refusal (see `bdat-flow`). Set before the replies that may pass it by can come.
   */
  optional: ((reply: SMTPReply) => boolean) | null = null;

  /** A slot still waiting for its reply; `command` is shown masked. */
  constructor(kind: SlotKind, command: string) {
    this.kind = kind;
    this.command = command;
  }

  /** True once the slot has its reply or its error: waiting for it would only cost a job. */
  get done(): boolean {
    return this.reply !== undefined || this.error !== undefined;
  }
}

/** What an optional slot (see `Slot.optional`) settles with when a reply passed it by: no reply came for it. */
export const PASSED_OVER: SMTPReply = Object.freeze({ code: 0, message: "(no reply: the next reply was not for this command)", lines: [] });
