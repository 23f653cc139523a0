/**
 * LMTP: a 1yz/3yz (here "354") as the first reply to the end of data, on which the
 * connection closes. The server has read the whole message and answers per recipient: with
 * more than one recipient accepted, a later one may have the message (its reply is never
 * read), so the call's error must not say that nobody got it (`delivery` "not-delivered"
 * would let a queue worker send it again, twice to that recipient). It says the message
 * may have been delivered, each recipient's outcome in `recipients` (code -1), as when the
 * connection is lost before the first reply. With one recipient, the 354 is that one's
 * reply: SMTPDataError, as SMTP's, which says the message may have been delivered too (it
 * refuses nothing: end-of-data-intermediate-delivery.test.ts).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPDataError, SMTPServerDisconnected } from "../../src/index.js";
import { LHLO, LMTP_TWO_TO_DATA, withScript } from "../helpers/client.js";
import { assertDelivery } from "../helpers/delivery.js";

test("LMTP, two recipients: 354 as the first reply to '.': the second may have the message, so delivery is unknown and recipients says each is unknown", async () => {
  await withScript(`${LMTP_TWO_TO_DATA}C: hi\nC: .\nS: 354 go ahead\nS: 250 2.0.0 <r2@y.test> delivered\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.match(err.message, /354 go ahead/);
      assertDelivery(err, "unknown");
      assert.deepEqual([...err.recipients!].map(([r, reply]) => [r, reply.code]), [["r1@y.test", -1], ["r2@y.test", -1]]);
      return true;
    });
    assert.equal(client.connected, false);
  }, {}, LMTP);
});

test("LMTP, one recipient: 354 as its reply to '.': SMTPDataError, delivery unknown, as SMTP's", async () => {
  const script = `${LHLO}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<r1@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\nC: hi\nC: .\nS: 354 go ahead\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "r1@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPDataError && err.smtpCode === 354, String(err));
      assertDelivery(err, "unknown");
      return true;
    });
  }, {}, LMTP);
});
