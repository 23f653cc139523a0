/**
 * A call aborted once its message is all written, its final reply due, closes its
 * connection gracefully: what the socket still holds goes first. A server that has stopped
 * reading (its window full, the connection still open) never takes it, and the graceful
 * close must not wait for ever: the socket (and with it the process, which an open socket
 * keeps alive) would stay until the caller thought of calling `close()` on a client that
 * already says it is not connected. The wait is bounded as a stalled write is (`dataBlock`).
 *
 * The stall is the client socket's own (its writes held, never completed), so the bytes are
 * still in it when the abort comes, whatever the system's buffer sizes.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { once } from "node:events";
import { after, test } from "node:test";
import { SMTP } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

/** Closed after the test, even when it times out (a socket left open would keep this file's process alive). */
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

test("lock-step: aborted after its end of data was handed to a socket the server no longer reads, the call's graceful close still ends (the socket is destroyed after the dataBlock timeout), without close()", { timeout: 20_000 }, async () => {
  let socket: net.Socket | undefined;
  /** From now on the client's socket takes writes and never completes them (a peer that stopped reading). */
  const stall = (): void => {
    const held = socket as unknown as { _write: unknown; _writev: unknown };
    held._write = (): void => undefined;
    held._writev = (): void => undefined;
  };
  const server = await lineServer((sock, line) => {
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 HELP\r\n");
    else if (line === "DATA") {
      stall();
      sock.write("354 go\r\n");
    } else if (line.startsWith("MAIL") || line.startsWith("RCPT")) sock.write("250 ok\r\n");
  });
  cleanups.push(() => socket?.destroy(), () => server.close());
  const client = await SMTP.connect("127.0.0.1", server.port, {
    localHostname: LOCAL, timeout: 300, socketFactory: ({ host, port }) => (socket = net.connect(port, host)),
  });
  const ac = new AbortController();
  const reason = new Error("caller gave up");
  const call = client.sendmail("a@x.test", ["b@y.test"], "hi", [], [], { signal: ac.signal });
  while (socket!.writableLength === 0) await new Promise((r) => setTimeout(r, 5));
  ac.abort(reason);
  await assert.rejects(call, (err) => err === reason);
  assert.equal(client.connected, false);
  if (!socket!.destroyed) await once(socket!, "close");
  assert.equal(socket!.destroyed, true);
});
