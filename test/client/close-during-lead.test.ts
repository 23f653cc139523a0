/**
 * `close()` while calls are in flight: during the lock-step RSET that leads a transaction
 * (after a refused one that could not be reset at once), and during pipelined groups (DATA,
 * and whole BDAT transactions with a stream queued behind). Every call settles with an
 * error that says what became of its message (`delivery`), and the client holds no timer
 * once they have (nor its socket: the server sees it close). The call whose RSET lead was
 * cut off by close() said only "please run connect() first", as if it had been made after
 * close(); it now says that nothing of it was sent, with the connection's close as `cause`.
 */

import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { test } from "node:test";
import { SMTPSenderRefused, SMTPServerDisconnected, type SMTP } from "../../src/index.js";
import { unstartedCalls } from "../../src/client/unsent.js";
import { greeting, withScript } from "../helpers/client.js";
import { watchedStream } from "../helpers/watched-stream.js";

/** Calls `fn` from `smtplib.send` when `client` writes bytes that start with `start`. */
function onWrite(client: SMTP, start: string, fn: () => void): () => void {
  const listener = (message: unknown): void => {
    const { client: from, data } = message as { client: unknown; data: Buffer };
    if (from === client && data.toString("latin1").startsWith(start)) fn();
  };
  subscribe("smtplib.send", listener);
  return () => unsubscribe("smtplib.send", listener);
}

/** The call's error, or a failure when it resolved. */
async function failure(call: Promise<unknown>): Promise<SMTPServerDisconnected> {
  const err: unknown = await call.then(() => undefined, (e: unknown) => e);
  assert.ok(err instanceof SMTPServerDisconnected, `got ${String(err)}`);
  return err;
}

/** How many timers the process holds. */
const timers = (): number => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

/** As abort-reset-lead.test.ts: the next transaction is led by RSET, alone (the server dropped PIPELINING). */
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

test("close() while the reply to a lock-step transaction's RSET lead is due: that call says nothing of it was sent (not-delivered, cause the close), the call queued behind too; no MAIL is written, no timer left", async () => {
  await withScript(LEAD, async (client) => {
    const first = client.sendmail("a@x.test", ["b@y.test"], "hi");
    const noop = client.noop();
    await assert.rejects(first, SMTPSenderRefused);
    await noop;
    await client.ehlo();
    const before = timers();
    const stop = onWrite(client, "RSET\r\n", () => queueMicrotask(() => client.close()));
    try {
      const call = failure(client.sendmail("a@x.test", ["b@y.test"], "hi"));
      const behind = failure(client.sendmail("c@x.test", ["d@y.test"], "next"));
      const err = await call;
      assert.equal(err.delivery, "not-delivered", err.message);
      assert.match(err.message, /Connection closed by close\(\)\): nothing of this call was sent/);
      assert.ok(err.cause instanceof SMTPServerDisconnected, "the close is its cause");
      assert.ok(unstartedCalls.has(err), "a pool may run it again");
      assert.equal((await behind).delivery, "not-delivered");
      assert.equal(client.connected, false);
      assert.ok(timers() <= before, "a timer was left");
    } finally {
      stop();
    }
  });
});

test("close() during a pipelined group (MAIL, RCPT, DATA): the call says its message was not sent, the call queued behind too; no timer left", async () => {
  await withScript(`${greeting(["PIPELINING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\n`, async (client) => {
    const before = timers();
    const stop = onWrite(client, "MAIL", () => queueMicrotask(() => client.close()));
    try {
      const call = failure(client.sendmail("a@x.test", ["b@y.test"], "hi"));
      const behind = failure(client.sendmail("c@x.test", ["d@y.test"], "next"));
      const err = await call;
      assert.equal(err.delivery, "not-delivered", err.message);
      assert.match(err.message, /the message was not sent/);
      assert.equal((await behind).delivery, "not-delivered");
      assert.ok(timers() <= before, "a timer was left");
    } finally {
      stop();
    }
  });
});

test("close() with whole BDAT transactions written and a stream queued behind them: those may have been delivered (unknown), the stream's call was not, and its stream was never read; no timer left", async () => {
  const script = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
C: RSET
C: MAIL FROM:<c@x.test>
C: RCPT TO:<d@y.test>
C: BDAT 6 LAST
C! next\\r\\n
C: RSET
C: MAIL FROM:<e@x.test>
C: RCPT TO:<f@y.test>
`;
  await withScript(script, async (client) => {
    const before = timers();
    const watched = watchedStream("x\r\n");
    const stop = onWrite(client, "RSET\r\nMAIL FROM:<e@x.test>", () => queueMicrotask(() => client.close()));
    try {
      const whole = [client.sendmail("a@x.test", ["b@y.test"], "hi"), client.sendmail("c@x.test", ["d@y.test"], "next")].map(failure);
      const stream = failure(client.sendmail("e@x.test", ["f@y.test"], watched.body));
      for (const err of await Promise.all(whole)) assert.equal(err.delivery, "unknown", err.message);
      const err = await stream;
      assert.equal(err.delivery, "not-delivered", err.message);
      assert.equal(watched.read, false, "the stream was read");
      assert.ok(timers() <= before, "a timer was left");
    } finally {
      stop();
    }
  });
});
