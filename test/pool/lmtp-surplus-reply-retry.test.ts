/**
 * SMTPPool, LMTP with PIPELINING: a server that sends one reply more after the data than
 * recipients accepted. The call keeps the replies due; the connection closes on the surplus
 * reply, and the call queued behind on that connection, nothing of it written, runs again
 * on another connection (never taking that reply as its MAIL's), and is delivered once.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { lineServer } from "../helpers/line-server.js";

test("pool, LMTP: the call queued behind a transaction answered with a surplus reply after the data runs again on another connection", async () => {
  const delivered: string[] = [];
  const inData = new Map<net.Socket, string[]>();
  let connection = 0;
  const ids = new WeakMap<net.Socket, number>();
  const server = await lineServer((sock, line) => {
    if (!ids.has(sock)) ids.set(sock, ++connection);
    const text = inData.get(sock);
    if (text !== undefined) {
      if (line !== ".") {
        text.push(line);
        return;
      }
      inData.delete(sock);
      delivered.push(text.join("\n"));
      // The first connection counts otherwise: one reply more than the one recipient.
      sock.write(ids.get(sock) === 1 ? "250 2.0.0 delivered\r\n550 5.0.0 surplus\r\n" : "250 2.0.0 delivered\r\n");
      return;
    }
    const verb = line.split(/[ :]/)[0]!.toUpperCase();
    if (verb === "LHLO") sock.write("250-lmtp.test\r\n250 PIPELINING\r\n");
    else if (verb === "DATA") {
      inData.set(sock, []);
      sock.write("354 go\r\n");
    } else if (verb === "QUIT") sock.end("221 bye\r\n");
    else sock.write("250 ok\r\n");
  });
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, protocol: "lmtp", maxConnections: 1, maxInFlight: 2, localHostname: "pool.test" });
  try {
    const first = pool.sendmail("a@x.test", "b@x.test", "first\r\n");
    const second = pool.sendmail("a@x.test", "c@x.test", "second\r\n");
    assert.deepEqual(await first, new Map());
    // Before, its MAIL went behind the first "." and took "550 5.0.0 surplus": SMTPSenderRefused.
    assert.deepEqual(await second, new Map());
    assert.deepEqual(delivered, ["first", "second"], "each delivered once");
    assert.equal(connection, 2, "the second call ran on another connection");
  } finally {
    await pool.close();
    await server.close();
  }
});
