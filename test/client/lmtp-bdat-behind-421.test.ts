/**
 * LMTP with CHUNKING and PIPELINING: a call queued behind another whose BDAT LAST is
 * answered 421. It must fail saying that nothing of it was sent, and be one that a pool
 * runs again on another connection. It used to be written behind that BDAT LAST (its whole
 * transaction; the rev19 review made it fail "the message was not sent" rather than with the
 * bare "Server closed the connection: 421 ..."). Since a surplus reply after the data must
 * never reach the next transaction (lmtp-extra-final-reply.test.ts), it is written only
 * once those replies are in: here, never.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPRecipientsRefused, SMTPServerDisconnected } from "../../src/index.js";
import { unstartedCalls } from "../../src/client/unsent.js";
import { greeting, withScript } from "../helpers/client.js";

const LHLO_BDAT = greeting(["PIPELINING", "CHUNKING"], "LHLO");

test("LMTP over pipelined BDAT: a call queued behind another's BDAT LAST answered 421 fails 'nothing of this call was sent', and a pool may run it again", async () => {
  const script = `${LHLO_BDAT}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! m1\\r\\n
S: 250 ok
S: 250 ok
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
      assert.match(err.message, /421 4\.3\.2 bye.*nothing of this call was sent/);
      assert.equal(err.delivery, "not-delivered");
      assert.ok(unstartedCalls.has(err), "a pool runs it again");
      return true;
    });
  }, {}, LMTP);
});
