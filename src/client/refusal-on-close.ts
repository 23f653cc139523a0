/**
 * What a transaction reports when the connection closed on a reply that had already
 * arrived: the error made from that reply, with why the connection closed as its `cause`.
 * @module
 */

import { SMTPResponseException, SMTPSenderRefused } from "../errors.js";
import { isIncomplete } from "../protocol/reply.js";
import type { Slot } from "../transport/command-queue.js";
import type { Conversation } from "./conversation.js";
import type { Envelope } from "./transaction.js";

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

/**
 * Why the connection closed, when it closed on the 1yz/3yz reply that `slot` holds (see
 * `SlotKind.completionOnly`): the `cause` of the error made from that reply. `undefined`
 * for any other reply.
 */
export function closedOnReply(conv: Conversation, slot: Slot): unknown {
  const code = slot.reply?.code ?? 0;
  if (!isIncomplete(code) || slot.kind.completionOnly !== true || !conv.channel.closed) return undefined;
  return conv.channel.closedSignal.reason;
}
