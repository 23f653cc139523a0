/**
 * Assertions for a connection the client closed on a reply that completes nothing (a 1yz
 * or 3yz reply to a command that takes none): shared by the tests of that behaviour.
 */

import assert from "node:assert/strict";
import { SMTPRecipientsRefused, SMTPResponseException, SMTPSenderRefused, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";

/**
 * `err` is the close itself: an SMTPServerDisconnected (not a timeout) whose message names
 * the reply's `code` and matches `answered` (the command that got it). Returns true, for
 * `assert.rejects`.
 */
export function closedOn(err: unknown, code: number, answered: RegExp): true {
  assert.ok(err instanceof SMTPServerDisconnected, `expected SMTPServerDisconnected, got ${String(err)}`);
  assert.ok(!(err instanceof SMTPTimeoutError), `ended by a timeout: ${err.message}`);
  assert.match(err.message, new RegExp(`\\b${code}\\b`));
  assert.match(err.message, answered);
  return true;
}

/**
 * The protocol error made from a "354 go ahead" to RCPT, with the close as its cause:
 * neither a refused sender nor "all recipients refused". Returns true, for `assert.rejects`.
 */
export function rcpt354(err: unknown, rcpt: string): true {
  assert.ok(err instanceof SMTPResponseException, `expected SMTPResponseException, got ${String(err)}`);
  assert.ok(!(err instanceof SMTPSenderRefused));
  assert.ok(!((err as unknown) instanceof SMTPRecipientsRefused));
  assert.equal(err.smtpCode, 354);
  assert.equal(err.smtpError, "go ahead");
  assert.equal(err.command, `RCPT TO:<${rcpt}>`);
  closedOn(err.cause, 354, new RegExp(`RCPT TO:<${rcpt.replace(/\./g, "\\.")}>`));
  return true;
}

/**
 * A call that waited for its turn behind the close: an SMTPServerDisconnected saying that
 * nothing of it was sent. Returns true, for `assert.rejects`.
 */
export function notSent(err: unknown): true {
  assert.ok(err instanceof SMTPServerDisconnected, `expected SMTPServerDisconnected, got ${String(err)}`);
  assert.match(err.message, /nothing of this call was sent/);
  return true;
}

/**
 * The `cause` of a refusal that came while the message was still being written, after
 * which the server closed the connection: the write (or the wait for the body stream) that
 * failed then, an SMTPServerDisconnected, and not a timeout. Returns true.
 */
export function lostWhileWriting(cause: unknown): true {
  assert.ok(cause instanceof SMTPServerDisconnected, `expected the lost connection as cause, got ${String(cause)}`);
  assert.ok(!(cause instanceof SMTPTimeoutError), `ended by a timeout: ${cause.message}`);
  return true;
}

/** A refused-sender error made from the 354 to MAIL, with the close as its cause. */
export function senderRefused354(err: unknown, sender: string): true {
  assert.ok(err instanceof SMTPSenderRefused, `expected SMTPSenderRefused, got ${String(err)}`);
  assert.equal(err.smtpCode, 354);
  assert.equal(err.smtpError, "go ahead");
  assert.equal(err.sender, sender);
  assert.equal(err.command, "MAIL");
  assert.equal(err.isTransient || err.isPermanent, false);
  closedOn(err.cause, 354, /MAIL FROM:<a@x\.test>/);
  return true;
}
