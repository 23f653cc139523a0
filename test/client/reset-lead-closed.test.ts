/**
 * Lock-step (no PIPELINING), a transaction led by RSET (a refused transaction written whole
 * still to be reset, `Conversation.resetDue`) sends that RSET alone, before anything of its
 * own. When the connection closes on that RSET's reply (a 421), nothing of the call's
 * transaction was written: the call fails with an error that says so (`delivery`
 * "not-delivered"), one a pool may run again on another connection, never with the bare
 * close (no `delivery`: a caller that must never send twice would take it as "unknown").
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPSenderRefused, SMTPServerDisconnected } from "../../src/index.js";
import { unstartedCalls } from "../../src/client/smtp-base.js";
import { greeting, withScript } from "../helpers/client.js";

/** As in abort-reset-lead.test.ts: a refused whole transaction, a NOOP behind it, then the server drops PIPELINING. */
const SCRIPT = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
C: NOOP
S: 550 5.7.1 sender refused
S: 503 5.5.1 no sender
S: 503 5.5.1 no sender
S: 250 ok
C: EHLO client.test
S: 250 mx.test
C: RSET
S: 421 4.3.2 shutting down
-- close
`;

test("lock-step: the connection closed on the reply to the RSET leading a transaction: the call says nothing of it was sent (not-delivered), and its MAIL is never written", async () => {
  await withScript(SCRIPT, async (client) => {
    const first = client.sendmail("a@x.test", ["b@y.test"], "hi");
    const noop = client.noop();
    await assert.rejects(first, SMTPSenderRefused);
    assert.equal((await noop).code, 250);
    await client.ehlo();
    const err: unknown = await client.sendmail("c@x.test", ["d@y.test"], "next").then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SMTPServerDisconnected, `got ${String(err)}`);
    assert.equal(err.delivery, "not-delivered", err.message);
    assert.match(err.message, /nothing of this call was sent/);
    assert.ok(unstartedCalls.has(err), "a pool may run it again on another connection");
    assert.equal(client.connected, false);
  });
});
