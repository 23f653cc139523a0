/**
 * The server sees at most 2 x maxConnections of a pool's connections (README): those saying
 * QUIT count beyond maxConnections of them. A connection that has gone while an aborted
 * call's graceful end is under way (its end of data still being sent: pool/abort-graceful-end)
 * is open at the server too, and leaves as a goodbye does: it used to count nowhere, so that
 * with maxConnections 1 the server saw three (the ending one, one saying QUIT, a new one).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { after, test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("pool: a connection still sending an aborted call's end of data counts among the goodbyes: the server never sees more than 2 x maxConnections", { timeout: 20_000 }, async () => {
  const sockets: net.Socket[] = [];
  const quits: net.Socket[] = [];
  const server = await lineServer((sock, line) => {
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 HELP\r\n");
    else if (line === "DATA") {
      if (server.connections() === 1) {
        // The first connection's client socket takes writes and never completes them.
        const held = sockets[0] as unknown as { _write: unknown; _writev: unknown };
        held._write = (): void => undefined;
        held._writev = (): void => undefined;
      }
      sock.write("354 go\r\n");
    } else if (line === ".") sock.write("250 queued\r\n");
    else if (line === "QUIT") quits.push(sock); // answered when the test says
    else if (line.startsWith("MAIL") || line.startsWith("RCPT")) sock.write("250 ok\r\n");
  });
  const pool = new SMTPPool({
    host: "127.0.0.1", port: server.port, localHostname: LOCAL, timeout: 600_000, maxConnections: 1, maxMessagesPerConnection: 1,
    socketFactory: ({ host, port }) => { const s = net.connect(port, host); sockets.push(s); return s; },
  });
  cleanups.push(() => { for (const s of sockets) s.destroy(); }, () => server.close());

  // 1: aborted once its end of data is held in the stalled socket: that connection goes on ending.
  const ac = new AbortController();
  const first = pool.sendmail("a@x.test", ["b@y.test"], "hi", [], [], { signal: ac.signal });
  while (sockets[0] === undefined || sockets[0].writableLength === 0) await turn();
  ac.abort(new Error("caller gave up"));
  await assert.rejects(first);
  assert.equal(sockets[0]!.destroyed, false, "the aborted call's connection is still ending");
  // 2: a new connection, retired after its one message: it says QUIT, which the server leaves unanswered.
  await pool.sendmail("a@x.test", ["b@y.test"], "hi");
  while (quits.length === 0) await turn();
  // 3: the server already has two of the pool's connections open (1 x maxConnections extra).
  const third = pool.sendmail("a@x.test", ["b@y.test"], "hi");
  for (let i = 0; i < 200 && server.connections() < 3; i++) await turn();
  assert.equal(server.sockets.size <= 2, true, `the server sees ${server.sockets.size} connections of a pool with maxConnections 1`);
  // The QUIT answered, the third call goes.
  quits[0]!.end("221 bye\r\n");
  await third;
  assert.equal(server.connections(), 3);
  sockets[0]!.destroy();
  await pool.close();
});
