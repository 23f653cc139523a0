/**
 * PIPELINING with CHUNKING: an in-memory message goes whole (MAIL, RCPT, BDAT LAST and its
 * bytes) without waiting for a reply, so a second call's transaction is all written while
 * the first's replies are still due. Aborting that second call must not close the
 * connection: the first call, not aborted, would lose its reply (its outcome "unknown", a
 * message its caller may send twice), as README "Cancelling" says for calls written behind.
 * So too when the abort comes from the second call's `onProgress` report of the whole size
 * (a large message, its bytes after BDAT LAST in pieces): README says that from then on an
 * abort, even in the same tick, finds the transaction all written.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

/** A server offering PIPELINING and CHUNKING that answers nothing after EHLO until `answer()`; `written` once two BDATs came. */
async function heldServer(): Promise<{ lines: string[]; written: Promise<void>; answer: (text: string) => void; port: number; close: () => Promise<void> }> {
  const lines: string[] = [];
  let bdats = 0;
  let both: () => void = () => undefined;
  const written = new Promise<void>((resolve) => { both = resolve; });
  let peer: net.Socket | undefined;
  const server = await lineServer((sock, line) => {
    lines.push(line);
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
    else if (line.startsWith("BDAT")) {
      peer = sock;
      bdats += 1;
      if (bdats === 2) both();
    }
  });
  return { lines, written, answer: (text) => peer!.write(text), port: server.port, close: () => server.close() };
}

test("pipelined BDAT: a call aborted with its transaction all written while the reply to the call ahead of it is still due leaves the connection: that call gets its reply and succeeds", { timeout: 20_000 }, async () => {
  const server = await heldServer();
  const { lines, written } = server;
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    const ac = new AbortController();
    const reason = new Error("caller gave up");
    const first = client.sendmail("a@x.test", ["b@y.test"], "one");
    const second = client.sendmail("c@x.test", ["d@y.test"], "two", [], [], { signal: ac.signal });
    await written;
    ac.abort(reason);
    await assert.rejects(second, (err) => err === reason);
    // The server answers both transactions now, in order.
    server.answer("250 ok\r\n250 ok\r\n250 2.0.0 first queued\r\n250 ok\r\n250 ok\r\n250 2.0.0 second queued\r\n");
    assert.deepEqual(await first, new Map());
    assert.equal(client.connected, true);
    assert.equal(lines.filter((l) => l.startsWith("BDAT")).length, 2);
  } finally {
    client.close();
    await server.close();
  }
});

test("pipelined BDAT: a large message's call aborted from its onProgress report of the whole size leaves the connection while the call ahead still waits for its reply: that call succeeds", { timeout: 20_000 }, async () => {
  const server = await heldServer();
  const { written } = server;
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    const ac = new AbortController();
    const reason = new Error("caller gave up");
    // Past 64 KiB: its bytes go after BDAT LAST's command line, in pieces (one here).
    const large = `${"y".repeat(78)}\r\n`.repeat(1000);
    const total = Buffer.byteLength(large);
    const told: number[] = [];
    const first = client.sendmail("a@x.test", ["b@y.test"], "one").then((refused) => ({ refused }), (error: unknown) => ({ error }));
    const second = client.sendmail("c@x.test", ["d@y.test"], large, [], [], {
      signal: ac.signal,
      onProgress: (sent) => {
        told.push(sent);
        if (sent === total) ac.abort(reason);
      },
    });
    await assert.rejects(second, (err) => err === reason);
    assert.deepEqual(told, [total]);
    await written;
    assert.equal(client.connected, true, "the connection stays: the call ahead still waits for its reply");
    // The server answers both transactions now, in order.
    server.answer("250 ok\r\n250 ok\r\n250 2.0.0 first queued\r\n250 ok\r\n250 ok\r\n250 2.0.0 second queued\r\n");
    assert.deepEqual(await first, { refused: new Map() });
    assert.equal(client.connected, true);
  } finally {
    client.close();
    await server.close();
  }
});
