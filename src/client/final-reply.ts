/**
 * The end of a transaction: the reply (or LMTP's replies) to the end of data, `sendmail`'s
 * rule that a call fails only when nobody got the message, and the envelope replies of a
 * transaction written whole, read only now.
 * @module
 */

import { SMTPException, SMTPRecipientsRefused, SMTPResponseException, SMTPServerDisconnected, SMTPTimeoutError, tellDelivery } from "../errors.js";
import type { SMTPReply } from "../protocol/reply.js";
import { outOfStep, type Slot } from "../transport/command-queue.js";
import type { Conversation } from "./conversation.js";
import { closedOnReply, dataRefusal } from "./slot-refusal.js";
import { abandon, quietRset, readEnvelope, refuseAll, type Pending } from "./transaction.js";
import { unprocessedWhole } from "./unsent.js";

/** The outcome of a whole transaction. */
export interface Delivery {
  /** Recipients refused, at RCPT or (LMTP) after the data, with the refusing reply. */
  refused: Map<string, SMTPReply>;
  /** Recipients that got the message, each with the reply that accepted the data. */
  delivered: Map<string, SMTPReply>;
  /** The final reply (for LMTP: the first refusal after the data, else the last reply). */
  reply: SMTPReply;
}

/**
 * Reads the reply to the end of data (for LMTP one per accepted recipient, RFC 2033 §4.2).
 * A refusal is followed by RSET when `rsetOnFailure` (lock-step only: once other
 * transactions are pipelined behind this one, RSET would cancel them, and the end of data
 * has finished this transaction anyway, RFC 5321 §4.1.1.4). For LMTP it resolves even
 * when nobody got the message (see {@link complete} for `sendmail`'s rule). With `report`
 * false (`sendmail`, which returns only the refusals) SMTP's `delivered` map stays empty:
 * filling it would cost an entry per recipient on every message for nobody.
 * A connection lost after some LMTP replies resolves with the rest reported unknown, and
 * so does a 1yz/3yz (on which the connection is closed) after some; as the first LMTP
 * reply it fails the call: as SMTP's does for the only recipient, else as a connection
 * lost before any reply (a later recipient may have the message).
 * @throws SMTPDataError (SMTP: any reply but 250, a 2yz with `delivery` "unknown"; LMTP for a 1yz/3yz as the only recipient's reply),
 * SMTPServerDisconnected (SMTP, or LMTP before any reply, or on a first reply that is not
 * valid SMTP: its `recipients` then says who was refused at RCPT and who is unknown),
 * SMTPResponseException (SMTP: a reply that is not valid SMTP).
 */
