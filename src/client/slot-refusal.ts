/**
 * The errors a reply in a slot makes once the client has read it: whether the connection
 * was closed on it (a 1yz/3yz that the command never takes), and the SMTPDataError of a
 * data reply; whether a slot's error is the server's. A leaf that the end-of-data, BDAT
 * and write-failure paths share.
 * @module
 */

import { SMTPDataError, SMTPResponseException, SMTPServerDisconnected, type MessageDelivery } from "../errors.js";
import { isIncomplete } from "../protocol/reply.js";
import type { Slot } from "../transport/command-queue.js";
import type { Conversation } from "./conversation.js";

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

/**
 * The SMTPDataError for the refusal that `slot` holds: of a BDAT chunk (`command` "BDAT")
 * or of the end of data ("end of data": "." or BDAT LAST). Its cause is the close when the
 * connection was closed on that reply (see {@link closedOnReply}), else `cause`. Its
 * `delivery` is `"not-delivered"` unless `delivery` says otherwise, or the reply is a 1yz/3yz
 * to the end of data on which the connection closed: `"unknown"`. That reply refuses
 * nothing: the server broke the protocol after it had the whole message (RFC 5321 §4.3.2,
 * RFC 3030 §2: the end of data takes a 2yz, 4yz or 5yz), and whether it keeps and delivers
 * it cannot be known, as when no reply comes. A caller whose end of data was not all
 * written when it came (its bytes still going) says `"not-delivered"`. `recipient` (LMTP): whose
 * reply after the data it is, named in the message.
 */
export function dataRefusal(conv: Conversation, slot: Slot, command: string, cause?: unknown, delivery?: MessageDelivery, recipient?: string): SMTPDataError {
  const reply = slot.reply!;
  const closed = closedOnReply(conv, slot);
  const said = delivery ?? (closed !== undefined && command === "end of data" ? "unknown" : undefined);
  // An undefined cause is no cause (SMTPException leaves it out).
  return new SMTPDataError(reply.code, reply.message, { command, cause: closed ?? cause, ...(said ? { delivery: said } : {}), ...(recipient !== undefined ? { recipient } : {}) });
}

/**
 * The `delivery` of a BDAT chunk's refusal when BDAT LAST (`final`, its slots) was already
 * in the pipeline behind the chunk: `"unknown"` once a 2yz answered it (the server took the
 * message as ended and may deliver what it kept, though RFC 3030 §2 says it must discard
 * it, see {@link answeredUnread}), else `undefined` (`"not-delivered"`).
 */
export function chunkRefusalDelivery(final: readonly Slot[]): MessageDelivery | undefined {
  return final.some((s) => s.reply !== undefined && s.reply.code >= 200 && s.reply.code < 300) ? "unknown" : undefined;
}

/**
 * The SMTPDataError of `reply`, which came before the server had all of what it answers:
 * DATA's message, or a BDAT command's bytes (`command` "BDAT" for a chunk, "end of data"
 * for DATA's message or BDAT LAST); `cause` is the close. The one place that says whether
 * such a message may have been delivered: a 2yz there to the message (not a chunk, which
 * ends nothing without LAST) says the server took it as ended, and it may keep and deliver
 * what it had (a truncated copy), so `delivery` is `"unknown"`; any other reply refuses
 * it, or is no answer to it (1yz/3yz): `"not-delivered"`.
 */
export function answeredUnread(reply: { readonly code: number; readonly message: string }, command: string, cause: unknown): SMTPDataError {
  const accepted = command === "end of data" && reply.code >= 200 && reply.code < 300;
  return new SMTPDataError(reply.code, reply.message, { command, cause, ...(accepted ? { delivery: "unknown" as const } : {}) });
}

/**
 * True for a slot's error that says the server closed the connection, or that it closed
 * on a reply that is not SMTP (see `CommandQueue.feed`): not the caller's (a `signal`'s
 * reason), which a refusal already read must not hide.
 */
export function serverGone(err: unknown): boolean {
  return err instanceof SMTPServerDisconnected || err instanceof SMTPResponseException;
}
