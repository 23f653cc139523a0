/**
 * Lock-step (no PIPELINING), a transaction is led by RSET when one before it still has to
 * be reset (a refused transaction written whole, `Conversation.resetDue`): RSET goes alone,
 * and MAIL only after its reply. A call aborted while that reply is due has written nothing
 * of its own transaction: the connection stays (nothing is half sent), its MAIL is never
 * written, and the call queued behind it runs on it. It used to be taken as half sent: the
 * connection closed, and the call behind failed with nothing of it sent.
 */

import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { test } from "node:test";
import { SMTPSenderRefused, SMTPServerDisconnected, type SMTP } from "../../src/index.js";
import { unstartedCalls } from "../../src/client/unsent.js";
import { greeting, withScript } from "../helpers/client.js";

/** Calls `fn` from `smtplib.send` when `client` writes exactly `line` (with its CRLF). */
function onWrite(client: SMTP, line: string, fn: () => void): () => void {
  const listener = (message: unknown): void => {
    const { client: from, data } = message as { client: unknown; data: Buffer };
    if (from === client && data.toString("latin1") === line) fn();
  };
  subscribe("smtplib.send", listener);
  return () => unsubscribe("smtplib.send", listener);
}

/**
 * A transaction written whole (PIPELINING, CHUNKING) whose sender is refused after a NOOP
 * went behind it: the next transaction must start with RSET. The server then drops
 * PIPELINING and CHUNKING (a new EHLO): the next goes lock-step, its RSET alone, which the
 * server answers; the aborted call's MAIL never comes, the next call's does.
 */
const LEAD = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
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
`;
const SCRIPT = `${LEAD}S: 250 ok
C: MAIL FROM:<c@x.test>
S: 250 ok
C: RCPT TO:<d@y.test>
S: 250 ok
C: DATA
S: 354 go
C: next
C: .
S: 250 queued
`;

test("lock-step: a call aborted while the reply to the RSET leading its transaction is due wrote nothing of it: the connection stays, its MAIL is never written, and the call queued behind is delivered", async () => {
  await withScript(SCRIPT, async (client) => {
    const first = client.sendmail("a@x.test", ["b@y.test"], "hi");
    const noop = client.noop();
    await assert.rejects(first, SMTPSenderRefused);
    assert.equal((await noop).code, 250);
    await client.ehlo();
    const ac = new AbortController();
    const reason = new Error("caller gave up");
    const stop = onWrite(client, "RSET\r\n", () => queueMicrotask(() => ac.abort(reason)));
    try {
      const call = client.sendmail("a@x.test", ["b@y.test"], "hi", [], [], { signal: ac.signal });
      const behind = client.sendmail("c@x.test", ["d@y.test"], "next");
      await assert.rejects(call, (err) => err === reason);
      assert.equal(client.connected, true, "nothing of the aborted transaction was written");
      assert.deepEqual(await behind, new Map());
    } finally {
      stop();
    }
  });
});

/**
 * The same lead, the connection closed on that RSET's reply (a 421): nothing of the call's
 * transaction was written, so it fails with an error that says so (`delivery`
 * "not-delivered"), one a pool may run again on another connection, never with the bare
 * close (no `delivery`: a caller that must never send twice would take it as "unknown").
 */
const CLOSED = `${LEAD}S: 421 4.3.2 shutting down
-- close
`;

test("lock-step: the connection closed on the reply to the RSET leading a transaction: the call says nothing of it was sent (not-delivered), and its MAIL is never written", async () => {
  await withScript(CLOSED, async (client) => {
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
