/**
 * A call's signal aborting once its message is all written, lock-step, before the reply to
 * the end of data: the call rejects with the signal's reason (API.md), the connection stays
 * open, and that reply, when it comes, is read for the aborted transaction in the
 * background: never handed to the next command.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

/**
 * A server without PIPELINING that answers every command at once but holds the reply to
 * the end of data until the test gives it (`answerEnd`); `lines` records what it got.
 */
async function holdingEnd(): Promise<{ port: number; lines: string[]; endCame: Promise<void>; answerEnd: (reply: string) => void; close: () => Promise<void> }> {
  const lines: string[] = [];
  let came: () => void = () => undefined;
  const endCame = new Promise<void>((resolve) => { came = resolve; });
  let held: net.Socket | undefined;
  let inData = false;
  const server = await lineServer((sock, line) => {
    lines.push(line);
    if (inData) {
      if (line !== ".") return;
      inData = false;
      held = sock;
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
  return { port: server.port, lines, endCame, answerEnd: (reply) => held?.write(`${reply}\r\n`), close: () => server.close() };
}

for (const [code, text] of [[250, "2.0.0 queued as X1"], [554, "5.7.1 rejected"]] as const) {
  test(`lock-step: a call aborted after its end of data was written rejects with the signal's reason; the server's ${code} to it is not the next command's reply`, async () => {
    const server = await holdingEnd();
    const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
    try {
      const ac = new AbortController();
      const reason = new Error("caller gave up");
      const call = client.sendmail("a@x.test", ["b@y.test"], "hi", [], [], { signal: ac.signal });
      await server.endCame;
      ac.abort(reason);
      await assert.rejects(call, (err) => err === reason);
      assert.equal(client.connected, true);
      // Queued before the reply comes: it must wait for it, not take it.
      const noop = client.noop();
      server.answerEnd(`${code} ${text}`);
      const reply = await noop;
      assert.deepEqual([reply.code, reply.message], [250, "2.0.0 noop ok"]);
      // A refusal read in the background is followed by RSET, as when nobody gave up.
      assert.deepEqual(server.lines.slice(-3), code === 250 ? ["hi", ".", "NOOP"] : [".", "RSET", "NOOP"]);
      assert.equal(client.connected, true);
    } finally {
      client.close();
      await server.close();
    }
  });
}
