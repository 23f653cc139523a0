/**
 * A pool call aborted once its message is all written, its final reply due, closes its
 * connection gracefully: what the socket still holds goes first (README "Cancelling"),
 * bounded by the `dataBlock` timeout. The pool then drops that connection, which has gone;
 * it used to call the client's `close()` on it, which gives such an end only
 * `CLOSE_GRACE_MS` more: a large message on a slow link lost its end after the caller's
 * abort, although the graceful end was chosen to let it go whole. The pool now lets it end
 * as the client would without `close()`; the pool's own `close()` bounds it as a client's
 * `close()` does, and resolves only once its socket has closed.
 *
 * As in client/abort-close-bounded.test.ts, the stall is the client socket's own (its writes
 * held, never completed), and the timers are mocked: no test here waits for real time.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { after, test, type TestContext } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { CLOSE_GRACE_MS } from "../../src/constants.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

/** Closed after the test, even when it times out (a socket left open would keep this file's process alive). */
const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const cleanup of cleanups) await cleanup();
});

const DATA_BLOCK = 600_000;
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A pool (every timeout {@link DATA_BLOCK} ms) on a server whose DATA 354 stalls the pool's
 * socket: from then on it takes writes and never completes them (a peer that stopped reading).
 */
async function stallingPool(): Promise<{ pool: SMTPPool; socket: () => net.Socket }> {
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
  const pool = new SMTPPool({
    host: "127.0.0.1", port: server.port, localHostname: LOCAL, timeout: DATA_BLOCK, maxConnections: 1,
    socketFactory: ({ host, port }) => (socket = net.connect(port, host)),
  });
  cleanups.push(() => socket?.destroy(), () => server.close());
  return { pool, socket: () => socket! };
}

/** Sends a message through `pool`, aborts it once its end of data is held in the stalled socket, and checks the call's rejection. */
async function abortWhenHeld(pool: SMTPPool, socket: () => net.Socket): Promise<void> {
  const ac = new AbortController();
  const reason = new Error("caller gave up");
  const call = pool.sendmail("a@x.test", ["b@y.test"], "hi", [], [], { signal: ac.signal });
  while (socket()?.writableLength === 0 || socket() === undefined) await turn();
  ac.abort(reason);
  await assert.rejects(call, (err) => err === reason);
  assert.equal(pool.size, 0, "the connection, gone, has left the pool");
}

function mockTimers(t: TestContext): void {
  // Every timer mocked (a real one would be cleared by the mocked clearTimeout in vain).
  t.mock.timers.enable({ apis: ["setTimeout"] });
}

test("pool: a call aborted with its end of data still in the socket: the connection the pool drops goes on sending it (no close() grace), until the dataBlock timeout at most", { timeout: 20_000 }, async (t) => {
  mockTimers(t);
  const { pool, socket } = await stallingPool();
  await abortWhenHeld(pool, socket);
  t.mock.timers.tick(CLOSE_GRACE_MS);
  assert.equal(socket().destroyed, false, "cut short after CLOSE_GRACE_MS: the pool called close() on it");
  t.mock.timers.tick(DATA_BLOCK - CLOSE_GRACE_MS - 1);
  assert.equal(socket().destroyed, false);
  t.mock.timers.tick(1);
  assert.equal(socket().destroyed, true, "destroyed at the dataBlock timeout: the process is not kept alive longer");
  await pool.close();
});

test("pool: close() while a dropped connection still sends an aborted call's end of data gives it a client's close() grace, and resolves only once its socket has closed", { timeout: 20_000 }, async (t) => {
  mockTimers(t);
  const { pool, socket } = await stallingPool();
  await abortWhenHeld(pool, socket);
  let closed = false;
  const closing = pool.close().then(() => { closed = true; });
  t.mock.timers.tick(CLOSE_GRACE_MS - 1);
  for (let i = 0; i < 5; i++) await turn();
  assert.equal(socket().destroyed, false, "what was written still gets its grace");
  assert.equal(closed, false, "close() resolved with a socket of the pool still open");
  t.mock.timers.tick(1);
  assert.equal(socket().destroyed, true, "destroyed once the grace is over");
  await closing;
});

test("pool: close() in the same tick as the abort of a call whose end of data is still in the socket resolves only once that socket has closed", { timeout: 20_000 }, async (t) => {
  mockTimers(t);
  const { pool, socket } = await stallingPool();
  const ac = new AbortController();
  const reason = new Error("caller gave up");
  const call = pool.sendmail("a@x.test", ["b@y.test"], "hi", [], [], { signal: ac.signal });
  while (socket()?.writableLength === 0 || socket() === undefined) await turn();
  ac.abort(reason);
  let closed = false;
  const closing = pool.close().then(() => { closed = true; });
  await assert.rejects(call, (err) => err === reason);
  for (let i = 0; i < 5; i++) await turn();
  assert.equal(socket().destroyed, false, "what was written still gets its grace");
  assert.equal(closed, false, "close() resolved with a socket of the pool still open");
  t.mock.timers.tick(CLOSE_GRACE_MS);
  assert.equal(socket().destroyed, true, "destroyed once the grace is over");
  await closing;
});
