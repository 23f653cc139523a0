/**
 * A pool whose server cannot be reached: the calls waiting for the connection that failed
 * fail with its error at once, rather than each trying a connection of its own in turn
 * (with a server that never answers, each as slow as the timeout); calls made afterwards try
 * again; and while a connection is still up, a failure elsewhere fails no waiting call.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPPool, SMTPTimeoutError } from "../../src/index.js";
import { lineServer } from "../helpers/line-server.js";

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

test("a connection that fails while another is up fails no waiting call: they are served after all", { timeout: 20_000 }, async () => {
  // Connection 1 holds its first message's 354 until connection 2 (never greeted) has timed
  // out; the calls that waited meanwhile then go on connection 1 and a third connection.
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
    await assert.rejects(second, (err: unknown) => err instanceof SMTPTimeoutError && err.phase === "greeting");
    release();
    assert.deepEqual(await first, new Map());
    for (const call of waiting) assert.deepEqual(await call, new Map());
    assert.equal(silent.connections(), 1);
  } finally {
    await pool.close();
    await good.close();
    await silent.close();
  }
});
