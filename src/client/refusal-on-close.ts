/**
 * What a transaction reports when the connection closes while it is being sent: the reply
 * that had already arrived and answers it (a refusal, or a reply on which the client itself
 * closed the connection) rather than the write that then failed. A server that refuses a
 * message (over its size limit, say) may reply before it has read it all and hang up, as
 * may one that shuts down (421, RFC 5321 §3.8), while a large message is still being
 * written; with pipelined BDAT the envelope's replies, too, come while it is.
 * @module
 */

import { hungUp, SMTPDataError, SMTPRecipientsRefused, SMTPResponseException, SMTPSenderRefused } from "../errors.js";
import { isIncomplete } from "../protocol/reply.js";
import type { Slot } from "../transport/command-queue.js";
import type { Conversation } from "./conversation.js";
import { lostAfterEnd, mayHaveBeenDelivered, RecipientOutcomes, refusedAfterData } from "./final-reply.js";
import { answeredUnread, chunkRefusalDelivery, closedOnReply, dataRefusal } from "./slot-refusal.js";
import { takeEnvelope, type Envelope, type EnvelopeReplies, type Pending } from "./transaction.js";
import { notSent, unprocessedWhole, unsentTimeout } from "./unsent.js";

/** What a transaction has sent so far: the slots of the replies that may have come, or what they said. */
export interface Sent {
  env: Envelope;
  /**
   * The envelope's slots (MAIL's, then one per recipient of `env.to`) while its replies are
   * unread (pipelined BDAT over SMTP reads them after the message).
   */
  envelope?: readonly Slot[];
  /** What the envelope replies said, once read (before the message). */
  read?: Pick<Pending, "refused" | "accepted"> | undefined;
  /** The slots of the BDAT chunks sent so far. */
  chunks?: readonly Slot[];
  /** The slots of the end of data (BDAT LAST) once its command is written: one, or for LMTP one per accepted recipient. */
  final?: readonly Slot[];
  /**
   * True once BDAT LAST's bytes have all been handed to the socket (with its command in one
   * write, or its last piece: see `CountedBytes.handed`): the server may have the whole
   * message. False while some are still to be written: it cannot (RFC 3030 §2: the message
   * ends with the last octet of LAST's chunk), as DATA's message before its ".".
   */
  ended?: boolean;
  /** True for a body stream, read already: not a call a pool may run again (see `lostAfterEnd`). */
  stream?: boolean;
  /**
   * True while DATA's message is being written: no slot waits for the reply to its end until
   * the end is written, so a reply that came meanwhile (see `Channel.strayReply`) answers it.
   */
  inData?: boolean;
}

/**
 * The error to report when sending a transaction failed with `err` (a write, or the wait
 * for the caller's body stream) because the connection closed: the error that the replies
 * which had arrived make (see {@link Sent}), the same as once the message is all written
 * (a refusal; a reply on which the client closed the connection, with that close as its
 * cause), with `err` as its cause; else, when no such reply came, see {@link unsentOnClose}.
 * So `err` stays while the connection is open (the caller's own stream failed), and when
 * `signal`, the flow's, has aborted: an abort the caller asked for is reported as such,
 * whatever the server had said. Called only on the failure path: nothing is looked up
 * while writes succeed.
 */
export function refusalOnClose(conv: Conversation, sent: Sent, err: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted || !conv.channel.closed) return err;
  return arrivedRefusal(conv, sent, err) ?? unsentOnClose(sent, err);
}

/**
 * What a connection that went (closed by the server or by `close()`, or timed out) while
 * the message was being written says of it, one rule for DATA and BDAT: the end of data
 * counts as sent once its last byte has been handed to the socket, after which the client
 * cannot tell how much of it reached the server. Before that (DATA's message still being
 * written; over BDAT, no LAST yet, or LAST's bytes not all handed over, see
 * {@link Sent.ended}), an `SMTPServerDisconnected` for DATA or BDAT that says the message
 * was not sent, with `err` as cause (a timeout: see `unsentTimeout`): the server cannot
 * have taken a message whose end it never got (RFC 5321 §4.1.1.4, RFC 3030 §2), and a bare
 * "Connection unexpectedly closed" would not tell a caller that sending it again delivers
 * it once. After it, `err` as one that says the message may have been delivered, as when
 * the reply to a "." written whole never comes (see `lostAfterEnd`). A cut inside BDAT LAST
 * used to say neither. Written behind a command the server answered 421 (its MAIL
 * `Slot.unprocessed`: the server read none of it), as a transaction written whole whose
 * bytes all went: not sent, and a call a pool may run again (see `unprocessedWhole`; not a
 * stream, read already), where it used to be reported as not sent and never run again.
 */
function unsentOnClose(sent: Sent, err: unknown): unknown {
  const envelope = sent.envelope;
  if (sent.inData !== true && sent.ended === true) {
    // A transaction written whole keeps its envelope's slots: a close on a 421 to an earlier command left it unread.
    return envelope !== undefined && envelope.length > 0 ? lostAfterEnd(envelope, sent.final ?? [], err, sent.chunks, sent.stream !== true) : mayHaveBeenDelivered(err);
  }
  if (!hungUp(err)) return unsentTimeout(err);
  if (envelope?.[0]?.unprocessed === true) return unprocessedWhole(envelope, [...sent.chunks ?? [], ...sent.final ?? []], err, sent.stream !== true);
  return notSent(`${err.message}, before the end of data was sent`, sent.inData === true ? "DATA" : "BDAT", err);
}

/**
 * The refusal that the replies in `sent` make, read in order as after the message:
 * envelope, chunks, end of data; `undefined` while none is known.
 */
