/**
 * The connection goes after the end of data was written and before its reply: the server
 * may have taken the message. The call still fails with `SMTPServerDisconnected` (or its
 * `SMTPTimeoutError`), whose message says the message may have been delivered: a bare
 * "Connection unexpectedly closed" invites a retry that sends it twice. Found by the client
 * chaos test (test/client/chaos.test.ts), where another call's abort closed the connection
 * while the server's 250 to a written message was on its way.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPResponseException, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { EHLO_PIPELINING, LHLO_PIPELINING, greeting, withScript } from "../helpers/client.js";
import { EHLO_CHUNKING_PIPELINING } from "../helpers/bdat-scripts.js";
import { assertDelivery } from "../helpers/delivery.js";

/** Checks for an SMTPServerDisconnected (an SMTPTimeoutError when `timeout`, else not) that says the message may have been delivered. */
const mayHaveBeenDelivered = (timeout = false) => (err: unknown): boolean => {
  assertDelivery(err, "unknown");
  return err instanceof SMTPServerDisconnected && err instanceof SMTPTimeoutError === timeout && /may have been delivered/.test(err.message);
};

test("SMTP, pipelined: the server closes after the final '.' without a reply -> SMTPServerDisconnected that says the message may have been delivered", async () => {
  const script = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\nS: 250 ok\nS: 250 ok\nS: 354 go\nC: hi\nC: .\n-- close\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), mayHaveBeenDelivered());
  });
});

test("SMTP, lock-step: the server closes after the final '.' without a reply -> the error says the message may have been delivered", async () => {
  const script = `${greeting(["8BITMIME"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\nC: hi\nC: .\n-- close\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.deliver("a@x.test", "b@y.test", "hi\r\n"), mayHaveBeenDelivered());
  });
});

test("SMTP: no reply to the final '.' within the dataTermination timeout -> SMTPTimeoutError that says the message may have been delivered", async () => {
  const script = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\nS: 250 ok\nS: 250 ok\nS: 354 go\nC: hi\nC: .\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), mayHaveBeenDelivered(true));
  }, { timeouts: { dataTermination: 50 } });
});

test("BDAT: MAIL, RCPT and BDAT LAST written whole, the server closes before any reply -> the error says the message may have been delivered", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT 4 LAST\nC! hi\\r\\n\n-- close\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), mayHaveBeenDelivered());
  });
});

test("LMTP: the server closes after the final '.' before the first recipient's reply -> the error says the message may have been delivered", async () => {
  const script = `${LHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: RCPT TO:<c@y.test>\nC: DATA\nS: 250 ok\nS: 250 ok\nS: 250 ok\nS: 354 go\nC: hi\nC: .\n-- close\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], "hi\r\n"), mayHaveBeenDelivered());
  }, {}, LMTP);
});

test("another call aborted mid-transaction closes the connection: a call whose message was all written fails saying it may have been delivered (cause: the abort's reason)", async () => {
  const script = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\nS: 250 ok\nS: 250 ok\nS: 354 go\nC: one\nC: .\nC: MAIL FROM:<c@x.test>\nC: RCPT TO:<d@y.test>\nC: DATA\n`;
  await withScript(script, async (client, server) => {
    const controller = new AbortController();
    const reason = new Error("second call cancelled");
    const first = client.sendmail("a@x.test", "b@y.test", "one\r\n");
    const second = client.deliver("c@x.test", "d@y.test", "two\r\n", [], [], { signal: controller.signal });
    second.catch(() => undefined);
    await server.done; // the second transaction's envelope is written, its DATA unanswered
    controller.abort(reason);
    await assert.rejects(second, (err: unknown) => err === reason);
    await assert.rejects(first, (err: unknown) => mayHaveBeenDelivered()(err) && (err as Error).cause === reason);
  });
});

test("a call whose end of data was never written does not say it may have been delivered", async () => {
  const script = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\nS: 250 ok\nS: 250 ok\n-- close\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => {
      assertDelivery(err, "not-delivered");
      return err instanceof SMTPServerDisconnected && !/may have been delivered/.test(err.message);
    });
  });
});

test("SMTP: a malformed reply to the final '.' (the connection is closed on it) -> SMTPResponseException -1 that says the message may have been delivered", async () => {
  const script = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\nS: 250 ok\nS: 250 ok\nS: 354 go\nC: hi\nC: .\nS: 250ok queued\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) =>
      err instanceof SMTPResponseException && err.smtpCode === -1 && /Malformed reply line/.test(err.message) && err.delivery === "unknown" && /may have been delivered/.test(err.message));
    assert.equal(client.connected, false);
  });
});
