/**
 * SMTPPool: a wake-up is never lost. A call waiting for a connection that is woken (a
 * release) but whose signal aborts before it resumes must pass the wake-up on; otherwise
 * the next waiting call sits until the connection's idle timeout.
 */

import assert from "node:assert/strict";
import type net from "node:net";
import { test } from "node:test";
import { SMTPServer } from "smtp-server";
import { SMTPPool } from "../../src/index.js";

/** A server whose answer to each end of data waits until the test calls `release()`; it records each sender. */
async function gatedServer(): Promise<{ port: number; senders: string[]; held(): number; release(): void; close(): Promise<void> }> {
  const senders: string[] = [];
  const held: (() => void)[] = [];
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ["STARTTLS"], logger: false,
    onMailFrom(address, _session, cb) { senders.push(address.address); cb(); },
    onData(stream, _session, cb) {
      stream.resume();
      stream.on("end", () => held.push(() => cb()));
    },
  });
  // A call aborted while its transaction is written closes its connection: the server's
  // late answers to it may then fail (EPIPE).
  server.on("error", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.server.address() as net.AddressInfo).port,
    senders,
    held: () => held.length,
    release: () => { for (const answer of held.splice(0)) answer(); },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const until = async (check: () => boolean): Promise<void> => {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
};

// The woken call's signal must abort in the microtasks between its wake-up (the release of
// the call ahead, itself aborted here) and its resumption: B is aborted `depth` microtasks
// after A, for each depth in turn.
test("a waiting call woken for a free connection but aborted before it resumes passes the wake-up on: the call behind it is served", { timeout: 60_000 }, async () => {
  const server = await gatedServer();
  try {
    for (let depth = 0; depth < 16; depth++) {
      // A long idle timeout: a lost wake-up would only be made good by it.
      const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, maxInFlight: 1, idleTimeout: 600_000, localHostname: "pool.test" });
      try {
        const first = new AbortController();
        const second = new AbortController();
        const a = pool.deliver("a@x.test", "r@x.test", "a\r\n", [], [], { signal: first.signal });
        a.catch(() => undefined);
        // A's message is all written; its end of data is not answered yet: the connection is busy.
        await until(() => server.held() === 1);
        const b = pool.deliver("b@x.test", "r@x.test", "b\r\n", [], [], { signal: second.signal });
        b.catch(() => undefined);
        const c = pool.sendmail("c@x.test", "r@x.test", "c\r\n");
        c.catch(() => undefined);
        // B and C now wait for the connection.
        await new Promise((r) => setImmediate(r));
        first.abort(new Error("A aborted"));
        let chain = Promise.resolve();
        for (let k = 0; k < depth; k++) chain = chain.then(() => undefined);
        void chain.then(() => second.abort(new Error("B aborted")));
        await assert.rejects(a, /A aborted/);
        await assert.rejects(b, /B aborted/);
        let settled = false;
        const done = c.finally(() => { settled = true; });
        done.catch(() => undefined);
        const deadline = Date.now() + 5_000;
        while (!settled && Date.now() < deadline) {
          server.release();
          await new Promise((r) => setTimeout(r, 5));
        }
        assert.ok(settled, `B aborted ${depth} microtasks after A: C was still waiting 5 s later (a lost wake-up; it waits for the idle timeout)`);
        assert.deepEqual(await done, new Map());
        assert.equal(server.senders.at(-1), "c@x.test");
      } finally {
        server.release();
        await pool.close();
      }
    }
  } finally {
    await server.close();
  }
});
