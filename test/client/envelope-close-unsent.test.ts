/**
 * A pipelined envelope whose RCPT replies never come: a hang-up before the first of them
 * says that the message was not sent (no recipient was refused: not SMTPRecipientsRefused),
 * and a timeout waiting for one is that timeout (its phase and limit kept), which says so too.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPRecipientsRefused, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";
import { assertDelivery } from "../helpers/delivery.js";
import { timeoutUnitHint } from "../../src/error-text.js";

const GROUP = `${greeting(["PIPELINING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r1@y.test>\nC: DATA\nS: 250 ok\n`;

test("pipelined: the server hangs up after MAIL's reply, before any RCPT reply: SMTPServerDisconnected saying the message was not sent", async () => {
  await withScript(`${GROUP}-- close\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "r1@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected && !(err instanceof SMTPRecipientsRefused), String(err));
      assert.match(err.message, /before the replies to RCPT came: the message was not sent/);
      assertDelivery(err, "not-delivered");
      assert.equal(err.command, "RCPT");
      return true;
    });
  });
});

test("pipelined: the RCPT reply never comes: SMTPTimeoutError of the command phase (its limit kept) that says the message was not sent", async () => {
  await withScript(`${GROUP}-- wait 1000\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "r1@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPTimeoutError, String(err));
      assert.equal(err.phase, "command");
      assert.ok(err.message.endsWith(`Timed out after 200 ms waiting for the reply to RCPT TO:<r1@y.test>${timeoutUnitHint(200)}: the message was not sent`), err.message);
      assertDelivery(err, "not-delivered");
      return true;
    });
  }, { timeouts: { command: 200 } });
});