export async function finish(conv: Conversation, pending: Pending, rsetOnFailure: boolean, report = true): Promise<Delivery> {
  const delivered = new Map<string, SMTPReply>();
  if (conv.dialect === "smtp") {
    const end = pending.final[0]!;
    if (!end.done) await conv.settled(end);
    let reply: SMTPReply;
    try {
      reply = conv.take(end);
    } catch (err) {
      throw mayHaveBeenDelivered(err);
    }
    if (reply.code !== 250) {
      if (rsetOnFailure) await abandon(conv, reply.code);
      // Not 250: an error, as Python's. A 2yz still completes (RFC 5321 §4.2.1): the server
      // took the whole message and may deliver it, so no "not-delivered" (a retry, twice).
      throw dataRefusal(conv, end, "end of data", undefined, reply.code >= 200 && reply.code < 300 ? "unknown" : undefined);
    }
    if (!report) return { refused: pending.refused, delivered, reply };
    for (const addr of pending.accepted) delivered.set(addr, reply);
    // As LMTP's: an address given twice, refused once at RCPT, has the message (`sendmail`
    // still reports it refused, as Python's does).
    const refused = pending.refused.size === 0 ? pending.refused : new Map([...pending.refused].filter(([addr]) => !delivered.has(addr)));
    return { refused, delivered, reply };
  }
  if (pending.accepted.length === 0) {
    // Only the low-level data() gets here (sendmail stops before DATA): a server that
    // took DATA with no recipient gives the end of data one reply, which is the answer.
    return { refused: new Map(pending.refused), delivered, reply: await conv.read(pending.final[0]!) };
  }
  const outcomes = new RecipientOutcomes(pending);
  for (let i = 0; i < pending.accepted.length; i++) {
    // One at a time: after a 421 (which closes the connection) no later reply is awaited.
    let reply: SMTPReply;
    try {
      reply = await conv.read(pending.final[i]!);
    } catch (err) {
      // The connection went (closed, timed out, a malformed reply) after some replies:
      // those outcomes are known and reported; the rest are unknown.
      if (i === 0) {
        // Nothing known of the accepted recipients, but the call's error still says who was
        // refused at RCPT (surely not delivered) and who is unknown, as the map would.
        outcomes.lost(err);
        throw mayHaveBeenDelivered(err, outcomes.delivery().refused);
      }
      if (!conv.channel.closed) throw err;
      outcomes.lost(err);
      break;
    }
    // A 1yz/3yz on which the connection closed (see closedOnReply): the server broke the
    // protocol, and its later replies can no longer be matched to recipients (they are
    // never read). As the only recipient's reply, the call fails as SMTP's does, and as when the reply
    // comes while the message is still being written (see refusalOnClose). After some
    // replies, those outcomes stand, as after a lost connection: a recipient that got the
    // message must not get it again from a caller who retries; the rest are unknown.
    const closed = closedOnReply(conv, pending.final[i]!);
    if (closed !== undefined) {
      // The only recipient's: SMTPDataError, which says it may have been delivered (see dataRefusal).
      if (i === 0 && pending.accepted.length === 1) throw dataRefusal(conv, pending.final[i]!, "end of data", undefined, undefined, pending.accepted[0]);
      // The others' outcome names the reply, as the connection's loss would (see noReply),
      // and whose reply it was, in which phase: "354 go ahead" alone said neither.
      outcomes.lost(new SMTPException(`the connection was closed on "${reply.code} ${reply.message}", ${pending.accepted[i]!}'s reply after the data, which is not a final reply`));
      // The first of several replies: the server had the message, and a later recipient
      // may have it (its reply is never read), as when the connection goes before any.
      if (i === 0) throw mayHaveBeenDelivered(closed, outcomes.delivery().refused);
      break;
    }
    if (!outcomes.add(reply)) break;
    if (i === 0 && pending.accepted.length > 1 && refusesCommand(reply) && !pending.final[1]!.done) {
      // The end of data refused as a command (see refusesCommand), and no other reply yet:
      // a server may answer it once (a failed BDAT's reply, RFC 3030 §2) or once per
      // recipient (RFC 2033 §4.3), and no later recipient can have the message. Every one
      // is refused with it now, not after the dataTermination timeout; copies of it that
      // come for the others are read and dropped, any other reply passes them by.
      outcomes.refuseRest(reply);
      // A copy has its code and enhanced status (its text may name its own recipient, as
      // "503 5.5.0 <r2@y> ..."), or, without an enhanced status, its code and text.
      const status = reply.enhancedStatus;
      const copy = status !== undefined
        ? (r: SMTPReply): boolean => r.code === reply.code && r.enhancedStatus === status
        : (r: SMTPReply): boolean => r.code === reply.code && r.message === reply.message;
      for (let j = 1; j < pending.final.length; j++) pending.final[j]!.optional = copy;
      break;
    }
  }
  if (pending.final[pending.final.length - 1]!.reply !== undefined) closeOnSurplus(conv, pending.accepted.length);
  return outcomes.delivery();
}

/**
 * LMTP, every reply due after the data read (`due`, one per recipient accepted): closes the
 * connection when the server sent one more, which came with them (no command waited for it:
 * see `Channel.strayReply`). A server that counts recipients otherwise is out of step, and
 * the next command written would take its surplus reply as its own (a later call's sender or
 * recipient refused with this message's reply); so when one has only begun to come with them
 * (its first bytes), as nothing is due then. The call keeps the replies that were due;
 * calls queued behind it (the next one waits for these replies: see `startTransaction`) find
 * the connection closed and fail having sent nothing.
 */
