/**
 * SMTPPool's maxQueued and calls opening a connection of their own. Such a call is not
 * counted (it holds one of `maxConnections`: there are never more of them than that, and
 * counting them would have `maxQueued: 0` refuse the first call on a pool with no
 * connection up), yet it has been let in: when its new connection is refused (a 421
 * greeting) and it must wait for another, it is never turned away for a full queue (a call
 * let in "waits as needed", and one whose connection went before anything was written runs
 * on another).
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { SMTPServer } from "smtp-server";
import { SMTPPool } from "../../src/index.js";

/**
 * A server whose answer to each end of data waits until the test calls `release()`; it
 * records each sender, and greets the connections whose numbers (from 1) are in `busy`
 * with 421 (it then closes them).
 */
async function gatedServer(busy: readonly number[]): Promise<{ port: number; senders: string[]; held(): number; connections(): number; release(): void; close(): Promise<void> }> {
  const senders: string[] = [];
  const held: (() => void)[] = [];
  let connections = 0;
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
    onConnect(_session, cb) {
      connections++;
      if (!busy.includes(connections)) return cb();
      cb(Object.assign(new Error("too busy, try later"), { responseCode: 421 }));
    },
    onMailFrom(address, _session, cb) { senders.push(address.address); cb(); },
    onData(stream, _session, cb) {
      stream.resume();
      stream.on("end", () => held.push(() => cb()));
    },
  });
  server.on("error", () => undefined);
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

/** Settles `promise` into "sent", or the rejection's class name and message. */
const outcome = (promise: Promise<unknown>): Promise<string> => promise.then(() => "sent", (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err)));

const until = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
};

/** Answers every held end of data until all of `calls` have settled. */
async function releaseUntilSettled<T>(server: { release(): void }, calls: Promise<T>[]): Promise<T[]> {
  let settled = false;
  const all = Promise.all(calls).finally(() => { settled = true; });
  while (!settled) {
    server.release();
    await new Promise((r) => setTimeout(r, 5));
  }
  return all;
}

test("maxQueued: a call whose own new connection is greeted with 421 waits for another as needed: it is not refused as SMTPPoolQueueFull", { timeout: 20_000 }, async () => {
  const server = await gatedServer([2]);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 2, maxInFlight: 1, maxQueued: 1, localHostname: "pool.test", timeout: 5000 });
  try {
    const m1 = outcome(pool.sendmail("m1@x.test", "b@x.test", "hi\r\n"));
    // m1 holds the first connection (its end of data is not answered yet).
    await until(() => server.held() === 1);
    // m2 opens the second connection (not counted: it waits for no one); m3, with both
    // connections taken, waits in the one place.
    const m2 = outcome(pool.sendmail("m2@x.test", "b@x.test", "hi\r\n"));
    const m3 = outcome(pool.sendmail("m3@x.test", "b@x.test", "hi\r\n"));
    // m2's connection is greeted with 421, which wakes m3: it opens a third connection, and
    // holds it (its end of data unanswered), still counted until then. m2 must now wait
    // for a connection still up, with m3 in the one place, and is not refused for it.
    await until(() => server.held() === 2);
    assert.equal(server.connections(), 3);
    assert.deepEqual(await releaseUntilSettled(server, [m1, m2, m3]), ["sent", "sent", "sent"]);
    assert.deepEqual([...server.senders].sort(), ["m1@x.test", "m2@x.test", "m3@x.test"]);
  } finally {
    server.release();
    await pool.close();
    await server.close();
  }
});

test("maxQueued: 0: calls that open connections of their own are not counted (each runs); one that would wait is refused", { timeout: 20_000 }, async () => {
  const server = await gatedServer([]);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 2, maxInFlight: 1, maxQueued: 0, localHostname: "pool.test", timeout: 5000 });
  try {
    // Made at once: each of the first two opens a connection of its own, the third would wait.
    const calls = ["m1", "m2", "m3"].map((m) => outcome(pool.sendmail(`${m}@x.test`, "b@x.test", "hi\r\n")));
    assert.match(await calls[2]!, /^SMTPPoolQueueFull/);
    assert.deepEqual(await releaseUntilSettled(server, calls.slice(0, 2)), ["sent", "sent"]);
    assert.deepEqual([...server.senders].sort(), ["m1@x.test", "m2@x.test"]);
    assert.equal(server.connections(), 2);
  } finally {
    server.release();
    await pool.close();
    await server.close();
  }
});
