/**
 * A streamed body over pipelined BDAT (CHUNKING with PIPELINING): MAIL, RCPT and the
 * chunks go without waiting for replies, so BDAT LAST and its bytes may be written before
 * any envelope reply has come. A connection lost then may have delivered the message, and
 * the error must say so, as it does for an in-memory message (README: "a connection lost
 * after the end of data was written and before its reply came ... says the message may have
 * been delivered"): a bare "Connection unexpectedly closed" invites a retry that sends it
 * twice. A close on a 421 to an earlier command is the exception: the server read none of
 * it, and the message was not sent; such a stream is now read only once the replies due
 * ahead of its MAIL have come, so none of it is even written (see
 * bdat-stream-behind-421.test.ts). Found by the queue-worker dogfooding review.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPDataError, SMTPServerDisconnected } from "../../src/index.js";
import { withScript } from "../helpers/client.js";
import { EHLO_BDAT } from "../helpers/bdat-scripts.js";
import { assertDelivery } from "../helpers/delivery.js";

/** A two-chunk stream whose bytes are `Subject: s`, an empty line and `body`, CRLF-ended (22 bytes). */
async function* streamed(): AsyncGenerator<Buffer> {
  yield Buffer.from("Subject: s\r\n\r\n");
  yield Buffer.from("body\r\n");
}

/** One streamed transaction, written whole: MAIL, RCPT, then BDAT LAST with the message. */
const STREAMED = "C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT 20 LAST\nC! Subject: s\\r\\n\\r\\nbody\\r\\n\n";

test("streamed BDAT: the server hangs up after BDAT LAST was written, before any reply: the message may have been delivered", async () => {
  await withScript(`${EHLO_BDAT}${STREAMED}-- close\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", streamed()), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.match(err.message, /after the end of data was sent: the message may have been delivered/);
      assertDelivery(err, "unknown");
      return true;
    });
  });
});

test("streamed BDAT queued behind another call's BDAT LAST answered 421: that call's refusal, and this message was not sent (nor written)", async () => {
  // Its envelope goes right behind the other call's transaction; its chunks wait for the
  // replies due ahead of its MAIL, and are never written.
  const script = `${EHLO_BDAT}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT 4 LAST\nC! m1\\r\\n\nC: RSET\nC: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nS: 250 ok\nS: 250 ok\nS: 421 4.3.2 bye\n-- close\n`;
  await withScript(script, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", Buffer.from("m1\r\n"));
    const second = client.sendmail("a@x.test", "b@y.test", streamed());
    await assert.rejects(first, (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 421);
    await assert.rejects(second, (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.match(err.message, /421 4\.3\.2 bye.*the message was not sent/);
      assert.doesNotMatch(err.message, /may have been delivered/);
      assertDelivery(err, "not-delivered");
      return true;
    });
  });
});
