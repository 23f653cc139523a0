/**
 * SMTPPool: a connection whose server says 421 while it is idle (an idle timeout, a
 * shutdown), without closing it yet, is not used again: the next call goes through a new
 * connection instead of writing its MAIL to a server that is leaving (RFC 5321 §3.8).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";

/**
 * A lock-step server: on its first connection it follows the reply to the first message's
 * end of data with an unsolicited 421 in the same write, then reads on and answers nothing
 * (nor closes), as a server past its idle limit may before its close arrives.
 */
async function leavingServer(): Promise<{ port: number; mails: string[]; connections: () => number; close: () => Promise<void> }> {
  const mails: string[] = [];
  const sockets = new Set<net.Socket>();
  let count = 0;
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const index = count++;
    let mute = false;
    let inData = false;
    let buffered = "";
    socket.write("220 mx.test ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      let end: number;
      while (!mute && (end = buffered.indexOf("\r\n")) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (inData) {
          if (line !== ".") continue;
          inData = false;
          socket.write(index === 0 ? "250 2.0.0 queued\r\n421 4.4.2 mx.test closing: idle too long\r\n" : "250 2.0.0 queued\r\n");
          mute = index === 0;
        } else if (line.startsWith("MAIL")) {
          mails.push(`${index}: ${line}`);
          socket.write("250 ok\r\n");
        } else if (line === "DATA") {
          inData = true;
          socket.write("354 go\r\n");
        } else if (line === "QUIT") {
          socket.end("221 bye\r\n");
        } else {
          socket.write(line.startsWith("EHLO") ? "250 mx.test\r\n" : "250 ok\r\n");
        }
      }
    });
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    mails,
    connections: () => count,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

test("pool: a 421 that an idle connection's server sends unasked retires it; the next call runs on a new connection, sent once", { timeout: 20_000 }, async () => {
  const server = await leavingServer();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test", timeout: 3000 });
  try {
    assert.deepEqual(await pool.sendmail("a@x.test", "b@y.test", "one\r\n"), new Map());
    assert.deepEqual(await pool.sendmail("c@x.test", "d@y.test", "two\r\n"), new Map());
    assert.deepEqual(server.mails, ["0: MAIL FROM:<a@x.test>", "1: MAIL FROM:<c@x.test>"]);
    assert.equal(server.connections(), 2);
  } finally {
    await pool.close();
    await server.close();
  }
});
