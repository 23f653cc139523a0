/**
 * A pipelined call waits behind another's end of data: its MAIL, RCPT and DATA go with the
 * other's final ".". When the connection then goes before its replies (the server hangs
 * up, or the other call's end of data times out), its message was never sent: the error
 * says so, and does not carry the other call's timeout as its own (that one's
 * `phase: "dataTermination"` and `command` read as "this message may have been delivered",
 * and a program that does not retry those would drop it). Found by the dogfooding review
 * (a pool with PIPELINING against a server slow to answer some ends of data).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPResponseException, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { EHLO_PIPELINING, withScript } from "../helpers/client.js";
import { assertDelivery } from "../helpers/delivery.js";

/** The first call's transaction up to its final ".", then the second call's envelope group. */
const TWO_CALLS = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\nS: 250 ok\nS: 250 ok\nS: 354 go\nC: one\nC: .\nC: MAIL FROM:<c@x.test>\nC: RCPT TO:<d@y.test>\nC: DATA\n`;

/** An SMTPServerDisconnected, not a timeout, for MAIL, saying the message was not sent, with `cause` checked by `cause`. */
function notSent(cause: (err: unknown) => boolean) {
  return (err: unknown): boolean => {
    assert.ok(err instanceof SMTPServerDisconnected, String(err));
    assert.ok(!(err instanceof SMTPTimeoutError), "not another call's timeout");
    assert.match(err.message, /before the reply to MAIL came: the message was not sent/);
    assert.doesNotMatch(err.message, /may have been delivered/);
    assertDelivery(err, "not-delivered");
    assert.equal(err.command, "MAIL");
    assert.ok(cause(err.cause), `cause: ${String(err.cause)}`);
    return true;
  };
}

test("the call ahead's end of data times out: the call behind it fails saying its message was not sent, with that timeout as cause", async () => {
  await withScript(TWO_CALLS, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", "one\r\n");
    const second = client.sendmail("c@x.test", "d@y.test", "two\r\n");
    await assert.rejects(first, (err: unknown) => err instanceof SMTPTimeoutError && err.phase === "dataTermination" && err.delivery === "unknown" && /may have been delivered/.test(err.message));
    await assert.rejects(second, notSent((cause) => cause instanceof SMTPTimeoutError && cause.phase === "dataTermination"));
  }, { timeouts: { dataTermination: 100 } });
});

test("the reply to the call ahead's final '.' is not valid SMTP: the call behind it fails saying its message was not sent, that error as cause", async () => {
  await withScript(`${TWO_CALLS}S: 250ok queued\n`, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", "one\r\n");
    const second = client.sendmail("c@x.test", "d@y.test", "two\r\n");
    await assert.rejects(first, (err: unknown) => err instanceof SMTPResponseException && err.smtpCode === -1 && /may have been delivered/.test(err.message));
    await assert.rejects(second, (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected && !(err instanceof SMTPTimeoutError), String(err));
      assert.match(err.message, /earlier command's reply .* before the reply to MAIL came: the message was not sent/);
      assert.ok(err.cause instanceof SMTPResponseException && err.cause.smtpCode === -1, String(err.cause));
      return true;
    });
  });
});

test("the server hangs up after the call ahead's final '.': the call behind it fails saying its message was not sent", async () => {
  await withScript(`${TWO_CALLS}-- close\n`, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", "one\r\n");
    const second = client.sendmail("c@x.test", "d@y.test", "two\r\n");
    await assert.rejects(first, (err: unknown) => err instanceof SMTPServerDisconnected && /may have been delivered/.test(err.message));
    await assert.rejects(second, notSent((cause) => cause instanceof SMTPServerDisconnected));
  });
});

test("the server hangs up after the RCPT replies, before DATA's: the message was not sent, said for DATA", async () => {
  const script = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\nS: 250 ok\nS: 250 ok\n-- close\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) =>
      err instanceof SMTPServerDisconnected && /before the reply to DATA came: the message was not sent/.test(err.message) && err.command === "DATA");
  });
});

test("a call's own MAIL timing out stays its SMTPTimeoutError (phase command)", async () => {
  const script = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => err instanceof SMTPTimeoutError && err.phase === "command");
  }, { timeouts: { command: 100 } });
});
