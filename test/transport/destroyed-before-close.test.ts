/**
 * Between the moment a socket is destroyed (by Node, on ECONNRESET; by the connection
 * itself, on the server's FIN) and its `close` event, which comes a loop turn later, the
 * connection used to count as open: a write then was "handed over" though nothing could go
 * (the held bytes were dropped without a word), so an end of data written in that window
 * made the call say "the message may have been delivered" (`"unknown"`: a job queue does
 * not send it again, and the message is lost) when not a byte of it had left. A destroyed
 * socket is a closed connection: the write fails, and the message was not sent.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTP, SMTPServerDisconnected } from "../../src/index.js";
import { Connection } from "../../src/transport/connection.js";
import { LOCAL } from "../helpers/client.js";
import { onLines } from "../helpers/lines.js";

test("Connection: a write to a socket destroyed before its close event throws, never dropped unsent", async () => {
  const server = net.createServer((s) => { s.on("error", () => undefined); s.resume(); });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  let socket: net.Socket | undefined;
  try {
    const conn = await Connection.open({
      host: "127.0.0.1", port, timeout: 5000, owner: {},
      socketFactory: () => (socket = net.connect(port, "127.0.0.1")),
    }, { data: () => undefined, close: () => undefined });
    socket!.destroy(); // by its owner (a socketFactory's): the close event comes later
    assert.throws(() => conn.write(Buffer.from("NOOP\r\n")), SMTPServerDisconnected);
    assert.throws(() => conn.hold(Buffer.from("NOOP\r\n")), SMTPServerDisconnected);
  } finally {
    socket?.destroy();
    await new Promise((r) => server.close(r));
  }
});

/**
 * A server that answers DATA with 354 and then hangs up (`fin`: closes its side, reading on;
 * else resets the connection), and a client whose message comes right after its socket saw
 * that (its `end` or `error` event: this listener runs before the connection's own), in the
 * same turn, before the socket's close event.
 */
async function lostAfter354(how: "fin" | "reset"): Promise<{ err: unknown; received: string }> {
  let received = "";
  const server = net.createServer((s) => {
    s.on("error", () => undefined);
    s.on("data", (d: Buffer) => { received += d.toString("latin1"); });
    s.write("220 mx.test ESMTP\r\n");
    onLines(s, (line) => {
      if (line !== "DATA") s.write("250 ok\r\n");
      else if (how === "fin") s.end("354 go\r\n");
      else s.write("354 go\r\n", () => setTimeout(() => s.resetAndDestroy(), 50)); // the 354 read first
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  let gone: Promise<void> = Promise.resolve();
  const client = await SMTP.connect("127.0.0.1", port, {
    localHostname: LOCAL, timeout: 5000,
    socketFactory: () => {
      const socket = net.connect(port, "127.0.0.1");
      gone = new Promise<void>((resolve) => socket.once(how === "fin" ? "end" : "error", () => resolve()));
      return socket;
    },
  });
  try {
    async function* body(): AsyncGenerator<Buffer> {
      await gone;
      yield Buffer.from("hello\r\n");
    }
    const err = await client.sendmail("a@x.test", ["b@y.test"], body()).then(() => undefined, (e: unknown) => e);
    return { err, received };
  } finally {
    client.close();
    await new Promise((r) => server.close(r));
  }
}

for (const how of ["fin", "reset"] as const) {
  test(`sendmail: the server ${how === "fin" ? "closes its side" : "resets the connection"} after 354, just before the message: not-delivered, not 'may have been delivered'`, async () => {
    const { err, received } = await lostAfter354(how);
    assert.ok(err instanceof SMTPServerDisconnected, `expected SMTPServerDisconnected, got ${String(err)}`);
    assert.equal(received.includes("hello"), false, "nothing of the message reached the server");
    assert.equal(err.delivery, "not-delivered", err.message);
    assert.match(err.message, /the message was not sent/);
  });
}
