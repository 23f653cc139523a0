/**
 * LMTP with CHUNKING and PIPELINING: a call whose MAIL and RCPT went behind a command
 * answered 421 (another call's BDAT LAST) was never processed (RFC 5321 §3.8: the server
 * reads nothing after it), though its whole transaction was written (BDAT LAST pipelined
 * with the envelope). It must fail saying that the message was not sent, as over DATA, and
 * be one that a pool runs again on another connection. Before, it failed with the
 * connection's bare "Server closed the connection: 421 ..." and a pool did not run it again.
 * Found by the rev19 review.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPRecipientsRefused, SMTPServerDisconnected } from "../../src/index.js";
import { failedBehind } from "../../src/client/unsent.js";
import { greeting, withScript } from "../helpers/client.js";

const LHLO_BDAT = greeting(["PIPELINING", "CHUNKING"], "LHLO");

test("LMTP over pipelined BDAT: a call written behind another's BDAT LAST answered 421 fails 'the message was not sent', and a pool may run it again", async () => {
  const script = `${LHLO_BDAT}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! m1\\r\\n
S: 250 ok
S: 250 ok
C: MAIL FROM:<a@x.test>
C: RCPT TO:<c@y.test>
C: BDAT 4 LAST
C! m2\\r\\n
S: 421 4.3.2 bye
-- close
`;
  await withScript(script, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", Buffer.from("m1\r\n"));
    const second = client.sendmail("a@x.test", "c@y.test", Buffer.from("m2\r\n"));
    // The 421 is b's reply after the data: that call's own outcome.
    await assert.rejects(first, (err: unknown) => err instanceof SMTPRecipientsRefused && err.recipients.get("b@y.test")?.code === 421);
    await assert.rejects(second, (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.match(err.message, /421 4\.3\.2 bye.*the message was not sent/);
      assert.ok(failedBehind.has(err), "a pool runs it again");
      return true;
    });
  }, {}, LMTP);
});
