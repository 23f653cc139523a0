/**
 * A call aborted once its message is all written closes its connection gracefully: what
 * was written goes out first (README "Cancelling"), bounded by the dataBlock timeout. The
 * client then says it is not connected, and what a caller does next to clean up (`close()`,
 * which `await using` calls on a client no longer connected) must not cut that end short:
 * the message the caller was told may have been delivered would be lost half way. (`close()`
 * bounds it to `CLOSE_GRACE_MS` more, against a server that stopped reading:
 * abort-close-bounded.test.ts; a pool drops such a connection without `close()`:
 * pool/abort-graceful-end.test.ts.)
 *
 * The socket here hands each write to the system 30 ms late, so the end of data is still
 * in it when the abort and the close come.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTP, SMTPPool } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

type Write = (chunk: unknown, encoding: unknown, cb: (err?: Error | null) => void) => void;

/** A socket whose writes reach the system 30 ms after they are made. */
function lateSocket(port: number, host: string): net.Socket {
  const socket = net.connect(port, host);
  const held = socket as unknown as { _write: Write; _writev: unknown };
  const write = held._write.bind(socket);
  held._writev = null;
  held._write = (chunk, encoding, cb) => void setTimeout(() => write(chunk, encoding, cb), 30);
  return socket;
}

/** A lock-step server that never answers the end of data; `lines` holds what it got. */
async function silentEnd(): Promise<{ port: number; lines: string[]; idle(): Promise<void>; close(): Promise<void> }> {
  const lines: string[] = [];
  const inData = new WeakSet<net.Socket>();
  const server = await lineServer((sock, line) => {
    lines.push(line);
    if (inData.has(sock)) {
      if (line === ".") inData.delete(sock);
      return;
    }
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 HELP\r\n");
    else if (line === "DATA") {
      inData.add(sock);
      sock.write("354 go\r\n");
    } else if (line === "QUIT") sock.end("221 bye\r\n");
    else sock.write("250 ok\r\n");
  });
  const idle = async (): Promise<void> => {
    while (server.sockets.size > 0) await new Promise((r) => setTimeout(r, 5));
  };
  return { port: server.port, lines, idle, close: () => server.close() };
}

test("a call aborted once its message is all written, then close(): the end of data still goes out before the socket closes", { timeout: 20_000 }, async () => {
  const server = await silentEnd();
  const client = await SMTP.connect("127.0.0.1", server.port, {
    localHostname: LOCAL, timeout: 5000, socketFactory: ({ host, port }) => lateSocket(port, host),
  });
  try {
    const ac = new AbortController();
    const reason = new Error("caller gave up");
    // Told the whole size once the end of data is handed to the socket: aborted there.
    const call = client.sendmail("a@x.test", ["b@y.test"], "hi\r\n", [], [], { signal: ac.signal, onProgress: () => ac.abort(reason) });
    await assert.rejects(call, (err) => err === reason);
    assert.equal(client.connected, false);
    client.close();
    await server.idle();
    assert.deepEqual(server.lines.slice(-2), ["hi", "."], "the message went whole");
  } finally {
    client.close();
    await server.close();
  }
});

test("pool: a call aborted once its message is all written: its connection, dropped from the pool, still sends the end of data before it closes", { timeout: 20_000 }, async () => {
  const server = await silentEnd();
  const pool = new SMTPPool({
    host: "127.0.0.1", port: server.port, localHostname: LOCAL, timeout: 5000, socketFactory: ({ host, port }) => lateSocket(port, host),
  });
  try {
    const ac = new AbortController();
    const reason = new Error("caller gave up");
    const call = pool.sendmail("a@x.test", ["b@y.test"], "hi\r\n", [], [], { signal: ac.signal, onProgress: () => ac.abort(reason) });
    await assert.rejects(call, (err) => err === reason);
    await server.idle();
    assert.equal(pool.size, 0);
    assert.deepEqual(server.lines.slice(-2), ["hi", "."], "the message went whole");
  } finally {
    await pool.close();
    await server.close();
  }
});
