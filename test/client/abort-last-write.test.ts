/**
 * A call's signal aborted at the very moment its transaction's last bytes are written (the
 * end of data, or BDAT LAST's last piece). Once those bytes have been handed to the
 * connection the transaction is whole: the call rejects with the reason, and those bytes
 * still go (the connection then closes gracefully, its final reply being due: README
 * "Cancelling"). The abort used to
 * close the connection when it came in the microtasks between that write and the moment
 * the call recorded it (a streamed or large body's end is written inside an async step),
 * so that the message might or might not have reached the server. Aborted before the end
 * goes out, the transaction is half written: the connection closes and the end is never
 * sent.
 */

import assert from "node:assert/strict";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { test } from "node:test";
import { SMTPServerDisconnected, type SMTP } from "../../src/index.js";
import { greeting, LOCK_STEP_TO_DATA, withScript } from "../helpers/client.js";

/** Calls `onEnd` from `smtplib.send` when `client` writes bytes that end with `end`. */
async function onLastWrite(client: SMTP, end: string, onEnd: () => void, fn: () => Promise<void>): Promise<void> {
  let seen = false;
  const listener = (message: unknown): void => {
    const { client: from, data } = message as { client: unknown; data: Buffer };
    if (from !== client || seen || !data.toString("latin1").endsWith(end)) return;
    seen = true;
    onEnd();
  };
  subscribe("smtplib.send", listener);
  try {
    await fn();
    assert.ok(seen, "the last write was seen");
  } finally {
    unsubscribe("smtplib.send", listener);
  }
}

/** A body stream: two chunks, so that its end is written after an await. */
async function* stream(): AsyncGenerator<string> {
  yield "first line\r\n";
  yield "second line\r\n";
}

const DATA_TRANSACTION = `${greeting(["8BITMIME"])}${LOCK_STEP_TO_DATA}C: first line
C: second line
C: .
`;

test("a streamed DATA message whose call aborts in the microtask after its end of data is written: rejects with the reason, the message went whole and once, then the connection closes (its reply was due) and the next call fails having sent nothing", async () => {
  await withScript(DATA_TRANSACTION, async (client, server) => {
    const controller = new AbortController();
    const reason = new Error("aborted right after the end of data");
    await onLastWrite(client, ".\r\n", () => queueMicrotask(() => controller.abort(reason)), async () => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", stream(), [], [], { signal: controller.signal }), (err: unknown) => err === reason);
    });
    assert.equal(client.connected, false, "the reply to its end of data would hold the next call");
    await assert.rejects(client.noop(), SMTPServerDisconnected);
    await server.done;
    assert.equal(server.received().split("\r\n.\r\n").length, 2, "the end of data went once");
  });
});

test("a streamed DATA message whose call aborts while its end of data is being written (before it goes): the connection closes and the end is never sent", async () => {
  const script = `${greeting(["8BITMIME"])}${LOCK_STEP_TO_DATA}C: first line
C: second line
`;
  await withScript(script, async (client, server) => {
    const controller = new AbortController();
    const reason = new Error("aborted as the end of data is written");
    await onLastWrite(client, ".\r\n", () => controller.abort(reason), async () => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", stream(), [], [], { signal: controller.signal }), (err: unknown) => err === reason);
    });
    assert.equal(client.connected, false);
    await assert.rejects(client.noop(), /SMTPServerDisconnected|not connected|closed/i);
    assert.doesNotMatch(server.received(), /\r\n\.\r\n/, "a half-written message is never ended");
  });
});

/** A message past bdat-flow's LARGE_BODY (64 KiB) and BODY_PIECE: BDAT LAST, then its bytes in two pieces. */
const LARGE = Buffer.concat([Buffer.alloc(200 * 1024, "a"), Buffer.from("the end\r\n")]);
/** Exactly two pieces of BODY_PIECE (128 KiB): the last piece ends the message at a piece boundary. */
const EXACT = Buffer.concat([Buffer.alloc(256 * 1024 - 9, "a"), Buffer.from("the end\r\n")]);

for (const [name, message] of [["a large message", LARGE], ["a message of exactly two 128 KiB pieces", EXACT]] as const) {
  test(`BDAT LAST with ${name} whose call aborts in the microtask after its last piece is written: rejects with the reason, the message goes whole, then the connection closes (its replies were due)`, async () => {
    const script = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT ${message.length} LAST
C! ${message.toString("latin1").replace("\r\n", "\\r\\n")}
`;
    await withScript(script, async (client) => {
      const controller = new AbortController();
      const reason = new Error("aborted right after the last piece");
      await onLastWrite(client, "the end\r\n", () => queueMicrotask(() => controller.abort(reason)), async () => {
        await assert.rejects(client.sendmail("a@x.test", "b@y.test", message, [], [], { signal: controller.signal }), (err: unknown) => err === reason);
      });
      assert.equal(client.connected, false);
      await assert.rejects(client.noop(), SMTPServerDisconnected);
    });
  });
}
