/**
 * A pool whose server cannot be reached: the calls waiting for the connection that failed
 * fail with its error at once, rather than each trying a connection of its own in turn
 * (with a server that never answers, each as slow as the timeout); calls made afterwards try
 * again; and while a connection is still up, a failure elsewhere fails no waiting call.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPException, SMTPPool, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { lineServer, type LineServer } from "../helpers/line-server.js";
import { onLines } from "../helpers/lines.js";

/** Accepts every command and message in lock-step; `holdData` may keep a DATA's 354 back. */
function acceptor(holdData: (sock: net.Socket, go: () => void) => boolean = () => false): (sock: net.Socket, line: string) => void {
  const inData = new WeakSet<net.Socket>();
  return (sock, line) => {
    if (inData.has(sock)) {
      if (line === ".") { inData.delete(sock); sock.write("250 queued\r\n"); }
      return;
    }
    const verb = line.split(/[ :]/)[0]!.toUpperCase();
    if (verb === "DATA") {
      inData.add(sock);
      const go = (): void => void sock.write("354 go\r\n");
      if (!holdData(sock, go)) go();
    } else if (verb === "QUIT") sock.end("221 bye\r\n");
    else sock.write("250 ok\r\n");
  };
}

/** A socketFactory that sends the connections whose number (from 1) is in `silentOnes` to `silent`, the rest to `good`. */
function routeBy(silentOnes: readonly number[], ports: { good: number; silent: number }): () => net.Socket {
  let n = 0;
  return () => net.connect(silentOnes.includes(++n) ? ports.silent : ports.good, "127.0.0.1");
}

test("a server that never greets: every call waiting for the connection fails with its timeout, one connection tried, not one per call", { timeout: 20_000 }, async () => {
  const server = await lineServer(acceptor(), Infinity);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections: 1, timeouts: { greeting: 200 } });
  try {
    const settled = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => pool.sendmail(`m${i}@x.test`, "b@y.test", "hi\r\n")));
    for (const r of settled) {
      assert.ok(r.status === "rejected" && r.reason instanceof SMTPTimeoutError && r.reason.phase === "greeting", String(r.status === "rejected" ? r.reason : r.status));
    }
    assert.equal(server.connections(), 1, "one connection tried for all ten calls");
  } finally {
    await pool.close();
    await server.close();
  }
});

test("after a failure to connect, a new call tries again", { timeout: 20_000 }, async () => {
  const good = await lineServer(acceptor());
  const silent = await lineServer(acceptor(), Infinity);
  const pool = new SMTPPool({ host: "127.0.0.1", port: 25, localHostname: "pool.test", maxConnections: 1, timeouts: { greeting: 200 },
    socketFactory: routeBy([1], { good: good.port, silent: silent.port }) });
  try {
    const failed = await Promise.allSettled([pool.sendmail("a@x.test", "b@y.test", "hi\r\n"), pool.sendmail("a@x.test", "b@y.test", "hi\r\n")]);
    assert.deepEqual(failed.map((r) => r.status), ["rejected", "rejected"]);
    assert.deepEqual(await pool.sendmail("a@x.test", "b@y.test", "hi\r\n"), new Map());
    assert.deepEqual([silent.connections(), good.connections()], [1, 1]);
  } finally {
    await pool.close();
    await good.close();
    await silent.close();
  }
});

test("a connection that fails while another is up fails no call, not even the one that opened it: they are served after all", { timeout: 20_000 }, async () => {
  // Connection 1 holds its first message's 354 until connection 2 (never greeted) has timed
  // out; the calls that waited meanwhile, and the one that opened connection 2 (it used to
  // fail with the timeout), then go on connection 1 and a third connection.
  let release: (() => void) | undefined;
  const good = await lineServer(acceptor((_sock, go) => {
    if (release !== undefined) return false;
    release = go;
    return true;
  }));
  const silent = await lineServer(acceptor(), Infinity);
  const pool = new SMTPPool({ host: "127.0.0.1", port: 25, localHostname: "pool.test", maxConnections: 2, maxInFlight: 1, timeouts: { greeting: 200 },
    socketFactory: routeBy([2], { good: good.port, silent: silent.port }) });
  try {
    const first = pool.sendmail("m0@x.test", "b@y.test", "hi\r\n");
    while (release === undefined) await new Promise((r) => setTimeout(r, 5));
    const second = pool.sendmail("m1@x.test", "b@y.test", "hi\r\n"); // opens connection 2
    const waiting = Array.from({ length: 3 }, (_, i) => pool.sendmail(`w${i}@x.test`, "b@y.test", "hi\r\n"));
    // Connection 2 timed out (the pool closed it): only then does connection 1 go on.
    while (silent.connections() === 0 || silent.sockets.size > 0) await new Promise((r) => setTimeout(r, 5));
    release();
    assert.deepEqual(await first, new Map());
    assert.deepEqual(await second, new Map());
    for (const call of waiting) assert.deepEqual(await call, new Map());
    assert.equal(silent.connections(), 1);
  } finally {
    await pool.close();
    await good.close();
    await silent.close();
  }
});

