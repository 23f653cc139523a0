/**
 * `SMTPPool.sendmail(..., { signal })` and `SMTPPool.sendMessage(..., { signal })` cancel
 * one call as the pool's `deliver(..., { signal })` does: waiting for its turn it rejects at
 * once and sends nothing; on a connection, it is cancelled as the client's call is.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { lineServer } from "../helpers/line-server.js";

/** The message each call sends; sendMessage takes its envelope, a@x.test -> b@y.test, from it. */
const MESSAGE = "From: a@x.test\r\nTo: b@y.test\r\n\r\nbody\r\n";

/** The two calls under test, each sending {@link MESSAGE} from a@x.test to b@y.test. */
const CALLS: readonly (readonly [string, (pool: SMTPPool, signal?: AbortSignal) => Promise<Map<string, unknown>>])[] = [
  ["sendmail", (pool, signal) => pool.sendmail("a@x.test", "b@y.test", MESSAGE, [], [], signal && { signal })],
  ["sendMessage", (pool, signal) => pool.sendMessage(MESSAGE, undefined, undefined, [], [], signal && { signal })],
];

/**
 * A lock-step server that records every command line (and each end of data, "."), and
 * answers each end of data `finalDelay` ms after it arrives; the first `unanswered` never.
 */
async function slowFinal(finalDelay: number, unanswered = 0): Promise<{ port: number; lines: string[]; connections(): number; close(): Promise<void> }> {
  let silent = unanswered;
  const lines: string[] = [];
  const inData = new WeakSet<net.Socket>();
  const server = await lineServer((sock, line) => {
    if (inData.has(sock) && line !== ".") return;
    lines.push(line);
    const verb = line.split(" ")[0]!.toUpperCase();
    if (inData.has(sock)) {
      inData.delete(sock);
      if (silent-- > 0) return;
      setTimeout(() => sock.writable && sock.write("250 queued\r\n"), finalDelay);
    } else if (verb === "DATA") {
      inData.add(sock);
      sock.write("354 go\r\n");
    } else if (verb === "QUIT") sock.end("221 bye\r\n");
    else sock.write("250 ok\r\n");
  });
  return { port: server.port, lines, connections: server.connections, close: server.close };
}

/** Resolves once `lines` holds `count` lines equal to `line`. */
async function seen(lines: readonly string[], line: string, count = 1): Promise<void> {
  while (lines.filter((l) => l === line).length < count) await new Promise((r) => setTimeout(r, 5));
}

for (const [name, call] of CALLS) {
  test(`pool ${name}({ signal }) already aborted rejects with its reason and opens no connection`, async () => {
    const server = await slowFinal(0);
    const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test" });
    try {
      const reason = new Error("cancelled before the call");
      await assert.rejects(call(pool, AbortSignal.abort(reason)), (err: unknown) => err === reason);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(server.connections(), 0);
      assert.equal(pool.size, 0);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test(`pool ${name}({ signal }) aborted while queued for the only connection rejects at once and sends nothing; the pool serves the next call`, async () => {
    // The first call's end of data is answered 3 s late: a rejection well before (seconds of
    // margin for a loaded machine) is the abort's, not the turn that came once it was free.
    const server = await slowFinal(3_000);
    const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, maxInFlight: 1, localHostname: "pool.test" });
    try {
      const first = call(pool);
      await seen(server.lines, "MAIL FROM:<a@x.test>");
      const controller = new AbortController();
      const reason = new Error("not needed");
      const queued = call(pool, controller.signal);
      const started = performance.now();
      controller.abort(reason);
      await assert.rejects(queued, (err: unknown) => err === reason);
      assert.ok(performance.now() - started < 2_500, "cancelled while waiting for the connection, not after it was free");
      assert.equal((await first).size, 0);
      assert.equal((await call(pool)).size, 0);
      assert.equal(server.lines.filter((l) => l.startsWith("MAIL")).length, 2, "the aborted call sent no MAIL");
      assert.equal(server.connections(), 1);
    } finally {
      await pool.close();
      await server.close();
    }
  });

  test(`pool ${name}({ signal }) aborted once its message is all written, its final reply due: rejects at once; its connection is closed, and a call queued behind on it runs on a new connection`, async () => {
    // The first end of data is never answered: before, the connection stayed in the pool,
    // and the call queued behind it waited for that reply (up to dataTermination).
    const server = await slowFinal(0, 1);
    const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
    try {
      const controller = new AbortController();
      const reason = new Error("gave up waiting for the final reply");
      const pending = call(pool, controller.signal);
      const queued = call(pool);
      await seen(server.lines, ".");
      controller.abort(reason);
      await assert.rejects(pending, (err: unknown) => err === reason);
      assert.equal((await queued).size, 0);
      assert.equal(server.connections(), 2, "the queued call ran on a new connection");
      assert.equal(server.lines.filter((l) => l === ".").length, 2, "one end of data per call: none sent twice");
    } finally {
      await pool.close();
      await server.close();
    }
  });
}
