/**
 * A reply to the end of data with a line over the line cap (8192 bytes: SMTPResponseException
 * 500 "Line too long.", Python's code and text; the connection is closed on it) is no
 * refusal: the server may have taken the message, and a 5yz code alone would tell the
 * caller it was refused. Its error says the message may have been delivered, as a malformed
 * reply's (code -1) and a lost connection's do; for LMTP, as the first recipient's reply, it is
 * a lost connection's (`SMTPServerDisconnected` with each recipient's outcome).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPResponseException, SMTPServerDisconnected } from "../../src/index.js";
import { EHLO_PIPELINING, greeting, LMTP_TWO_TO_DATA, PIPELINED_GROUP, withScript } from "../helpers/client.js";

/** A reply line of 9000 bytes: past the 8192-byte cap. */
const OVERLONG = `S: 250 2.0.0 queued ${"x".repeat(9000)}`;

/** The 500 "Line too long." that says the message may have been delivered. */
function mayHaveBeenDelivered(err: unknown): boolean {
  return err instanceof SMTPResponseException && err.smtpCode === 500 && err.message.startsWith("500 Line too long.")
    && /after the end of data was sent: the message may have been delivered/.test(err.message);
}

test("SMTP, lock-step: an over-long reply line to the final '.' -> 500 'Line too long.' that says the message may have been delivered; the connection is closed", async () => {
  const script = `${greeting(["HELP"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\nC: hi\nC: .\n${OVERLONG}\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi"), mayHaveBeenDelivered);
    assert.equal(client.connected, false);
  });
});

test("SMTP, pipelined: an over-long reply line to the final '.' -> the same", async () => {
  const script = `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 354 go\nC: hi\nC: .\n${OVERLONG}\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi"), mayHaveBeenDelivered);
    assert.equal(client.connected, false);
  });
});

test("LMTP: an over-long line as the first recipient's reply after the data -> SMTPServerDisconnected (the 500 its cause) that says the message may have been delivered, each recipient unknown", async () => {
  const script = `${LMTP_TWO_TO_DATA}C: hi\nC: .\n${OVERLONG}\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi"), (err: unknown) =>
      err instanceof SMTPServerDisconnected && err.cause instanceof SMTPResponseException && err.cause.smtpCode === 500 && err.delivery === "unknown"
      && /^Connection closed on a reply that is not valid SMTP \(500 Line too long\.\), after the end of data was sent: the message may have been delivered$/.test(err.message)
      && [...err.recipients!].every(([, r]) => r.code === -1) && err.recipients!.size === 2);
    assert.equal(client.connected, false);
  }, {}, LMTP);
});
