/**
 * A 421 closes the connection (RFC 5321 §3.8): the server reads no command after the one
 * it answered so. With CHUNKING and PIPELINING, a call's whole transaction (RSET, MAIL,
 * RCPT, BDAT LAST and its bytes) may already be written behind that command; the server
 * never processed it, so its message was not delivered, and the call must say so ("the
 * message was not sent"), not "may have been delivered", which tells a queue worker never
 * to retry it (the message is then lost). A close without a 421 (a hang-up, a timeout) is
 * still "may have been delivered": the server may have taken the message before it went.
 * Found by the queue-worker dogfooding review.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected } from "../../src/index.js";
import { withScript } from "../helpers/client.js";
import { EHLO_CHUNKING_PIPELINING } from "../helpers/bdat-scripts.js";
import { assertDelivery } from "../helpers/delivery.js";

/** The commands of one in-memory transaction to `rcpt`, whose 4-byte message is `m<n>` and CRLF. */
const tx = (rcpt: string, n: number): string => `C: MAIL FROM:<a@x.test>
C: RCPT TO:<${rcpt}>
C: BDAT 4 LAST
C! m${n}\\r\\n
`;

/** Two calls' transactions written back to back, the second led by RSET. */
const TWO = `${EHLO_CHUNKING_PIPELINING}${tx("b@y.test", 1)}C: RSET\n${tx("c@y.test", 2)}`;

/** The second call's error: its message was not sent, and nothing says it may have been delivered. */
function notSent(err: unknown): boolean {
  assert.ok(err instanceof SMTPServerDisconnected, String(err));
  assert.match(err.message, /421 4\.3\.2 bye.*the message was not sent/);
  assert.doesNotMatch(err.message, /may have been delivered/);
  assertDelivery(err, "not-delivered");
  return true;
}

test("BDAT written whole behind a command answered 421 (the RSET that leads it): the message was not sent", async () => {
  await withScript(`${TWO}S: 250 ok\nS: 250 ok\nS: 250 first\nS: 421 4.3.2 bye\n-- close\n`, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", Buffer.from("m1\r\n"));
    const second = client.sendmail("a@x.test", "c@y.test", Buffer.from("m2\r\n"));
    assert.deepEqual(await first, new Map());
    await assert.rejects(second, notSent);
  });
});

test("BDAT written whole behind another call's BDAT LAST answered 421: that call's refusal, and this message was not sent", async () => {
  await withScript(`${TWO}S: 250 ok\nS: 250 ok\nS: 421 4.3.2 bye\n-- close\n`, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", Buffer.from("m1\r\n"));
    const second = client.sendmail("a@x.test", "c@y.test", Buffer.from("m2\r\n"));
    await assert.rejects(first, (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 421 && err.delivery === "not-delivered");
    await assert.rejects(second, notSent);
  });
});

test("BDAT written whole behind another call's MAIL answered 421: that sender refusal, and this message was not sent", async () => {
  await withScript(`${TWO}S: 421 4.3.2 bye\n-- close\n`, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", Buffer.from("m1\r\n"));
    const second = client.sendmail("a@x.test", "c@y.test", Buffer.from("m2\r\n"));
    await assert.rejects(first, (err: unknown) => err instanceof SMTPSenderRefused && err.smtpCode === 421 && err.delivery === "not-delivered");
    await assert.rejects(second, notSent);
  });
});

test("BDAT written whole, then the server hangs up without a 421 after the call ahead's reply: still 'may have been delivered'", async () => {
  await withScript(`${TWO}S: 250 ok\nS: 250 ok\nS: 250 first\n-- close\n`, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", Buffer.from("m1\r\n"));
    const second = client.sendmail("a@x.test", "c@y.test", Buffer.from("m2\r\n"));
    assert.deepEqual(await first, new Map());
    await assert.rejects(second, (err: unknown) => err instanceof SMTPServerDisconnected && /may have been delivered/.test(err.message));
  });
});

test("BDAT written whole, the call's own first of two RCPTs answered 421: nobody got it (the 421 refuses that recipient, the server read nothing after it)", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: BDAT 4 LAST
C! m1\\r\\n
S: 250 ok
S: 421 4.3.2 bye
-- close
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], Buffer.from("m1\r\n")), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused, String(err));
      assert.equal(err.recipients.get("b@y.test")?.code, 421);
      assert.doesNotMatch(err.message, /may have been delivered/);
      assertDelivery(err, "not-delivered");
      return true;
    });
  });
});

// unprocessedWhole (unsent.ts) once named a RCPT as the first unanswered command of such a
// transaction. It cannot be one: the close on a 421 that marks the transaction unprocessed
// leaves every command after the one it answered without a reply, and the replies are read
// in order: MAIL unanswered is MAIL's case; a MAIL answered otherwise than 250 is refused
// (SMTPSenderRefused); after a 250 to MAIL, the first RCPT without a reply comes after one
// that took the 421 itself, read first, which refuses it (SMTPRecipientsRefused). These are
// the nearest cases, over both readers of a transaction written whole (in memory; a stream).
for (const [position, replies, code] of [
  ["the first of two RCPTs", "S: 250 ok\nS: 421 4.3.2 bye\n", [["b@y.test", 421]]],
  ["the second of two RCPTs (the first accepted)", "S: 250 ok\nS: 250 ok\nS: 421 4.3.2 bye\n", [["c@y.test", 421]]],
] as const) {
  for (const [kind, body] of [["in memory", () => Buffer.from("m1\r\n")], ["a stream", () => Readable.from([Buffer.from("m1\r\n")])]] as const) {
    test(`BDAT written whole (${kind}), ${position} answered 421, the rest unanswered: SMTPRecipientsRefused with that 421, not a RCPT whose reply never came`, async () => {
      const script = `${EHLO_CHUNKING_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: RCPT TO:<c@y.test>\nC: BDAT 4 LAST\nC! m1\\r\\n\n${replies}-- close\n`;
      await withScript(script, async (client) => {
        await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], body()), (err: unknown) => {
          assert.ok(err instanceof SMTPRecipientsRefused, String(err));
          assert.deepEqual([...err.recipients].map(([addr, r]) => [addr, r.code]), code);
          assert.doesNotMatch(err.message, /before the reply to RCPT came/);
          assertDelivery(err, "not-delivered");
          return true;
        });
      });
    });
  }
}