function arrivedRefusal(conv: Conversation, sent: Sent, cause: unknown): Error | undefined {
  const envelope = sent.read ?? (sent.envelope ? envelopeRefusal(conv, sent.env, sent.envelope, cause) : undefined);
  if (envelope === undefined || envelope instanceof Error) return envelope;
  for (const slot of sent.chunks ?? []) {
    // Replies come in order: after a slot without one, none has one.
    if (slot.reply === undefined) return undefined;
    if (slot.reply.code !== 250) return dataRefusal(conv, slot, "BDAT", cause, chunkRefusalDelivery(sent.final ?? []));
  }
  return endRefusal(conv, envelope, sent, cause);
}

/**
 * The envelope replies that have arrived, as `readEnvelope` reads them: a reply on which
 * the connection closed (see {@link intermediateRefusal}), a refused sender, a 421 to a
 * RCPT, or every recipient refused, as its error; else what they accepted; `undefined`
 * while one is missing.
 */
function envelopeRefusal(conv: Conversation, env: Envelope, slots: readonly Slot[], cause: unknown): Error | Pick<Pending, "refused" | "accepted"> | undefined {
  const broken = intermediateRefusal(env, slots, conv.channel.closedSignal.reason);
  if (broken) return broken;
  let replies: EnvelopeReplies;
  try {
    // The message was not all written (its write failed): a refusal then a hang-up is that
    // refusal (see closedInEnvelope).
    replies = takeEnvelope(conv, env, slots, cause, true);
  } catch (err) {
    // A 421 to a RCPT, a refusal then a hang-up, or a reply that never came (its slot's
    // error: nothing is known).
    return err instanceof SMTPRecipientsRefused ? err : undefined;
  }
  const { mail, refused, accepted } = replies;
  if (mail.code !== 250) return new SMTPSenderRefused(mail.code, mail.message, env.from, { command: "MAIL", cause });
  return accepted.length === 0 ? new SMTPRecipientsRefused(refused, { command: "RCPT", cause }) : replies;
}

/**
 * The refusal of the end of data that has arrived, as `finish` and `complete` make it: for
 * SMTP an SMTPDataError, for LMTP (a reply per accepted recipient) SMTPRecipientsRefused
 * when nobody got the message. `undefined` when no reply has come, or it accepts: a
 * failed write never becomes a success. A reply that came while DATA's message was being
 * written (`sent.inData`) is always an SMTPDataError when it does not refuse: a 2xx there
 * accepts a message that was not all sent.
 */
function endRefusal(conv: Conversation, envelope: Pick<Pending, "refused" | "accepted">, sent: Sent, cause: unknown): Error | undefined {
  const final = sent.final ?? [];
  // A reply on which the connection closed (a 3yz to BDAT LAST) is that error for LMTP too.
  const broken = final.find((s) => closedOnReply(conv, s) !== undefined);
  // A 1yz/3yz after LAST's bytes all went may leave the message delivered; before, it cannot.
  if (broken) return dataRefusal(conv, broken, "end of data", undefined, sent.ended === true ? "unknown" : "not-delivered");
  const replies = sent.inData ? [conv.channel.strayReply] : final.map((s) => s.reply);
  const first = replies[0];
  if (first === undefined || (first.code < 400 && sent.inData !== true)) return undefined;
  // A reply while DATA's message was still being written is no success (not all of it was
  // sent), whatever its code: for LMTP too, the SMTPDataError of that reply (a 2yz may have
  // kept a truncated copy: see answeredUnread).
  if (sent.inData === true && (conv.dialect === "smtp" || first.code < 400)) return answeredUnread(first, "end of data", cause);
  if (conv.dialect === "smtp") return new SMTPDataError(first.code, first.message, { command: "end of data", cause });
  // During DATA's message, or before the last byte of BDAT LAST's chunk was handed over
  // (`Sent.ended` false), its end was never written: the others cannot have it either.
  const outcomes = new RecipientOutcomes(envelope, sent.inData === true || sent.ended === false);
  for (const reply of replies) if (reply === undefined || !outcomes.add(reply)) break;
  outcomes.lost(cause);
  const delivery = outcomes.delivery();
  return delivery.delivered.size === 0 ? refusedAfterData(envelope.refused, delivery.refused, cause) : undefined;
}

/**
 * The error of an envelope that the server answered with a reply that completes nothing
 * (a 354, say; see `isIncomplete`), on which the connection was closed (see
 * `SlotKind.completionOnly`); `undefined` when none
 * of `slots` (MAIL's, then one per recipient of `env.to`) holds one. Such a reply refuses
 * nothing: the server broke the protocol, and nobody got the message. To MAIL it is
 * `SMTPSenderRefused`, as the same reply is lock-step (and in Python); to a RCPT it is
 * `SMTPResponseException` naming that RCPT: `SMTPRecipientsRefused` would claim that every
 * recipient was refused, and the others may have been accepted. A sender refused outright
 * before it stays the answer (as `takeEnvelope` reads it). `cause` is why the connection
 * closed.
 */
export function intermediateRefusal(env: Envelope, slots: readonly Slot[], cause: unknown): SMTPResponseException | undefined {
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    const reply = slot.reply;
    // Replies come in order: after a slot without one, none has one.
    if (reply === undefined) return undefined;
    if (!isIncomplete(reply.code) || slot.kind.completionOnly !== true) continue;
    const mail = slots[0]!.reply!;
    if (i === 0 || mail.code !== 250) return new SMTPSenderRefused(mail.code, mail.message, env.from, { command: "MAIL", cause });
    return new SMTPResponseException(reply.code, reply.message, { command: slot.command, cause });
  }
  return undefined;
}