function closeOnSurplus(conv: Conversation, due: number): void {
  const { channel } = conv;
  const extra = channel.strayReply;
  // Its first bytes only (the rest in a later packet): the next command would take it whole.
  if ((extra === undefined && !channel.replyInProgress) || channel.closed) return;
  const why = `a reply beyond the ${due} due (one per recipient accepted, RFC 2033 §4.2)`;
  channel.destroy(extra !== undefined
    ? outOfStep("the end of data", extra, `${why}: the replies are out of step`)
    : new SMTPServerDisconnected(`Connection closed: ${why} began to arrive after the end of data was answered: the replies are out of step`));
}

/**
 * True for a reply that refuses a command as such, never one recipient's delivery: a
 * syntax or sequence error (500-504, RFC 5321 §4.2.2), or an RFC 3463 X.5.Y "mail delivery
 * protocol status" ("503 5.5.0", "554 5.5.1 no valid recipients").
 */
function refusesCommand(reply: SMTPReply): boolean {
  return (reply.code >= 500 && reply.code <= 504) || (reply.code >= 400 && reply.enhancedStatus?.split(".")[1] === "5");
}

/**
 * The connection went (closed, timed out, closed for another call's abort) after the end of
 * data was written and before its reply came: the server may have taken the message, and a
 * caller who retried on a bare "Connection unexpectedly closed" could send it twice. So too
 * when the reply was not valid SMTP (`SMTPResponseException`, code -1 for a malformed or
 * over-long reply, 500 for a line past the cap: no refusal, though its code says 5yz; the
 * connection was closed on it). A copy of `err` (a timeout stays an `SMTPTimeoutError`,
 * with its `cause` and `command`) that says so, its `delivery` `"unknown"`; any other error
 * as it is. A copy: the connection's error is shared by every call on it, and those whose
 * end of data was never written were not delivered. `recipients` (LMTP): each recipient's outcome
 * so far, carried by an `SMTPServerDisconnected` as its `recipients`; a reply that was not
 * valid SMTP then becomes one too (its `cause`), as a connection lost.
 */
export function mayHaveBeenDelivered(err: unknown, recipients?: Map<string, SMTPReply>): unknown {
  const said = (why: string): string => tellDelivery(`${why}, after the end of data was sent`, "unknown");
  if (!(err instanceof SMTPException)) return err;
  const options = { ...(err.cause !== undefined ? { cause: err.cause } : {}), ...(err.command !== undefined ? { command: err.command } : {}), delivery: "unknown" as const };
  // A slot's error is never a server reply: an SMTPResponseException there is the parser's.
  if (err.constructor === SMTPResponseException) {
    const { smtpCode, smtpError, message } = err as SMTPResponseException;
    // LMTP: the connection closed on it before any recipient's reply was read, as when it
    // drops then, with each recipient's outcome (the parser's error as `cause`).
    if (recipients !== undefined) return new SMTPServerDisconnected(said(`Connection closed on a reply that is not valid SMTP (${message})`), { ...options, cause: err, recipients });
    return new SMTPResponseException(smtpCode, said(smtpError), options);
  }
  if (!(err instanceof SMTPServerDisconnected)) return err;
  const message = said(err.message);
  const known = recipients === undefined ? options : { ...options, recipients };
  return err instanceof SMTPTimeoutError ? new SMTPTimeoutError(message, err.phase, err.timeout, known) : new SMTPServerDisconnected(message, known);
}

/**
 * The error of a transaction whose end of data was written before its envelope replies
 * were read (`whole` or pipelined BDAT), its connection lost before them: not sent when the
 * connection closed on a 421 to an earlier command (`Slot.unprocessed`: the server read none
 * of it; see `unprocessedWhole`, whose `rerun` it passes), else it may have been delivered.
 * `final`: its end of data's slots; `chunks`: its other BDAT chunks' slots. Any of them may
 * be empty (`unprocessedWhole` needs no MAIL slot): called on the failure path only.
 */
