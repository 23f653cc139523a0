/**
 * `sendmail(..., { signal })` and `sendMessage(..., { signal })` cancel one call exactly as
 * `deliver(..., { signal })` does (see core-calls.test.ts and bdat-back-to-back.test.ts for those): queued or
 * already aborted, nothing is sent; half sent, the connection is closed; all written, its
 * final reply due, the connection is closed too (that reply would hold the next call).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPServerDisconnected, type SMTP } from "../../src/index.js";
import { assertDelivery } from "../helpers/delivery.js";
import { greeting, LOCK_STEP_TO_DATA, withScript } from "../helpers/client.js";
import type { ScriptServer } from "../helpers/script-server.js";

/** A lock-step server (no PIPELINING): each command waits for its reply. */
const LOCK_STEP = greeting(["8BITMIME"]);

/** The message each call sends; sendMessage takes its envelope, a@x.test -> b@y.test, from it. */
const MESSAGE = "From: a@x.test\r\nTo: b@y.test\r\n\r\nbody\r\n";

/** The two calls under test, each sending {@link MESSAGE} from a@x.test to b@y.test with `signal`. */
const CALLS: readonly (readonly [string, (client: SMTP, signal: AbortSignal) => Promise<Map<string, unknown>>])[] = [
  ["sendmail", (client, signal) => client.sendmail("a@x.test", "b@y.test", MESSAGE, [], [], { signal })],
  ["sendMessage", (client, signal) => client.sendMessage(MESSAGE, undefined, undefined, [], [], { signal })],
];

/** Script lines: {@link MESSAGE}'s transaction, lock-step, up to and including its end of data. */
const TRANSACTION = `${LOCK_STEP_TO_DATA}C: From: a@x.test
C: To: b@y.test
C:
C: body
C: .
`;

/** Resolves once the client has sent `text` to the scripted server. */
async function sent(server: ScriptServer, text: string): Promise<void> {
  while (!server.received().includes(text)) await new Promise((r) => setTimeout(r, 5));
}

for (const [name, call] of CALLS) {
  test(`${name}({ signal }) already aborted rejects with its reason and sends nothing, not even EHLO`, async () => {
    const script = "S: 220 mx.test ESMTP\nC: NOOP\nS: 250 ok\n";
    await withScript(script, async (client) => {
      const reason = new Error("cancelled before the call");
      await assert.rejects(call(client, AbortSignal.abort(reason)), (err: unknown) => err === reason);
      assert.equal((await client.noop()).code, 250);
    });
  });

  test(`${name}({ signal }) aborted while queued behind another call rejects at once and sends nothing`, async () => {
    const script = `${LOCK_STEP}C: MAIL FROM:<first@x.test>
-- wait 200
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: one
C: .
S: 250 queued
C: NOOP
S: 250 ok
`;
    await withScript(script, async (client) => {
      const first = client.sendmail("first@x.test", "b@y.test", "one\r\n");
      let firstSettled = false;
      void first.finally(() => { firstSettled = true; });
      const controller = new AbortController();
      const reason = new Error("not needed");
      const queued = call(client, controller.signal);
      controller.abort(reason);
      await assert.rejects(queued, (err: unknown) => err === reason);
      assert.equal(firstSettled, false, "the queued call rejected without waiting for the one before it");
      assert.equal((await first).size, 0);
      assert.equal((await client.noop()).code, 250);
    });
  });

  test(`${name}({ signal }) aborted once its message is all written, its final reply due: rejects at once, the connection is closed, and the next call fails at once having sent nothing`, async () => {
    // The server never answers the end of data: before, the connection stayed and the next
    // call (without a signal of its own) waited for that reply, up to dataTermination.
    await withScript(`${LOCK_STEP}${TRANSACTION}`, async (client, server) => {
      const controller = new AbortController();
      const reason = new Error("gave up waiting for the final reply");
      const pending = call(client, controller.signal);
      await sent(server, "\r\n.\r\n");
      controller.abort(reason);
      await assert.rejects(pending, (err: unknown) => err === reason);
      assert.equal(client.connected, false);
      await assert.rejects(client.sendmail("c@x.test", "d@y.test", "next\r\n"), (err: unknown) => {
        assertDelivery(err, "not-delivered");
        assert.ok(err instanceof SMTPServerDisconnected && /aborted while the reply to its end of data was due/.test(err.message), String(err));
        return true;
      });
    });
  });

  test(`${name}({ signal }) aborted with its transaction half written (MAIL sent, its reply due) closes the connection`, async () => {
    const script = `${LOCK_STEP}C: MAIL FROM:<a@x.test>\n`;
    await withScript(script, async (client, server) => {
      const controller = new AbortController();
      const reason = new Error("cancelled mid-transaction");
      const pending = call(client, controller.signal);
      await sent(server, "MAIL FROM");
      controller.abort(reason);
      await assert.rejects(pending, (err: unknown) => err === reason);
      assert.equal(client.connected, false);
    });
  });
}

test("sendmail({ signal }) aborted mid-body of a streamed message closes the connection without the end of data; the call rejects with the reason", { timeout: 10_000 }, async () => {
  const script = `${LOCK_STEP}${LOCK_STEP_TO_DATA}C: first line
`;
  let release!: () => void;
  const stalled = new Promise<void>((r) => (release = r));
  async function* body(): AsyncGenerator<string> {
    yield "first line\r\n";
    await stalled;
    yield "never sent\r\n";
  }
  await withScript(script, async (client, server) => {
    const controller = new AbortController();
    const reason = new Error("cancelled mid-body");
    const pending = client.sendmail("a@x.test", "b@y.test", body(), [], [], { signal: controller.signal });
    await sent(server, "first line\r\n");
    controller.abort(reason);
    await assert.rejects(pending, (err: unknown) => err === reason);
    assert.equal(client.connected, false);
    release();
  });
});

test("sendmail({ size }) declares a stream's size, as deliver's does", async () => {
  const script = `${greeting(["SIZE 1000"])}C: MAIL FROM:<a@x.test> SIZE=12
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: first line
C: .
S: 250 queued
`;
  async function* body(): AsyncGenerator<string> {
    yield "first line\r\n";
  }
  await withScript(script, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", body(), [], [], { size: 12 })).size, 0);
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", body(), [], [], { size: -1 }), RangeError);
  });
});
