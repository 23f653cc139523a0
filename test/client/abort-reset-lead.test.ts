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
import { SMTPSenderRefused, type SMTP } from "../../src/index.js";
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
S: 250 ok
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
