/**
 * Checks an error's `delivery` (was the call's message surely not delivered, or may it have
 * been?) together with its wording, which must agree with it.
 * @module
 */

import assert from "node:assert/strict";
import { SMTPDataError, SMTPException, SMTPRecipientsRefused, SMTPSenderRefused, type MessageDelivery } from "../../src/index.js";

/**
 * Asserts that `err` is an smtplib error whose `delivery` is `expected`, and that its message
 * says the same: "may have been delivered" for `"unknown"`; for `"not-delivered"`, that the
 * message (or nothing of the call) was not sent, except for a server's refusal
 * (`SMTPSenderRefused`, `SMTPRecipientsRefused`, `SMTPDataError`), which says it by its class.
 */
export function assertDelivery(err: unknown, expected: MessageDelivery): void {
  assert.ok(err instanceof SMTPException, `an smtplib error: ${String(err)}`);
  assert.equal(err.delivery, expected, `delivery of ${err.name}: ${err.message}`);
  if (expected === "unknown") {
    assert.match(err.message, /: the message may have been delivered/);
    assert.doesNotMatch(err.message, /was not sent/);
    return;
  }
  assert.doesNotMatch(err.message, /may have been delivered/);
  const refusal = err instanceof SMTPSenderRefused || err instanceof SMTPRecipientsRefused || err instanceof SMTPDataError;
  if (!refusal) assert.match(err.message, /the message was not sent|nothing of this call was sent/);
}
