/**
 * SMTPPool: a call that passed the rate limit and then wrote nothing of its transaction
 * (refused by maxQueued, aborted while waiting for or queued on a connection, refused by a
 * check, no connection to be had) gives its pass back; one that wrote its transaction, or
 * may have written part of it, keeps it, whatever the reply. With `maxQueued: 0` a call that
 * finds the rate window full is refused at once with SMTPPoolQueueFull, so the budget
 * left shows without any clock: the intervals (10 minutes) never end within a test.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { SMTPServer } from "smtp-server";
import { SMTP, SMTPPool, type PoolOptions } from "../../src/index.js";

type Greet = "ok" | "421" | "hold";

/**
 * A server that greets each connection (by its number, from 0) as `greet` says, and
 * answers each end of data with 250, 554, or (`hold`) only when the test calls
 * `release()`; it records each sender.
 */
async function server(greet: (connection: number) => Greet, data: () => "ok" | "554" | "hold"): Promise<{
  port: number; senders: string[]; connections(): number; held(): number; release(): void; close(): Promise<void>;
}> {
  const senders: string[] = [];
  const held: (() => void)[] = [];
  let connections = 0;
  const smtp = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
    onConnect(_session, cb) {
      const how = greet(connections++);
      if (how === "421") cb(Object.assign(new Error("busy"), { responseCode: 421 }));
      else if (how === "ok") cb();
    },
    onMailFrom(address, _session, cb) { senders.push(address.address); cb(); },
    onData(stream, _session, cb) {
      stream.resume();
      stream.on("end", () => {
        const how = data();
        if (how === "554") cb(Object.assign(new Error("refused"), { responseCode: 554 }));
        else if (how === "hold") held.push(() => cb());
        else cb();
      });
    },
  });
  // A client that closes mid-message (an abort) resets its connection: smtp-server reports
  // that as an "error" event, which with no listener would be an uncaught exception.
  smtp.on("error", () => undefined);
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
  return {
    port: (smtp.server.address() as net.AddressInfo).port,
    senders,
    connections: () => connections,
    held: () => held.length,
    release: () => { for (const answer of held.splice(0)) answer(); },
    close: () => new Promise<void>((r) => smtp.close(() => r())),
  };
}

type Server = Awaited<ReturnType<typeof server>>;

/** Runs `fn` with a server as {@link server} and a pool on it (`maxQueued: 0` unless told), then closes both. */
async function withPool(
  greet: (connection: number) => Greet, data: () => "ok" | "554" | "hold", options: Partial<PoolOptions>,
  fn: (pool: SMTPPool, s: Server) => Promise<void>,
): Promise<void> {
  const s = await server(greet, data);
  const pool = new SMTPPool({ host: "127.0.0.1", port: s.port, maxQueued: 0, localHostname: "pool.test", timeout: 5000, ...options });
  try {
    await fn(pool, s);
  } finally {
    await pool.close();
    await s.close();
  }
}

/** Settles `promise` into "fulfilled", or the rejection's class name (and SMTP code). */
const outcome = (promise: Promise<unknown>): Promise<string> => promise.then(
  () => "fulfilled",
  (err: unknown) => (err instanceof Error ? `${err.name}${"smtpCode" in err ? ` ${String(err.smtpCode)}` : ""}` : String(err)),
);

const until = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
};

const send = (pool: SMTPPool, sender: string): Promise<string> => outcome(pool.sendmail(`${sender}@x.test`, "b@x.test", "hi\r\n"));

test("rate limit: a call refused by maxQueued while waiting for a connection gives its pass back", { timeout: 20_000 }, async () => {
  let hold = true;
  await withPool(() => "ok", () => (hold ? "hold" : "ok"), { maxConnections: 1, maxInFlight: 1, rateLimit: { messages: 2, interval: 600_000 } }, async (pool, s) => {
    const first = send(pool, "m1");
    await until(() => s.held() === 1);
    // m2 passes the rate limit (2 per interval), then finds the only connection busy.
    assert.equal(await send(pool, "m2"), "SMTPPoolQueueFull");
    hold = false;
    s.release();
    assert.equal(await first, "fulfilled");
    assert.equal(await send(pool, "m3"), "fulfilled", "m2's pass was given back");
    assert.deepEqual(s.senders, ["m1@x.test", "m3@x.test"]);
  });
});

test("rate limit: a call aborted while its connection was being opened gives its pass back", { timeout: 20_000 }, async () => {
  await withPool((n) => (n === 0 ? "hold" : "ok"), () => "ok", { maxConnections: 2, rateLimit: { messages: 1, interval: 600_000 } }, async (pool, s) => {
    const giveUp = new AbortController();
    const first = outcome(pool.deliver("m1@x.test", "b@x.test", "hi\r\n", [], [], { signal: giveUp.signal }));
    await until(() => s.connections() === 1);
    giveUp.abort(new Error("gave up"));
    assert.equal(await first, "Error");
    // The first connection is still being opened (no greeting yet): m2 opens the second.
    assert.equal(await send(pool, "m2"), "fulfilled", "m1's pass was given back");
    assert.deepEqual(s.senders, ["m2@x.test"]);
  });
});

