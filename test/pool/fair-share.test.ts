/**
 * Calls made at once, while the pool's connections are being opened, are shared among them
 * (issue #7): the first connection up does not take every waiting call (pipelined behind
 * each other, each a round trip later) while the others, opened at the same time, would
 * carry theirs side by side.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { fairShare } from "../../src/pool/fair-share.js";
import { lineServer } from "../helpers/line-server.js";

const GREETING = "220 mx.test ESMTP\r\n";

test("8 calls at once on 4 connections, the first greeted before the others: 2 messages each, not 5, 1, 1, 1", { timeout: 20_000 }, async () => {
  const mails = new Map<net.Socket, number>();
  const inData = new WeakSet<net.Socket>();
  let firstMail!: () => void;
  const firstMailCame = new Promise<void>((resolve) => { firstMail = resolve; });
  // Never greets by itself: the test greets each connection when it wants.
  const server = await lineServer((sock, line) => {
    if (inData.has(sock)) {
      if (line === ".") { inData.delete(sock); sock.write("250 queued\r\n"); }
      return;
    }
    const verb = line.split(/[ :]/)[0]!.toUpperCase();
    if (verb === "EHLO") sock.write("250-mx.test\r\n250 PIPELINING\r\n");
    else if (verb === "MAIL") {
      mails.set(sock, (mails.get(sock) ?? 0) + 1);
      firstMail();
      sock.write("250 ok\r\n");
    } else if (verb === "DATA") { inData.add(sock); sock.write("354 go\r\n"); }
    else if (verb === "QUIT") sock.end("221 bye\r\n");
    else sock.write("250 ok\r\n");
  }, Infinity);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections: 4 });
  try {
    const sent = Promise.all(Array.from({ length: 8 }, (_, i) => pool.sendmail(`m${i}@x.test`, "b@y.test", "hi\r\n")));
    while (server.sockets.size < 4) await new Promise((resolve) => setTimeout(resolve, 5));
    const [first, ...others] = [...server.sockets];
    first!.write(GREETING);
    // The first connection is up and has taken its calls before any other is greeted.
    await firstMailCame;
    for (const sock of others) sock.write(GREETING);
    await sent;
    assert.deepEqual([...server.sockets].map((s) => mails.get(s) ?? 0), [2, 2, 2, 2]);
  } finally {
    await pool.close();
    await server.close();
  }
});

test("fairShare: maxInFlight once nothing is being opened; else the calls over the connections, at least one", () => {
  const up = (inFlight: number, retired = false): { inFlight: number; retired: boolean } => ({ inFlight, retired });
  assert.equal(fairShare(8, 0, 7, [up(1)]), 8);
  assert.equal(fairShare(8, 3, 4, [up(1)]), 2); // 5 calls over 4 connections
  assert.equal(fairShare(8, 1, 0, [up(1)]), 1);
  assert.equal(fairShare(2, 1, 20, [up(1)]), 2); // never past maxInFlight
  assert.equal(fairShare(8, 1, 3, [up(1), up(5, true)]), 2); // a retired connection takes none
});
