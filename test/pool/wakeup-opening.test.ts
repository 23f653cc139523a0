/**
 * SMTPPool: a call opening a connection of its own also waits, in its place, for one that a
 * call ending frees. When that release wakes it and its signal aborts before it resumes, the
 * wake-up must go on to the call behind it at once: else that call waits with the freed
 * connection idle (here until the idle timeout, 10 minutes, as the aborted call's own
 * connection never comes up). Through the pool, the abort lands k microtasks after the
 * reply that ends the call ahead is read, for each k in turn (see also
 * turn-queue-opening-abort.test.ts, which drives the queue directly).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { onLines } from "../helpers/lines.js";

/**
 * A server whose first connection speaks SMTP, holding its first answer to an end of data
 * until `release()`; every later connection is never greeted (its opening never ends).
 */
async function server(): Promise<{ port: number; mails: string[]; held(): boolean; release(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const mails: string[] = [];
  let connections = 0;
  let held: (() => void) | undefined;
  let heldOnce = false;
  const srv = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    if (++connections > 1) return;
    sock.write("220 mx.test ESMTP\r\n");
    let inData = false;
    onLines(sock, (line) => {
      if (inData) {
        if (line !== ".") return;
        inData = false;
        const answer = (): void => { sock.write("250 2.0.0 queued\r\n"); };
        if (heldOnce) answer();
        else [heldOnce, held] = [true, answer];
        return;
      }
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === "MAIL") mails.push(line);
      if (verb === "DATA") { inData = true; sock.write("354 go\r\n"); return; }
      if (verb === "QUIT") { sock.end("221 bye\r\n"); return; }
      sock.write(verb === "EHLO" ? "250 mx.test\r\n" : "250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    mails,
    held: () => held !== undefined,
    release: () => { const answer = held; held = undefined; answer?.(); },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      srv.close(() => resolve());
    }),
  };
}

const until = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
};

test("a call opening its own connection, woken for a freed one and aborted before it resumes, passes the wake-up on: the call behind it is served at once", { timeout: 30_000 }, async () => {
  for (let depth = 0; depth < 12; depth++) {
    const peer = await server();
    let abortAfterReply: (() => void) | undefined;
    // The reply that ends A's call is read: B's abort is scheduled `depth` microtasks later.
    const debugOutput = (line: string): void => {
      if (line.startsWith("[1] S: 250 2.0.0 queued") && abortAfterReply !== undefined) {
        const abort = abortAfterReply;
        abortAfterReply = undefined;
        let chain = Promise.resolve();
        for (let k = 0; k < depth; k++) chain = chain.then(() => undefined);
        void chain.then(abort);
      }
    };
    const pool = new SMTPPool({ host: "127.0.0.1", port: peer.port, maxConnections: 2, maxInFlight: 1, idleTimeout: 600_000, localHostname: "pool.test", debugLevel: 1, debugOutput });
    try {
      const a = pool.sendmail("a@x.test", "r@x.test", "a\r\n");
      await until(() => peer.held());
      // B opens the second connection (never greeted) and waits for it, or for the first to be freed.
      const gaveUp = new AbortController();
      const b = pool.sendmail("b@x.test", "r@x.test", "b\r\n", [], [], { signal: gaveUp.signal });
      b.catch(() => undefined);
      // C, with both connections taken, waits behind B.
      const c = pool.sendmail("c@x.test", "r@x.test", "c\r\n");
      await new Promise((r) => setImmediate(r));
      abortAfterReply = () => gaveUp.abort(new Error("B gave up"));
      peer.release();
      assert.deepEqual(await a, new Map());
      const bSettled = await b.then(() => "sent", (e: unknown) => (e instanceof Error ? e.message : String(e)));
      // Either B took the freed connection before its abort (and then failed, or was sent), or
      // it gave up: in no case may C wait for the idle timeout (this test's timeout fails it then).
      assert.deepEqual(await c, new Map(), `B: ${bSettled}; depth ${depth}`);
      assert.ok(peer.mails.includes("MAIL FROM:<c@x.test>"), `depth ${depth}`);
    } finally {
      await pool.close();
      await peer.close();
    }
  }
});
