/**
 * A call's signal aborting once its message is all written, lock-step, before the reply to
 * the end of data: the call rejects with the signal's reason (API.md), and the connection
 * is closed (gracefully: what was written goes first): the reply the caller gave up on
 * would otherwise hold every later call (up to the dataTermination timeout), and is never
 * handed to the next command. Calls queued behind fail at once, having sent nothing.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP, SMTPServerDisconnected } from "../../src/index.js";
import { assertDelivery } from "../helpers/delivery.js";
import { LMTP_TWO_TO_DATA, LOCAL, withScript } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

/**
 * A server without PIPELINING that answers every command at once but holds the reply to
 * the end of data for ever; `lines` records what it got.
 */
async function holdingEnd(): Promise<{ port: number; lines: string[]; endCame: Promise<void>; close: () => Promise<void> }> {
  const lines: string[] = [];
  let came: () => void = () => undefined;
  const endCame = new Promise<void>((resolve) => { came = resolve; });
  let inData = false;
  const server = await lineServer((sock, line) => {
    lines.push(line);
    if (inData) {
      if (line !== ".") return;
      inData = false;
      came();
      return;
    }
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 HELP\r\n");
    else if (line === "DATA") {
      inData = true;
      sock.write("354 go\r\n");
    } else if (line === "NOOP") sock.write("250 2.0.0 noop ok\r\n");
    else sock.write("250 ok\r\n");
  });
  return { port: server.port, lines, endCame, close: () => server.close() };
}

test("lock-step: a call aborted after its end of data was written, the reply to it due, rejects with the signal's reason and closes the connection: a call queued behind fails at once, having sent nothing, instead of waiting for that reply", async () => {
  const server = await holdingEnd();
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    const ac = new AbortController();
    const reason = new Error("caller gave up");
    const call = client.sendmail("a@x.test", ["b@y.test"], "hi", [], [], { signal: ac.signal });
    // Queued before the abort, without a signal of its own: before, it waited for the held
    // reply (a server that never answers: up to the dataTermination timeout).
    const next = client.sendmail("c@x.test", ["d@y.test"], "next");
    await server.endCame;
    ac.abort(reason);
    await assert.rejects(call, (err) => err === reason);
    await assert.rejects(next, (err: unknown) => {
      assertDelivery(err, "not-delivered");
      assert.ok(err instanceof SMTPServerDisconnected && /aborted while the reply to its end of data was due/.test(err.message), String(err));
      return true;
    });
    assert.equal(client.connected, false);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
    assert.deepEqual(server.lines.slice(-2), ["hi", "."], "nothing written after the end of data");
  } finally {
    client.close();
    await server.close();
  }
});

test("LMTP, lock-step: a call aborted after its end of data was written, one recipient's reply come and the other's due: the connection is closed, and the next call fails at once, having sent nothing", async () => {
  await withScript(`${LMTP_TWO_TO_DATA}C: hi\nC: .\nS: 250 2.0.0 r1 delivered\n`, async (client, server) => {
    const ac = new AbortController();
    const reason = new Error("caller gave up");
    const call = client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n", [], [], { signal: ac.signal });
    while (!server.received().endsWith("\r\n.\r\n")) await new Promise((r) => setTimeout(r, 5));
    ac.abort(reason);
    await assert.rejects(call, (err) => err === reason);
    assert.equal(client.connected, false);
    await assert.rejects(client.sendmail("c@x.test", "d@y.test", "next\r\n"), (err: unknown) => {
      assertDelivery(err, "not-delivered");
      return err instanceof SMTPServerDisconnected;
    });
  }, { pipelining: false }, LMTP);
});
