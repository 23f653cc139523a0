/**
 * The replies to commands given with the caller's own verb (`docmd`, `putcmd`): what they
 * change in the conversation's transaction state, and the order in which a raw sequence reads them.
 * @module
 */

import type { SMTPReply } from "../protocol/reply.js";
import type { Slot } from "../transport/command-queue.js";
import type { Conversation } from "./conversation.js";
import type { RawSlot } from "./smtp-base.js";
import { isAccepted } from "./transaction.js";

/**
 * Notes a reply that `getreply()` read for bytes written raw (`send()`): when it answers a
 * RCPT among them (see `RawTransactionScan.replied`) that the server accepted, that
 * recipient is counted, as for a RCPT given to `putcmd` (LMTP's `data()` reads a reply for
 * each, RFC 2033 §4.2); a 354 (to a raw DATA) makes what is written raw next message data.
 */
export function rawSendReplied(conv: Conversation, reply: SMTPReply): void {
  const accepted = isAccepted(reply.code, conv.dialect);
  const recipient = conv.rawScan.replied(accepted);
  if (reply.code === 354) conv.rawScan.dataAccepted();
  if (recipient !== undefined && accepted) conv.accepted.push(recipient);
}

/**
 * Notes the reply to a command given with the caller's own verb (`docmd`, or `putcmd` then
 * `getreply`; `slot` its slot): a recipient that a raw RCPT got accepted is counted, as
 * `rcpt()` does (LMTP's `data()` reads a reply for each, RFC 2033 §4.2), and a raw MAIL's
 * refusal ends its declaration (`Conversation.rawReplied`).
 */
export function rawReplied(conv: Conversation, recipient: string | undefined, reply: SMTPReply, slot: Slot): void {
  conv.rawReplied(slot, reply);
  // A raw DATA's 354: the message may now be written raw (see `RawTransactionScan`).
  if (reply.code === 354) conv.rawScan.dataAccepted();
  if (recipient !== undefined && isAccepted(reply.code, conv.dialect)) conv.accepted.push(recipient);
}

/**
 * Opens a slot with `open` and goes on holding the replies that no slot takes, if a raw
 * `send()` had them held: opening a slot ends that (see `Channel.holdUnsolicited`), and a
 * raw sequence (`send()`, `putcmd()`, `getreply()`) still wants them in arrival order.
 */
export function keepingHeld(conv: Conversation, open: () => Slot): Slot {
  const holding = conv.channel.holdingUnsolicited;
  const slot = open();
  if (holding) conv.channel.holdUnsolicited();
  return slot;
}

/**
 * Moves the replies held for `getreply()` after a raw `send()` (see `Conversation.takeHeld`)
 * to the end of `pending` (its list), in the order they came: done before opening a slot,
 * which would drop them.
 */
export function moveHeld(conv: Conversation, pending: RawSlot[]): void {
  for (let held = conv.takeHeld(); held !== undefined; held = conv.takeHeld()) pending.push({ reply: held });
}
