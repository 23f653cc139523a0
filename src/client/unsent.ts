/**
 * The errors of a transaction that ends before its message was sent: the connection closed
 * (or failed) while replies to its envelope (MAIL, RCPT, DATA) were due. Each says that the
 * message was not sent, so that a caller can tell it from a close after the end of data
 * (`final-reply.ts`: "the message may have been delivered").
 * @module
 */

import { hungUp, isClosing421, SMTPException, SMTPRecipientsRefused, SMTPServerDisconnected, SMTPTimeoutError, tellDelivery } from "../errors.js";
import type { SMTPReply } from "../protocol/reply.js";
import type { Slot } from "../transport/command-queue.js";

/**
 * Errors of calls that sent nothing of their transaction and found the connection gone:
 * it was closed when their turn came, or the server closed it with a 421 to what had to
 * come first (EHLO, STARTTLS, the EHLO after it). A pool may run such a call again on
 * another connection without sending anything twice. Internal (not exported from the
 * package).
 */
export const unstartedCalls = new WeakSet<Error>();

/**
 * The error of a `sendmail`, `sendMessage` or `deliver` whose greeting or STARTTLS (for
 * `requireTLS`), due before its transaction, failed: nothing of the transaction was written.
 * A 421 there (which closes the connection: see `Conversation`) is added to
 * {@link unstartedCalls} and stays as it is (`SMTPHeloError`, ...). A connection that went
 * (`close()`, or the server hung up) says that the message was not sent (`delivery`
 * `"not-delivered"`, the close as `cause`), as when it goes before the replies to the
 * envelope, and so does a timeout (see {@link unsentTimeout}): they were a bare "Connection
 * closed" (or "... unexpectedly closed"), which a caller could not tell from a close after the
 * end of data. Any other error (a refusal of STARTTLS, a TLS failure) as it is.
 */
export function unstartedBefore(err: unknown): unknown {
  if (isClosing421(err)) unstartedCalls.add(err);
  if (!hungUp(err)) return unsentTimeout(err);
  if (err.delivery !== undefined) return err;
  return notSent(`${err.message} before MAIL was sent`, err.command, err);
}

/**
 * The error for a connection that closed (`err`, a slot's error) before a RCPT's reply,
 * nothing of the message sent, `refused` and `accepted` read before it. A server that hung
 * up (not a timeout: see `hungUp`) after refusing every recipient it answered: that refusal,
 * `SMTPRecipientsRefused` with the close as `cause` (as login() reports a refusal then a
 * hang-up); any other such close says that the message was not sent.
 */
export function closedInEnvelope(refused: Map<string, SMTPReply>, accepted: readonly string[], err: unknown): unknown {
  if (!hungUp(err)) return unsentTimeout(err);
  if (accepted.length === 0 && refused.size > 0) return new SMTPRecipientsRefused(refused, { command: "RCPT", cause: err });
  return notSent(`${err.message} before the replies to RCPT came`, "RCPT", err);
}

/**
 * `err`, when it is a timeout before the end of data was written (the message was not
 * sent), as an `SMTPTimeoutError` that says so (`delivery` `"not-delivered"`), with its
 * phase, limit and `command`, and `err` as `cause`: the connection's error is shared by
 * every call on it (and is what a body stream is cancelled with). Any other error (or one
 * that says already) as it is.
 */
export function unsentTimeout(err: unknown): unknown {
  if (!(err instanceof SMTPTimeoutError) || err.delivery !== undefined) return err;
  const options = { cause: err, ...(err.command !== undefined ? { command: err.command } : {}), delivery: "not-delivered" as const };
  return new SMTPTimeoutError(tellDelivery(err.message, "not-delivered"), err.phase, err.timeout, options);
}

/**
 * `SMTPServerDisconnected` for `command` (none: `undefined`): `why`, then that the message
 * was not sent (its `delivery` `"not-delivered"`); `cause` the connection's error.
 */
export function notSent(why: string, command: string | undefined, cause: unknown): SMTPServerDisconnected {
  return new SMTPServerDisconnected(tellDelivery(why, "not-delivered"), { command, cause, delivery: "not-delivered" });
}

/**
 * The error for a pipelined transaction whose reply to `command` (MAIL; DATA, after the RCPT
 * replies) will not come, nothing of its message sent; `err` is `slot`'s error. When the
 * server hung up, or when the connection failed on an earlier command's reply (`slot.behind`:
 * another call's end of data, pipelined ahead of this transaction, timed out or was not valid
 * SMTP), an `SMTPServerDisconnected` that says the message was not sent, with `err` as
 * `cause`: that error is shared by every call on the connection, and its `phase` and
 * `command` are not this call's (a timeout's `dataTermination` would read as "the message
 * may have been delivered"). This command's own timeout as one that says the message was
 * not sent (see {@link unsentTimeout}); any other error as it is.
 */
export function unanswered(slot: Slot, err: unknown, command: string): unknown {
  let unsent: SMTPServerDisconnected;
  if (hungUp(err)) unsent = notSent(`${err.message} before the reply to ${command} came`, command, err);
  else if (slot.behind && err instanceof SMTPException) {
    unsent = notSent(`The connection failed on an earlier command's reply (${err.message}) before the reply to ${command} came`, command, err);
  } else return unsentTimeout(err);
  if (slot.behind) failedBehind.add(unsent);
  return unsent;
}

/**
 * Errors of calls whose envelope went but no byte of their message, failed by the
 * connection's failure on another call's command ahead of theirs (see {@link unanswered}):
 * a pool may run such a call again on another connection without delivering anything twice.
 * (`unstartedCalls` holds those that sent nothing at all.) Internal.
 */
export const failedBehind = new WeakSet<Error>();

/**
 * The error for a transaction whose end of data was written without waiting for its
 * envelope replies (BDAT LAST with pipelining) and whose connection closed on a 421 to an
 * earlier command (`Slot.unprocessed`): the server read nothing after that command, so the
 * message was not delivered, though all of it was written. As {@link unanswered} for the
 * first of its commands without a reply: its MAIL (`envelope[0]`), else of `rest` (its
 * chunks and end of data). No RCPT can be that command when `err` is the server's close:
 * with MAIL answered 250, the first RCPT without a reply follows one that took the 421
 * itself, and that reply, read first, refuses it (`SMTPRecipientsRefused`; a MAIL answered
 * otherwise is `SMTPSenderRefused`). `err` when it is not the server's close. `rerun` false
 * (a stream body, read already): not one a pool may run again (see {@link failedBehind}).
 * Safe with an empty `envelope` (no MAIL slot: the first of `rest` without a reply is
 * named) and with no slot at all (`err` as it is).
 */
export function unprocessedWhole(envelope: readonly Slot[], rest: readonly Slot[], err: unknown, rerun = true): unknown {
  if (!hungUp(err)) return err;
  const mail = envelope[0];
  const mailUnread = mail !== undefined && mail.reply === undefined;
  const first = mailUnread ? mail : rest.find((s) => s.reply === undefined) ?? rest[rest.length - 1];
  if (first === undefined) return err;
  const unsent = unanswered(first, err, mailUnread ? "MAIL" : "BDAT");
  if (!rerun) failedBehind.delete(unsent as Error);
  return unsent;
}
