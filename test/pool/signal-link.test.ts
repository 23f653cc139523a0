/**
 * A pool's `signal` option and each call's `{ signal }` are followed only while they are
 * needed: once the calls have ended and the pool is closed, no signal holds anything for
 * them. On Node 20, `AbortSignal.any` leaves a record in each source signal for every
 * signal made from it, dropped only when the source aborts: a pool with a `signal` that
 * linked it with each call's that way grew without end.
 */

import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTP, SMTPPool } from "../../src/index.js";
import { acceptingServer } from "../helpers/line-server.js";

/**
 * The records `AbortSignal.any` has left in `signal` (Node's internal set of the signals
 * made from it); 0 where a Node version keeps no such set.
 */
function dependants(signal: AbortSignal): number {
  const key = Object.getOwnPropertySymbols(signal).find((s) => s.description === "kDependantSignals");
  const set = key === undefined ? undefined : (signal as unknown as Record<symbol, { size?: number } | undefined>)[key];
  return set?.size ?? 0;
}

/** What `signal` still holds: its abort listeners and the records above. */
const held = (signal: AbortSignal): { listeners: number; dependants: number } =>
  ({ listeners: getEventListeners(signal, "abort").length, dependants: dependants(signal) });

const NONE = { listeners: 0, dependants: 0 };

test("a pool's signal and each call's hold nothing once the calls have ended and the pool is closed", { timeout: 20_000 }, async () => {
  const server = await acceptingServer();
  const poolAbort = new AbortController();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections: 2, maxInFlight: 2, signal: poolAbort.signal });
  const callSignals: AbortSignal[] = [];
  const withSignal = (): { signal: AbortSignal } => {
    const { signal } = new AbortController();
    callSignals.push(signal);
    return { signal };
  };
  try {
    // More calls than may run at once, so that some wait for a turn; in-memory and stream bodies.
    await Promise.all(Array.from({ length: 12 }, (_, i) => (i % 2 === 0
      ? pool.sendmail(`m${i}@x.test`, "b@y.test", "hi\r\n", [], [], withSignal())
      : pool.deliver(`m${i}@x.test`, "b@y.test", Readable.from(["hi\r\n"]), [], [], withSignal()))));
    await pool.sendMessage("From: m12@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n", undefined, undefined, [], [], withSignal());
    assert.equal(server.mails.length, 13);
    for (const signal of callSignals) assert.deepEqual(held(signal), NONE);
    await pool.close();
    assert.deepEqual(held(poolAbort.signal), NONE);
  } finally {
    await pool.close();
    await server.close();
  }
});

test("a client's signal option holds nothing for the calls it made with their own signal", { timeout: 20_000 }, async () => {
  const server = await acceptingServer();
  const own = new AbortController();
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test", signal: own.signal });
  try {
    for (let i = 0; i < 5; i++) {
      await client.sendmail("a@x.test", "b@y.test", i % 2 === 0 ? "hi\r\n" : Readable.from(["hi\r\n"]), [], [], { signal: new AbortController().signal });
    }
    // One listener of its own while connected (it closes the connection when aborted).
    assert.deepEqual(held(own.signal), { listeners: 1, dependants: 0 });
    await client.quit();
    assert.deepEqual(held(own.signal), NONE);
  } finally {
    client.close();
    await server.close();
  }
});

