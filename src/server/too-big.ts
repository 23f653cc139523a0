/**
 * The refusal of a message over the debugging server's size limit when smtp-server does not
 * enforce it (SIZE hidden: `extensions: { size: false }`), with the enhanced status of the one
 * smtp-server sends itself.
 * @module
 */
import type { ReplyRewrite } from "./reply-rewrite.js";

/** The text of {@link tooBigError}'s message, before the limit. */
const TOO_BIG = "Message exceeds fixed maximum message size ";

/** The 552 for a message past `limit` bytes, for onData's callback. */
export function tooBigError(limit: number): Error {
  return Object.assign(new Error(`${TOO_BIG}${limit}`), { responseCode: 552 });
}

/**
 * Sends {@link tooBigError}'s 552 with 5.3.4 (RFC 3463: message too big for system), as
 * smtp-server sends its own: onData's refusals go out with the status of a bare 552, 5.2.2
 * (mailbox full), which a client (the CLI's size hint among them) reads as a full mailbox,
 * not as the message's size.
 */
export const sendTooBigAs534: ReplyRewrite = (_connection, reply) => {
  const { code, data, context } = reply;
  if (context === undefined && code === 552 && typeof data === "string" && data.startsWith(TOO_BIG)) reply.context = "MESSAGE_TOO_BIG";
};
