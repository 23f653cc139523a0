/**
 * A RCPT refused, then the server hangs up before the other recipients' replies: nothing
 * was sent, and the refusal is what the server said. As login() does for a refusal then a
 * hang-up (see `hungUp`), the error is the refusal's (SMTPRecipientsRefused with the
 * recipients whose replies were read), its `cause` the close, its message saying that
 * nobody got the message; lock-step and pipelined alike.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPRecipientsRefused, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";
import { assertDelivery } from "../helpers/delivery.js";

/** Checks the error of a RCPT r1 refused with 550, then a hang-up. */
function refusedThenClosed(err: unknown): true {
  assert.ok(err instanceof SMTPRecipientsRefused, String(err));
  assert.deepEqual([...err.recipients.keys()], ["Bob <r1@y.test>"]);
  assert.equal(err.recipients.get("Bob <r1@y.test>")?.code, 550);
  assert.equal(err.delivery, "not-delivered");
  assert.ok(err.cause instanceof SMTPServerDisconnected);
  assert.match(err.message, /Nobody got the message/);
  assert.match(err.message, /550 5\.1\.1 no such user/);
  assert.equal(err.command, "RCPT");
  return true;
}

test("lock-step: RCPT refused, then the server hangs up before the next RCPT's reply: SMTPRecipientsRefused, the close as cause", async () => {
  const script = `${greeting(["SIZE 1000"])}C: MAIL FROM:<a@x.test> SIZE=4\nS: 250 ok\nC: RCPT TO:<r1@y.test>\nS: 550 5.1.1 no such user\nC: RCPT TO:<r2@y.test>\n-- close\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["Bob <r1@y.test>", "r2@y.test", "r3@y.test"], "hi\r\n"), refusedThenClosed);
  });
});

test("pipelined: RCPT refused, then the server hangs up before the other replies: SMTPRecipientsRefused, the close as cause", async () => {
  const script = `${greeting(["PIPELINING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r1@y.test>\nC: RCPT TO:<r2@y.test>\nC: DATA\nS: 250 ok\nS: 550 5.1.1 no such user\n-- close\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["Bob <r1@y.test>", "r2@y.test"], "hi\r\n"), refusedThenClosed);
  });
});

test("a recipient accepted before the hang-up (pipelined and lock-step): still SMTPServerDisconnected, which says nothing was sent", async () => {
  const script = `${greeting(["PIPELINING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r1@y.test>\nC: RCPT TO:<r2@y.test>\nC: DATA\nS: 250 ok\nS: 250 ok\n-- close\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected && !(err instanceof SMTPRecipientsRefused), String(err));
      assert.match(err.message, /the message was not sent/);
      assertDelivery(err, "not-delivered");
      assert.ok(err.cause instanceof SMTPServerDisconnected);
      return true;
    });
  });
  const lockStep = `${greeting(["SIZE 1000"])}C: MAIL FROM:<a@x.test> SIZE=4\nS: 250 ok\nC: RCPT TO:<r1@y.test>\nS: 250 ok\nC: RCPT TO:<r2@y.test>\n-- close\n`;
  await withScript(lockStep, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n"), (err: unknown) => {
      assertDelivery(err, "not-delivered");
      return true;
    });
  });
});

test("pipelined BDAT, waiting for a stream's first chunk: RCPT refused, then the server hangs up: SMTPRecipientsRefused, the close as cause", async () => {
  const script = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r1@y.test>\nC: RCPT TO:<r2@y.test>\nS: 250 ok\nS: 550 5.1.1 no such user\n-- close\n`;
  async function* stalled(): AsyncGenerator<Buffer> {
    await new Promise<void>(() => undefined);
    yield Buffer.from("never\r\n");
  }
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["Bob <r1@y.test>", "r2@y.test"], stalled()), refusedThenClosed);
  });
});
