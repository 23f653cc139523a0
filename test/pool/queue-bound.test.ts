/**
 * SMTPPool's maxQueued: at most that many calls wait for their turn (for the rate limit or
 * for a connection); one more is refused at once with SMTPPoolQueueFull and sends nothing.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { SMTPServer } from "smtp-server";
import { SMTPPool, SMTPPoolQueueFull, type PoolOptions } from "../../src/index.js";

/**
 * A server whose answer to each end of data waits until the test calls `release()`; it
 * records each sender and counts connections.
 */
async function gatedServer(): Promise<{ port: number; senders: string[]; held(): number; connections(): number; release(): void; close(): Promise<void> }> {
  const senders: string[] = [];
  const held: (() => void)[] = [];
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
    onConnect(_session, cb) { connections++; cb(); },
    onMailFrom(address, _session, cb) { senders.push(address.address); cb(); },
    onData(stream, _session, cb) {
      stream.resume();
      stream.on("end", () => held.push(() => cb()));
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.server.address() as net.AddressInfo).port,
    senders,
    held: () => held.length,
    connections: () => connections,
    release: () => { for (const answer of held.splice(0)) answer(); },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const poolFor = (port: number, options: Partial<PoolOptions>): SMTPPool =>
  new SMTPPool({ host: "127.0.0.1", port, maxConnections: 1, maxInFlight: 1, localHostname: "pool.test", ...options });

/** Settles `promise` into "fulfilled", or the rejection's class name. */
const outcome = (promise: Promise<unknown>): Promise<string> => promise.then(() => "fulfilled", (err: unknown) => (err instanceof Error ? err.name : String(err)));

const until = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
};

/**
 * Answers every held end of data until all of `calls` have settled. (Waiting until the
 * last sender has been seen and nothing is held raced: the last call's data could still be
 * on its way, and its answer was then never released.)
 */
async function releaseUntilSettled<T>(server: { release(): void }, calls: Promise<T>[]): Promise<T[]> {
  let settled = false;
  const all = Promise.all(calls).finally(() => { settled = true; });
  while (!settled) {
    server.release();
    await new Promise((r) => setTimeout(r, 5));
  }
  return all;
}

test("maxQueued: with the only connection busy, calls beyond the bound are refused at once with SMTPPoolQueueFull; the others are each sent once", { timeout: 20_000 }, async () => {
  const server = await gatedServer();
  const pool = poolFor(server.port, { maxQueued: 2 });
  try {
    const calls = ["m1", "m2", "m3", "m4", "m5"].map((m) => outcome(pool.sendmail(`${m}@x.test`, "b@x.test", "hi\r\n")));
    // m1 holds the connection (its end of data is not answered yet); m2 and m3 wait for it.
    const refused = await Promise.all(calls.slice(3));
    assert.deepEqual(refused, ["SMTPPoolQueueFull", "SMTPPoolQueueFull"]);
    await until(() => server.held() === 1);
    assert.deepEqual(server.senders, ["m1@x.test"], "refused while the first call was still in flight");
    const rest = calls.slice(0, 3);
    assert.deepEqual(await releaseUntilSettled(server, rest), ["fulfilled", "fulfilled", "fulfilled"]);
    assert.deepEqual(server.senders, ["m1@x.test", "m2@x.test", "m3@x.test"]);
    // The places are free again: two more calls may wait.
    const again = ["m6", "m7", "m8"].map((m) => outcome(pool.sendmail(`${m}@x.test`, "b@x.test", "hi\r\n")));
    assert.deepEqual(await releaseUntilSettled(server, again), ["fulfilled", "fulfilled", "fulfilled"]);
    assert.equal(server.connections(), 1);
  } finally {
    server.release();
    await pool.close();
    await server.close();
  }
});

test("maxQueued counts calls waiting for the rate limit too; a call that gave up (aborted) frees its place", { timeout: 20_000 }, async () => {
  const server = await gatedServer();
  const pool = poolFor(server.port, { maxQueued: 1, maxInFlight: 4, rateLimit: { messages: 1, interval: 60_000 } });
  try {
    const first = pool.sendmail("m1@x.test", "b@x.test", "hi\r\n");
    const gaveUp = new AbortController();
    const second = outcome(pool.deliver("m2@x.test", "b@x.test", "hi\r\n", [], [], { signal: gaveUp.signal }));
    await assert.rejects(pool.sendmail("m3@x.test", "b@x.test", "hi\r\n"), (err: unknown) =>
      err instanceof SMTPPoolQueueFull && err.maxQueued === 1 && /queue is full/.test(err.message));
    gaveUp.abort(new Error("gave up"));
    assert.equal(await second, "Error");
    // Its place is free: this call waits (for the minute-long window) instead of being refused.
    const fourth = outcome(pool.sendmail("m4@x.test", "b@x.test", "hi\r\n"));
    await until(() => server.held() === 1);
    server.release();
    await first;
    await pool.close();
    assert.equal(await fourth, "SMTPException", "rejected by close(), not refused for a full queue");
    assert.deepEqual(server.senders, ["m1@x.test"]);
  } finally {
    server.release();
    await pool.close();
    await server.close();
  }
});

test("maxQueued: 0: a call that would have to wait is refused; one made once a connection is free runs", { timeout: 20_000 }, async () => {
  const server = await gatedServer();
  const pool = poolFor(server.port, { maxQueued: 0 });
  try {
    const first = pool.sendmail("m1@x.test", "b@x.test", "hi\r\n");
    await assert.rejects(pool.sendmail("m2@x.test", "b@x.test", "hi\r\n"), SMTPPoolQueueFull);
    await until(() => server.held() === 1);
    server.release();
    await first;
    const third = pool.sendmail("m3@x.test", "b@x.test", "hi\r\n");
    await until(() => server.held() === 1);
    server.release();
    assert.deepEqual(await third, new Map());
    assert.deepEqual(server.senders, ["m1@x.test", "m3@x.test"]);
  } finally {
    server.release();
    await pool.close();
    await server.close();
  }
  for (const bad of [-1, 1.5, Number.NaN]) assert.throws(() => new SMTPPool({ host: "x", maxQueued: bad }), RangeError, String(bad));
  assert.doesNotThrow(() => new SMTPPool({ host: "x", maxQueued: Number.POSITIVE_INFINITY }));
});

test("maxQueued: a call that waited for the rate limit, then for a connection, counts once: once it has run, its place is free for the next call", { timeout: 20_000 }, async () => {
  const server = await gatedServer();
  const pool = poolFor(server.port, { maxQueued: 1, rateLimit: { messages: 1, interval: 30 } });
  try {
    const first = outcome(pool.sendmail("m1@x.test", "b@x.test", "hi\r\n"));
    // Waits for the rate limit (the window is full), then for the connection m1 holds.
    const second = outcome(pool.sendmail("m2@x.test", "b@x.test", "hi\r\n"));
    await until(() => server.held() === 1);
    await new Promise((r) => setTimeout(r, 100));
    server.release();
    await until(() => server.held() === 1 && server.senders.length === 2);
    // m2 holds the connection now, nothing else waits: m3 may wait in the one place.
    const third = outcome(pool.sendmail("m3@x.test", "b@x.test", "hi\r\n"));
    assert.deepEqual(await releaseUntilSettled(server, [first, second, third]), ["fulfilled", "fulfilled", "fulfilled"]);
    assert.deepEqual(server.senders, ["m1@x.test", "m2@x.test", "m3@x.test"]);
  } finally {
    server.release();
    await pool.close();
    await server.close();
  }
});
