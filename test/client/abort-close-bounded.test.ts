/**
 * A call aborted once its message is all written, its final reply due, closes its
 * connection gracefully: what the socket still holds goes first. A server that has stopped
 * reading (its window full, the connection still open) never takes it, and the graceful
 * close must not wait for ever: the socket (and with it the process, which an open socket
 * keeps alive) would stay until the caller thought of calling `close()` on a client that
 * already says it is not connected. The wait is bounded as a stalled write is (`dataBlock`).
 *
 * `close()` right after such an abort: a caller calling `close()` wants the socket gone
 * (Python's `close()` closes it at once), and the process free to exit: the graceful end
 * gets at most `CLOSE_GRACE_MS` more (the shorter of that and `dataBlock`). It used to keep
 * the socket, and with it the process, for the whole `dataBlock` timeout (3 minutes by
 * default).
 *
 * The stall is the client socket's own (its writes held, never completed), so the bytes are
 * still in it when the abort comes, whatever the system's buffer sizes.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { once } from "node:events";
import { after, test } from "node:test";
import { SMTP } from "../../src/index.js";
import { CLOSE_GRACE_MS } from "../../src/constants.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

/** Closed after the test, even when it times out (a socket left open would keep this file's process alive). */
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

/**
 * A client (all timeouts `timeout` ms) on a server whose DATA 354 stalls the client's socket:
 * from then on it takes writes and never completes them (a peer that stopped reading).
 */
async function stallingClient(timeout: number): Promise<{ client: SMTP; socket: () => net.Socket }> {
  let socket: net.Socket | undefined;
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
    localHostname: LOCAL, timeout, socketFactory: ({ host, port }) => (socket = net.connect(port, host)),
  });
  return { client, socket: () => socket! };
}

/** Sends a message, aborts it once its end of data is held in the stalled socket, and checks the call's rejection. */
async function abortWhenHeld(client: SMTP, socket: () => net.Socket, wait: () => Promise<unknown>): Promise<void> {
  const ac = new AbortController();
  const reason = new Error("caller gave up");
  const call = client.sendmail("a@x.test", ["b@y.test"], "hi", [], [], { signal: ac.signal });
  while (socket().writableLength === 0) await wait();
  ac.abort(reason);
  await assert.rejects(call, (err) => err === reason);
  assert.equal(client.connected, false);
}

test("lock-step: aborted after its end of data was handed to a socket the server no longer reads, the call's graceful close still ends (the socket is destroyed after the dataBlock timeout), without close()", { timeout: 20_000 }, async () => {
  const { client, socket } = await stallingClient(300);
  await abortWhenHeld(client, socket, () => new Promise((r) => setTimeout(r, 5)));
  if (!socket().destroyed) await once(socket(), "close");
  assert.equal(socket().destroyed, true);
});

test("lock-step: close() right after a call aborted with its end of data still in a socket the server no longer reads destroys that socket within CLOSE_GRACE_MS, not the dataBlock timeout", { timeout: 20_000 }, async (t) => {
  // Every timer of the client mocked (a real one would be cleared by the mocked clearTimeout in vain).
  t.mock.timers.enable({ apis: ["setTimeout"] });
  // dataBlock far past the grace: only close() can end the socket within it.
  const { client, socket } = await stallingClient(600_000);
  await abortWhenHeld(client, socket, () => new Promise((r) => setImmediate(r)));
  t.mock.timers.tick(CLOSE_GRACE_MS);
  assert.equal(socket().destroyed, false, "without close(), the graceful end waits as long as dataBlock");
  client.close();
  t.mock.timers.tick(CLOSE_GRACE_MS - 1);
  assert.equal(socket().destroyed, false, "what was written still gets its grace");
  t.mock.timers.tick(1);
  assert.equal(socket().destroyed, true, "destroyed once the grace is over");
});
