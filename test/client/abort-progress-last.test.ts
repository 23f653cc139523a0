/**
 * A call's `onProgress` is told the whole size once its last byte has been handed over
 * (SendMessageOptions.onProgress), and README "Cancelling" says that from then on an abort,
 * even in the same tick, finds the transaction all written. An abort made from that last
 * report must be taken as such: with PIPELINING and CHUNKING, a large in-memory message
 * (written whole, its bytes after BDAT LAST in pieces) behind a call whose reply is still
 * due leaves the connection, so that call gets its reply instead of failing "the message
 * may have been delivered" (a caller retrying it would send it twice).
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

test("pipelined BDAT: a large message's call aborted from its onProgress report of the whole size leaves the connection while the call ahead still waits for its reply: that call succeeds", { timeout: 20_000 }, async () => {
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
    peer!.write("250 ok\r\n250 ok\r\n250 2.0.0 first queued\r\n250 ok\r\n250 ok\r\n250 2.0.0 second queued\r\n");
    assert.deepEqual(await first, { refused: new Map() });
    assert.equal(client.connected, true);
  } finally {
    client.close();
    await server.close();
  }
});
