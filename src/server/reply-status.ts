/**
 * The RFC 3463 enhanced status codes of the debugging server's replies where smtp-server's
 * own choice is missing or wrong. smtp-server derives the code from the reply code (and a
 * context naming the command), so: it sends none in reply to LHLO on an SMTP server, as to a
 * hello (RFC 2034 §3 exempts the replies to HELO and EHLO, and smtp-server counts LHLO among
 * them everywhere), nor to HELO/EHLO on an LMTP server; and a 452 refusing one recipient too many goes out as 4.2.2 (mailbox
 * full) rather than 4.5.3 (too many recipients). No I/O of its own.
 * @module
 */
import type { ReplyRewrite } from "./reply-rewrite.js";

/** The start of the text of every refusal of one recipient too many (count or parameters). */
export const TOO_MANY_RECIPIENTS = "Too many recipients";

/** smtp-server's reply to an unknown command. */
const NOT_RECOGNIZED = "Error: command not recognized";
/** smtp-server's reply to HELO or EHLO on an LMTP server (sent with no status at all). */
const NOT_IN_LMTP = /^Error: (HELO|EHLO) not allowed in LMTP server$/;
/** smtp-server's reply to the tenth unknown command of a session, which it then closes. */
const TOO_MANY_UNRECOGNIZED = "Error: too many unrecognized commands";

/**
 * The enhanced status code to send with a reply instead of smtp-server's, or undefined to
 * leave it to smtp-server. `code`, `text` and `context` are as smtp-server's `send` has them
 * (`context` names the command, or holds a key of smtp-server's own table; `false`: none).
 * - 500 to LHLO on an SMTP server: 5.5.1 (RFC 3463: a command "unsupported"; LHLO is one,
 *   RFC 2033's, not a verb the server cannot parse, which gets 5.5.2); so do HELO and EHLO
 *   on an LMTP server (smtp-server sends that 500 with none);
 * - 421 closing a session after too many unknown commands: 4.7.0 (a policy of this server,
 *   as Postfix answers "421 4.7.0 ... too many errors"; smtp-server's 4.4.2 says the
 *   connection is bad), whichever command was the last one;
 * - 452 to one recipient too many (`maxRecipients`, the RCPT-parameter budget): 4.5.3
 *   (RFC 3463: too many recipients; RFC 5321 §4.5.3.1.10 gives 452 for it);
 * - any other reply to LHLO on an SMTP server (smtp-server's 421s): the one its code
 *   gets after any other command (421: 4.4.2).
 */
export function enhancedStatusFor(code: number, text: unknown, context: unknown, lmtp: boolean): string | undefined {
  if (typeof text !== "string") return undefined;
  if (context === false) return code === 500 && lmtp && NOT_IN_LMTP.test(text) ? "5.5.1" : undefined;
  const lhloOnSmtp = context === "LHLO" && !lmtp;
  if (code === 500 && lhloOnSmtp && text === NOT_RECOGNIZED) return "5.5.1";
  if (code === 421 && text === TOO_MANY_UNRECOGNIZED) return "4.7.0";
  if (code === 452 && context === undefined && text.startsWith(TOO_MANY_RECIPIENTS)) return "4.5.3";
  if (lhloOnSmtp && code >= 400 && code < 600) return code === 421 ? "4.4.2" : `${Math.floor(code / 100)}.0.0`;
  return undefined;
}

/**
 * Sends the enhanced status codes of {@link enhancedStatusFor} (the caller leaves it out when
 * the server hides ENHANCEDSTATUSCODES, as smtp-server then sends none either).
 */
export function sendEnhancedStatus(lmtp: boolean): ReplyRewrite {
  return (_connection, reply) => {
    const status = enhancedStatusFor(reply.code, reply.data, reply.context, lmtp);
    if (status === undefined) return;
    reply.data = `${status} ${String(reply.data)}`;
    reply.context = false;
  };
}
