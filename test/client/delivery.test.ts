/**
 * `delivery` on the errors of calls that send a message, with their wording: a server's
 * refusal (of the sender, of every recipient, of the data) is `"not-delivered"`, as is a
 * call made on a connection already gone; a connection closed by `close()` after the end of
 * data was written is `"unknown"`, before it `"not-delivered"`. (The other paths are checked
 * where their wording is: end-of-data-lost, body-lost-unsent, envelope-close-unsent,
 * pipelined-421-unsent, bdat-stream-end-lost, follower-not-sent, rcpt-refused-then-close.)
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { EHLO_SIZE_8BITMIME, GREET, greeting, LMTP_TWO_TO_DATA, LOCK_STEP_TO_DATA, withScript } from "../helpers/client.js";
import { assertDelivery } from "../helpers/delivery.js";
import { timeoutUnitHint } from "../../src/error-text.js";

/** A server that offers 8BITMIME only: lock-step, and no SIZE parameter on MAIL. */
const GREET_8BIT = greeting(["8BITMIME"]);

test("lock-step: a refused sender is SMTPSenderRefused, not-delivered", async () => {
  await withScript(`${EHLO_SIZE_8BITMIME}C: MAIL FROM:<a@x.test> SIZE=4\nS: 550 5.7.1 no\nC: RSET\nS: 250 ok\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPSenderRefused, String(err));
      assertDelivery(err, "not-delivered");
      return true;
    });
  });
});

test("lock-step: every recipient refused is SMTPRecipientsRefused, not-delivered", async () => {
  await withScript(`${EHLO_SIZE_8BITMIME}C: MAIL FROM:<a@x.test> SIZE=4\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 550 5.1.1 no\nC: RSET\nS: 250 ok\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused, String(err));
      assertDelivery(err, "not-delivered");
      return true;
    });
  });
});

test("lock-step: the end of data refused (554, then 451) is SMTPDataError, not-delivered", async () => {
  for (const code of [554, 451]) {
    const script = `${EHLO_SIZE_8BITMIME}C: MAIL FROM:<a@x.test> SIZE=4\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\nC: hi\nC: .\nS: ${code} no\nC: RSET\nS: 250 ok\n`;
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => {
        assert.ok(err instanceof SMTPDataError && err.smtpCode === code, String(err));
        assertDelivery(err, "not-delivered");
        return true;
      });
    });
  }
});

test("LMTP: every recipient refused after the data is SMTPRecipientsRefused, not-delivered", async () => {
  await withScript(`${LMTP_TWO_TO_DATA}C: hi\nC: .\nS: 550 5.1.1 no\nS: 452 4.2.2 full\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused, String(err));
      assertDelivery(err, "not-delivered");
      return true;
    });
  }, {}, LMTP);
});

test("a call made once the server has hung up: nothing of this call was sent, not-delivered", async () => {
  await withScript(`${GREET}-- close\n`, async (client, server) => {
    await server.done;
    while (client.connected) await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(client.sendmail("a@x.test", "r1@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.match(err.message, /nothing of this call was sent/);
      assertDelivery(err, "not-delivered");
      return true;
    });
  });
});

test("close() after the end of data was written, before its reply: the call's error says the message may have been delivered (unknown)", async () => {
  await withScript(`${EHLO_SIZE_8BITMIME}${LOCK_STEP_TO_DATA.replace("<a@x.test>", "<a@x.test> SIZE=4")}C: hi\nC: .\n`, async (client, server) => {
    const sent = client.sendmail("a@x.test", "b@y.test", "hi\r\n");
    sent.catch(() => undefined);
    await server.done;
    client.close();
    await assert.rejects(sent, (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assertDelivery(err, "unknown");
      return true;
    });
  });
});

test("data() (SMTP): the connection closed after the end of data, before its reply: says the message may have been delivered (unknown), as sendmail's", async () => {
  const script = `${GREET}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\nC: hi\nC: .\n-- close\n`;
  await withScript(script, async (client) => {
    await client.mail("a@x.test");
    await client.rcpt("b@y.test");
    await assert.rejects(client.data("hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.match(err.message, /^Connection unexpectedly closed.*, after the end of data was sent: the message may have been delivered$/);
      assertDelivery(err, "unknown");
      return true;
    });
  });
});

test("lock-step: no reply to MAIL, to a RCPT, or to DATA within its timeout: SMTPTimeoutError (phase kept) that says the message was not sent, not-delivered", async () => {
  const cases: [string, string, string][] = [
    [`${GREET_8BIT}C: MAIL FROM:<a@x.test>\n`, "command", "MAIL FROM:<a@x.test>"],
    [`${GREET_8BIT}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: RCPT TO:<c@y.test>\n`, "command", "RCPT TO:<c@y.test>"],
    [`${GREET_8BIT}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: RCPT TO:<c@y.test>\nS: 250 ok\nC: DATA\n`, "dataInitiation", "DATA"],
  ];
  for (const [script, phase, line] of cases) {
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], "hi\r\n"), (err: unknown) => {
        assert.ok(err instanceof SMTPTimeoutError && err.phase === phase && err.timeout === 150, String(err));
        assert.equal(err.message, `Timed out after 150 ms waiting for the reply to ${line}${timeoutUnitHint(150)}: the message was not sent`);
        assertDelivery(err, "not-delivered");
        return true;
      });
    }, { timeouts: { command: 150, dataInitiation: 150 } });
  }
});

test("lock-step: the server hangs up after DATA, before its reply: says the message was not sent (command DATA), not-delivered", async () => {
  await withScript(`${GREET_8BIT}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\n-- close\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected && !(err instanceof SMTPTimeoutError), String(err));
      assert.match(err.message, /before the reply to DATA came: the message was not sent$/);
      assert.equal(err.command, "DATA");
      assertDelivery(err, "not-delivered");
      return true;
    });
  });
});

test("LMTP with CHUNKING and PIPELINING, a message in memory: the server hangs up before the envelope replies (BDAT LAST went with them): the message may have been delivered, unknown", async () => {
  const script = `${greeting(["CHUNKING", "PIPELINING"], "LHLO")}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT 4 LAST\nC! hi\\r\\n\n-- close\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.match(err.message, /^Connection unexpectedly closed, after the end of data was sent: the message may have been delivered$/);
      assertDelivery(err, "unknown");
      return true;
    });
  }, {}, LMTP);
});