test("a call whose own connection is still being opened (a server that never greets) takes a connection of the pool that falls idle meanwhile, not the timeout", { timeout: 20_000 }, async () => {
  let release: (() => void) | undefined;
  const mails: string[] = [];
  const accept = acceptor((_sock, go) => {
    if (release !== undefined) return false;
    release = go;
    return true;
  });
  const good = await lineServer((sock, line) => {
    if (line.startsWith("MAIL")) mails.push(line);
    accept(sock, line);
  });
  const silent = await lineServer(acceptor(), Infinity);
  const pool = new SMTPPool({ host: "127.0.0.1", port: 25, localHostname: "pool.test", maxConnections: 2, maxInFlight: 1, timeouts: { greeting: 5_000 },
    socketFactory: routeBy([2], { good: good.port, silent: silent.port }) });
  try {
    const first = pool.sendmail("m0@x.test", "b@y.test", "hi\r\n");
    while (release === undefined) await new Promise((r) => setTimeout(r, 5));
    const second = pool.sendmail("m1@x.test", "b@y.test", "hi\r\n"); // connection 1 busy: opens connection 2, never greeted
    while (silent.connections() === 0) await new Promise((r) => setTimeout(r, 5));
    release(); // connection 1 falls idle: the second call takes it (it used to wait 5 s for connection 2, then fail)
    assert.deepEqual(await first, new Map());
    assert.deepEqual(await second, new Map());
    assert.deepEqual(mails, ["MAIL FROM:<m0@x.test>", "MAIL FROM:<m1@x.test>"], "each message sent once, on connection 1");
    assert.equal(silent.sockets.size, 1, "connection 2 still being opened (for later calls)");
  } finally {
    await pool.close();
    await good.close();
    await silent.close();
  }
});

/**
 * Runs `body`, a test of a connection whose caller gave up while it was being opened, then
 * closes the pool and checks that every connection it opened is closed at the server's end
 * and that no rejection went unhandled. The pool has one connection at most; its first
 * goes to `silent`, which greets only when the test writes a 220 to it; the rest go to
 * `good`. `mails` holds each MAIL line either server received; `firstOpened()` resolves once
 * `silent` has the first connection.
 */