test("rate limit: a call whose every connection was refused with 421 at the greeting gives its pass back", { timeout: 20_000 }, async () => {
  // maxConnections 1: a call tries 2 connections (maxConnections + 1) before it gives up.
  await withPool((n) => (n < 2 ? "421" : "ok"), () => "ok", { maxConnections: 1, rateLimit: { messages: 1, interval: 600_000 } }, async (pool, s) => {
    assert.equal(await send(pool, "m1"), "SMTPConnectError 421");
    assert.equal(s.connections(), 2);
    assert.equal(await send(pool, "m2"), "fulfilled", "m1's pass was given back");
    assert.deepEqual(s.senders, ["m2@x.test"]);
  });
});

test("rate limit: a call refused after its transaction was written (554 to the end of data) keeps its pass", { timeout: 20_000 }, async () => {
  await withPool(() => "ok", () => "554", { maxConnections: 1, rateLimit: { messages: 1, interval: 600_000 } }, async (pool, s) => {
    assert.equal(await send(pool, "m1"), "SMTPDataError 554");
    // The message may count against the server's own limits: the window stays full.
    assert.equal(await send(pool, "m2"), "SMTPPoolQueueFull");
    assert.deepEqual(s.senders, ["m1@x.test"]);
  });
});

/**
 * Runs `fn` with `SMTP.prototype.deliver` wrapped to count its calls (`calls()`): a pool
 * call counted there has been handed to its connection's client.
 */
async function countingDeliver(fn: (calls: () => number) => Promise<void>): Promise<void> {
  const deliver = SMTP.prototype.deliver;
  let calls = 0;
  SMTP.prototype.deliver = function (this: SMTP, ...args: Parameters<SMTP["deliver"]>) {
    calls++;
    return deliver.apply(this, args);
  };
  try {
    await fn(() => calls);
  } finally {
    SMTP.prototype.deliver = deliver;
  }
}

test("rate limit: a call aborted while queued on its connection, before its turn, gives its pass back", { timeout: 20_000 }, async () => {
  let hold = true;
  // Lock-step (no pipelining): m1 holds its connection until the reply to its end of data.
  const options = { maxConnections: 1, maxInFlight: 2, pipelining: false, rateLimit: { messages: 2, interval: 600_000 } };
  await withPool(() => "ok", () => (hold ? "hold" : "ok"), options, async (pool, s) => {
    await countingDeliver(async (calls) => {
      const first = send(pool, "m1");
      await until(() => s.held() === 1);
      const giveUp = new AbortController();
      const queued = outcome(pool.deliver("m2@x.test", "b@x.test", "hi\r\n", [], [], { signal: giveUp.signal }));
      // m2 is on the connection, behind m1: its client has it, and has written nothing of it.
      await until(() => calls() === 1);
      giveUp.abort(new Error("gave up"));
      assert.equal(await queued, "Error");
      // m3 passes the rate limit (m1 and m3: 2 per interval) and queues behind m1.
      const third = send(pool, "m3");
      hold = false;
      s.release();
      assert.equal(await first, "fulfilled");
      assert.equal(await third, "fulfilled", "m2's pass was given back");
      assert.deepEqual(s.senders, ["m1@x.test", "m3@x.test"]);
    });
  });
});

test("rate limit: a call aborted while its message is being written keeps its pass", { timeout: 20_000 }, async () => {
  await withPool(() => "ok", () => "ok", { maxConnections: 1, rateLimit: { messages: 1, interval: 600_000 } }, async (pool, s) => {
    const giveUp = new AbortController();
    // A body stream that yields nothing until the call is aborted: MAIL, RCPT and DATA go.
    async function* stalled(): AsyncGenerator<string> {
      await new Promise((resolve) => giveUp.signal.addEventListener("abort", resolve));
      yield "never\r\n";
    }
    const first = outcome(pool.deliver("m1@x.test", "b@x.test", stalled(), [], [], { signal: giveUp.signal }));
    await until(() => s.senders.length === 1);
    giveUp.abort(new Error("gave up"));
    assert.equal(await first, "Error");
    // Its MAIL went: the message may count against the server's limits, so the window stays full.
    assert.equal(await send(pool, "m2"), "SMTPPoolQueueFull");
    assert.deepEqual(s.senders, ["m1@x.test"]);
  });
});

test("rate limit: a call refused by a check on its connection before any byte of its transaction (BINARYMIME without CHUNKING) gives its pass back", { timeout: 20_000 }, async () => {
  await withPool(() => "ok", () => "ok", { maxConnections: 1, rateLimit: { messages: 1, interval: 600_000 } }, async (pool, s) => {
    // A bad argument never reaches the limit (bad-arguments.test.ts); this check needs the server's EHLO.
    assert.equal(await outcome(pool.sendmail("m1@x.test", "b@x.test", "hi\r\n", ["BODY=BINARYMIME"])), "SMTPNotSupportedError");
    assert.equal(await send(pool, "m2"), "fulfilled", "m1's pass was given back");
    assert.deepEqual(s.senders, ["m2@x.test"]);
  });
});