export function lostAfterEnd(envelope: readonly Slot[], final: readonly Slot[], err: unknown, chunks: readonly Slot[] = [], rerun = true): unknown {
  if (final[0]?.unprocessed === true) return unprocessedWhole(envelope, [...chunks, ...final], err, rerun);
  return mayHaveBeenDelivered(err);
}

/**
 * LMTP's outcome after the data (RFC 2033 §4.2), recorded one reply at a time in the order
 * the replies come: one per recipient accepted at RCPT. Recipients refused at RCPT are in
 * it from the start.
 */
export class RecipientOutcomes {
  readonly #accepted: readonly string[];
  readonly #refused: Map<string, SMTPReply>;
  readonly #delivered = new Map<string, SMTPReply>();
  /** How many accepted recipients have an outcome. */
  #next = 0;
  #first: SMTPReply | undefined = undefined;
  #last: SMTPReply | undefined = undefined;

  /** True when the message's end was never written: see the constructor. */
  readonly #unsent: boolean;

  /**
   * Starts from a transaction's envelope: the recipients refused at RCPT and those accepted,
   * in order. `unsent`: the message's end was never written (a reply came while DATA's
   * message was), so a recipient left without a reply does not have it either, and its
   * outcome says so instead of "unknown".
   */
  constructor(envelope: Pick<Pending, "refused" | "accepted">, unsent = false) {
    this.#unsent = unsent;
    this.#accepted = envelope.accepted;
    this.#refused = new Map(envelope.refused);
  }