async function abandonedConnect(body: (t: {
  pool: SMTPPool; send: (id: string, signal?: AbortSignal) => Promise<Map<string, unknown>>;
  silent: LineServer; good: LineServer; mails: string[]; firstOpened: () => Promise<void>;
}) => Promise<void>, options: { greeting?: number } = {}): Promise<void> {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  const mails: string[] = [];
  const record = (handle: (sock: net.Socket, line: string) => void) => (sock: net.Socket, line: string): void => {
    if (line.startsWith("MAIL")) mails.push(line);
    handle(sock, line);
  };
  const good = await lineServer(record(acceptor()));
  const silent = await lineServer(record(acceptor()), Infinity);
  const firstOpened = async (): Promise<void> => {
    while (silent.sockets.size === 0) await new Promise((r) => setTimeout(r, 5));
  };
  const pool = new SMTPPool({ host: "127.0.0.1", port: 25, localHostname: "pool.test", maxConnections: 1,
    ...(options.greeting === undefined ? {} : { timeouts: { greeting: options.greeting } }),
    socketFactory: routeBy([1], { good: good.port, silent: silent.port }) });
  const send = (id: string, signal?: AbortSignal): Promise<Map<string, unknown>> => pool.sendmail(`${id}@x.test`, "b@y.test", "hi\r\n", [], [], signal && { signal });
  try {
    await body({ pool, send, silent, good, mails, firstOpened });
    await pool.close();
    // Every socket the pool opened is closed at the server's end too (none left open).
    while (silent.sockets.size + good.sockets.size > 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(unhandled, [], "no unhandled rejection");
  } finally {
    process.off("unhandledRejection", onUnhandled);
    await pool.close();
    await good.close();
    await silent.close();
  }
}

/** Whether `promise` has settled by the time the event loop has turned once more. */
async function settledYet(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  promise.then(() => { settled = true; }, () => { settled = true; });
  await new Promise((r) => setImmediate(r));
  return settled;
}

/**
 * Call A opens connection 1 (not greeted) and aborts once calls B and C queue behind it: A
 * rejects with its reason at once, while B and C wait on. Resolves to B's and C's calls.
 */
async function abortWhileOpening(send: (id: string, signal?: AbortSignal) => Promise<Map<string, unknown>>, firstOpened: () => Promise<void>): Promise<Promise<Map<string, unknown>>[]> {
  const controller = new AbortController();
  const a = send("a", controller.signal);
  await firstOpened();
  const queued = [send("b"), send("c")];
  const reason = new Error("caller A gave up");
  controller.abort(reason);
  // The server has not greeted: A rejects without waiting for the connection to end.
  await assert.rejects(a, (err: unknown) => err === reason);
  for (const call of queued) assert.equal(await settledYet(call), false, "the queued calls wait for the connection A started");
  return queued;
}

test("a connection whose caller aborted, then closed by the server before its greeting: the calls that queued for it fail with that error, nothing is sent, and the next call opens a new connection", { timeout: 20_000 }, async () => {
  await abandonedConnect(async ({ pool, send, silent, good, mails, firstOpened }) => {
    const queued = await abortWhileOpening(send, firstOpened);
    for (const s of silent.sockets) s.destroy();
    for (const call of queued) await assert.rejects(call, (err: unknown) => err instanceof SMTPServerDisconnected && !(err instanceof SMTPTimeoutError));
    assert.equal(pool.size, 0);
    assert.deepEqual(await send("d"), new Map());
    assert.deepEqual(mails, ["MAIL FROM:<d@x.test>"], "only the call made afterwards was sent, once");
    assert.deepEqual([silent.connections(), good.connections()], [1, 1]);
  });
});

test("a connection whose caller aborted, then timed out waiting for the greeting: the calls that queued for it fail with the timeout, and its socket is closed", { timeout: 20_000 }, async () => {
  await abandonedConnect(async ({ pool, send, silent, mails, firstOpened }) => {
    const queued = await abortWhileOpening(send, firstOpened);
    for (const call of queued) await assert.rejects(call, (err: unknown) => err instanceof SMTPTimeoutError && err.phase === "greeting");
    while (silent.sockets.size > 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(pool.size, 0);
    assert.deepEqual(mails, []);
    assert.equal(silent.connections(), 1, "one connection tried for the three calls");
  }, { greeting: 1_000 });
});

test("a connection whose caller aborted, then greeted: it joins the pool and serves the calls that queued for it, each once, on that one connection", { timeout: 20_000 }, async () => {
  await abandonedConnect(async ({ pool, send, silent, good, mails, firstOpened }) => {
    const queued = await abortWhileOpening(send, firstOpened);
    for (const s of silent.sockets) s.write("220 mx.test ESMTP\r\n");
    for (const call of queued) assert.deepEqual(await call, new Map());
    assert.deepEqual(mails.sort(), ["MAIL FROM:<b@x.test>", "MAIL FROM:<c@x.test>"], "A's message was never sent; B's and C's once each");
    assert.equal(pool.size, 1);
    assert.deepEqual([silent.connections(), good.connections()], [1, 0]);
  });
});

test("a connection whose caller aborted with no other call waiting, then greeted: it waits in the pool, idle, and serves the next call; close() says QUIT on it", { timeout: 20_000 }, async () => {
  await abandonedConnect(async ({ pool, send, silent, good, mails, firstOpened }) => {
    const controller = new AbortController();
    const reason = new Error("caller A gave up");
    const a = send("a", controller.signal);
    await firstOpened();
    controller.abort(reason);
    await assert.rejects(a, (err: unknown) => err === reason);
    const quits: string[] = [];
    for (const s of silent.sockets) {
      onLines(s, (line) => void (line === "QUIT" && quits.push(line)));
      s.write("220 mx.test ESMTP\r\n");
    }
    while (pool.size === 0) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(await send("d"), new Map());
    assert.deepEqual(mails, ["MAIL FROM:<d@x.test>"]);
    assert.deepEqual([silent.connections(), good.connections()], [1, 0]);
    await pool.close();
    assert.deepEqual(quits, ["QUIT"]);
  });
});

test("close() while a connection whose caller aborted is still being opened: it resolves, the queued calls reject as the pool is closed, and the connection is closed", { timeout: 20_000 }, async () => {
  await abandonedConnect(async ({ pool, send, silent, mails, firstOpened }) => {
    const queued = await abortWhileOpening(send, firstOpened);
    await pool.close();
    for (const call of queued) await assert.rejects(call, (err: unknown) => err instanceof SMTPException && /The pool is closed/.test(err.message));
    while (silent.sockets.size > 0) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(mails, []);
  });
});