test("a pool's signal still aborts a call waiting for its turn and the calls on its connections", { timeout: 20_000 }, async () => {
  const server = await acceptingServer();
  const poolAbort = new AbortController();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections: 1, maxInFlight: 1, signal: poolAbort.signal });
  try {
    let release = (): void => undefined;
    const stalled = new Promise<void>((resolve) => { release = resolve; });
    async function* slowBody(): AsyncGenerator<string> {
      yield "hi\r\n";
      await stalled;
    }
    const onConnection = pool.sendmail("a@x.test", "b@y.test", slowBody(), [], [], { signal: new AbortController().signal });
    while (server.mails.length === 0) await new Promise((r) => setTimeout(r, 5));
    const waiting = pool.sendmail("c@x.test", "b@y.test", "hi\r\n", [], [], { signal: new AbortController().signal });
    const reason = new Error("shutting down");
    poolAbort.abort(reason);
    await assert.rejects(waiting, (err: unknown) => err === reason);
    await assert.rejects(onConnection);
    release();
    assert.deepEqual(server.mails, ["MAIL FROM:<a@x.test>"]);
  } finally {
    await pool.close();
    await server.close();
  }
});

test("one signal given to many pool calls gets one listener from the pool, not one per waiting call (no MaxListenersExceededWarning)", { timeout: 20_000 }, async () => {
  const server = await acceptingServer();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections: 1, maxInFlight: 1, rateLimit: { messages: 20, interval: 600_000 } });
  const shared = new AbortController().signal;
  try {
    // 20 pass the rate limit (one runs, 19 wait for the connection), 10 wait for the limit.
    const calls = Promise.allSettled(Array.from({ length: 30 }, (_, i) => pool.sendmail(`m${i}@x.test`, "b@y.test", "hi\r\n", [], [], { signal: shared })));
    while (server.mails.length === 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(getEventListeners(shared, "abort").length, 1);
    // close() turns away the calls still waiting; those given the connection finish.
    await pool.close();
    const settled = await calls;
    assert.equal(settled.filter((r) => r.status === "fulfilled").length, server.mails.length);
    assert.deepEqual(held(shared), NONE);
  } finally {
    await pool.close();
    await server.close();
  }
});

test("one signal given to many queued calls of one client gets one listener, not one per call (no MaxListenersExceededWarning)", { timeout: 20_000 }, async () => {
  const server = await acceptingServer();
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test" });
  const shared = new AbortController().signal;
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on("warning", onWarning);
  try {
    // Lock-step (no PIPELINING): one call runs, 29 wait for their turn.
    const calls = Promise.allSettled(Array.from({ length: 30 }, (_, i) => client.sendmail(`m${i}@x.test`, "b@y.test", "hi\r\n", [], [], { signal: shared })));
    assert.ok(getEventListeners(shared, "abort").length <= 1, `${getEventListeners(shared, "abort").length} listeners`);
    const settled = await calls;
    assert.deepEqual(settled.map((r) => r.status), Array<string>(30).fill("fulfilled"));
    assert.deepEqual(held(shared), NONE);
    await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
    assert.deepEqual(warnings.filter((w) => w.name === "MaxListenersExceededWarning"), []);
  } finally {
    process.off("warning", onWarning);
    client.close();
    await server.close();
  }
});

test("a pool's signal option gets one listener from the pool, not one per call waiting for a connection or the rate limit, when the calls give no signal of their own", { timeout: 20_000 }, async () => {
  const server = await acceptingServer();
  const poolAbort = new AbortController();
  const pool = new SMTPPool({
    host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections: 1, maxInFlight: 1,
    rateLimit: { messages: 20, interval: 600_000 }, signal: poolAbort.signal,
  });
  try {
    // 20 pass the rate limit (one runs, 19 wait for the connection), 10 wait for the limit.
    const calls = Promise.allSettled(Array.from({ length: 30 }, (_, i) => pool.sendmail(`m${i}@x.test`, "b@y.test", "hi\r\n")));
    while (server.mails.length === 0) await new Promise((r) => setTimeout(r, 5));
    // One shared by the waiting calls and the open connection (see linkSignals).
    assert.equal(getEventListeners(poolAbort.signal, "abort").length, 1);
    await pool.close();
    const settled = await calls;
    assert.equal(settled.filter((r) => r.status === "fulfilled").length, server.mails.length);
    assert.deepEqual(held(poolAbort.signal), NONE);
  } finally {
    await pool.close();
    await server.close();
  }
});