  /** Records the next recipient's reply; false when no later reply will come (a 421). */
  add(reply: SMTPReply): boolean {
    const addr = this.#accepted[this.#next++]!;
    this.#last = reply;
    // Any 2yz says this recipient has the message (not only 250, as SMTP's end of data).
    if (reply.code >= 200 && reply.code < 300) {
      this.#delivered.set(addr, reply);
      // An address given twice that got the message once has it: not also "refused" (at
      // RCPT or after the data), which would invite a retry that delivers it again.
      this.#refused.delete(addr);
    } else {
      if (!this.#delivered.has(addr)) this.#refused.set(addr, reply);
      this.#first ??= reply;
    }
    if (reply.code !== 421) return true;
    // The server is closing (RFC 5321 §3.8; the connection is closed already): the 421
    // is this recipient's reply, and the replies still due will never come. Those
    // recipients got no answer, so whether they have the message is unknown, as when the
    // connection drops (code -1): reporting them refused with the 421 would invite a
    // retry that may deliver twice. The call still resolves, keeping what is known.
    this.#fill(noReply(new Error(`the server closed the connection after "${reply.code} ${reply.message}" for an earlier recipient (${addr}'s reply after the data)`), this.#unsent));
    return false;
  }

  /**
   * The connection went before the next reply: the outcome of every recipient still
   * without one is unknown, and reported as such (code -1, no server reply), so that a
   * caller retrying never resends to those who got it. `err` is why it went.
   */
  lost(err: unknown): void {
    if (this.#next === this.#accepted.length) return;
    const unknown = this.#fill(noReply(err, this.#unsent));
    this.#first ??= unknown;
  }

  /** Gives every recipient still without an outcome `reply`, a refusal of them all (see `finish`). */
  refuseRest(reply: SMTPReply): void {
    this.#fill(reply);
  }

  /** Gives every recipient still without an outcome `reply` (but not one delivered already, given twice); returns it. */
  #fill(reply: SMTPReply): SMTPReply {
    for (; this.#next < this.#accepted.length; this.#next++) {
      const addr = this.#accepted[this.#next]!;
      if (!this.#delivered.has(addr)) this.#refused.set(addr, reply);
    }
    return reply;
  }

  /** The outcome so far; its reply is the first refusal, else the last reply. */
  delivery(): Delivery {
    return { refused: this.#refused, delivered: this.#delivered, reply: this.#first ?? this.#last! };
  }
}

/**
 * LMTP's "nobody got it" after the data: `refused` (the outcome) as `SMTPRecipientsRefused`,
 * each recipient marked as refused at RCPT (its entry still its reply in `envelope`) or
 * after the data. The error path only.
 */
export function refusedAfterData(envelope: ReadonlyMap<string, SMTPReply>, refused: Map<string, SMTPReply>, cause?: unknown): SMTPRecipientsRefused {
  const atRcpt = new Set<string>();
  for (const [addr, reply] of envelope) if (refused.get(addr) === reply) atRcpt.add(addr);
  return new SMTPRecipientsRefused(refused, { command: "end of data", refusedAtRcpt: atRcpt, ...(cause === undefined ? {} : { cause }) });
}

/** True when a recipient's outcome is unknown: its reply never came (see {@link noReply}). */
function hasUnknown(refused: ReadonlyMap<string, SMTPReply>): boolean {
  for (const reply of refused.values()) if (reply.code === -1) return true;
  return false;
}

/**
 * What LMTP reports for a recipient whose reply never came: no server reply, so code -1;
 * `unsent` as in the `RecipientOutcomes` constructor.
 */
function noReply(err: unknown, unsent = false): SMTPReply {
  const outcome = unsent ? "the message was not all sent, so it was not delivered" : "whether it got the message is unknown";
  const message = `No reply for this recipient: ${err instanceof Error ? err.message : String(err)}; ${outcome}`;
  return { code: -1, message, lines: [message] };
}

/**
 * {@link finish} with `sendmail`'s rule: the call fails only when nobody got the message.
 * LMTP: a recipient whose reply never came (the connection went, code -1) may have it, so
 * refusals of the others alone do not fail the call: it resolves, that recipient reported
 * unknown (SMTPRecipientsRefused would tell a caller that nobody got it, and invite a
 * retry that may deliver to it twice).
 * @throws SMTPDataError, SMTPRecipientsRefused (LMTP: every recipient refused after the
 * data), SMTPServerDisconnected.
 */
export function complete(conv: Conversation, pending: Pending, rsetOnFailure: boolean, report = true): Promise<Delivery> {
  if (pending.whole) return readWhole(conv, pending).then((read) => complete(conv, read, rsetOnFailure, report));
  // SMTP with a recipient: finish resolves only when the data went to every accepted one.
  if (conv.dialect === "smtp" && pending.accepted.length > 0) return finish(conv, pending, rsetOnFailure, report);
  return finish(conv, pending, rsetOnFailure, report).then((delivery) => {
    // LMTP: each recipient has its own reply; SMTP without one: DATA was never sent.
    if (pending.accepted.length === 0 || (delivery.delivered.size === 0 && !hasUnknown(delivery.refused))) {
      throw refusedAfterData(pending.refused, delivery.refused);
    }
    return delivery;
  });
}

/**
 * Reads the envelope replies of a transaction written whole. When its sender or every
 * recipient was refused, the server's transaction state is reset with RSET, unless other
 * commands were written after it: the next transaction began with RSET already (see
 * `openGroup`), and an RSET now would cancel it instead; or, when what was written
 * since began no transaction, the next one will begin with RSET (`Conversation.resetDue`).
 * @throws SMTPSenderRefused, SMTPRecipientsRefused, SMTPServerDisconnected.
 */
async function readWhole(conv: Conversation, pending: Pending): Promise<Pending> {
  const { slots, env, seq } = pending.whole!;
  try {
    const envelope = await readEnvelope(conv, env, slots, pending.final, false);
    if (envelope.accepted.length === 0) await refuseAll(conv, envelope.refused, pending.final, false);
    return { ...envelope, final: pending.final };
  } catch (err) {
    // Checked and written in one step: nothing can be written in between. When other
    // commands were written since, and none of them was a group led by RSET (a NOOP, say),
    // the next transaction must start with one.
    // Pipelined (a whole transaction always is): RSET's reply is not awaited (see quietRset).
    if (conv.writes === seq && !conv.channel.closed) await quietRset(conv, true).catch(() => undefined);
    else if (conv.resetAt <= seq) conv.resetDue = true;
    // Its end of data was written with it: a connection gone before the replies may have
    // delivered it, unless it closed on a 421 to an earlier command (never processed).
    throw lostAfterEnd(slots, pending.final, err);
  } finally {
    conv.unreadWhole--;
  }
}
