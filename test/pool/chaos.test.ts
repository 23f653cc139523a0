/**
 * Chaos test of SMTPPool: a scripted server on 127.0.0.1 answers per a seeded random plan
 * (accept; refuse recipients; 421 and close at the greeting, at EHLO, mid-transaction or
 * after the end of data; close without a reply; delayed replies) while many calls run at
 * once, some aborted at a random moment, some cut short by close(); about a third of the
 * scenarios speak LMTP, whose server answers each recipient after the data by its own draw
 * (delivered, refused, or the connection closed first). Every scenario is a
 * pure function of its seed (the server's choices are keyed by seed, connection and
 * message, not by arrival order), so a failing seed can be re-run alone:
 *   CHAOS_SEEDS=17,42 node --test build/test/pool/chaos.test.js
 * (CHAOS_LOG=1 prints a failing seed's server transcript.) The server is in
 * test/helpers/chaos-pool-server.ts, a scenario and its invariants in
 * test/helpers/chaos-pool-scenario.ts. The fixed scripts at the end replay what it found.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { onLines } from "../helpers/lines.js";
import { wait, scenario } from "../helpers/chaos-pool-scenario.js";

const seeds = process.env.CHAOS_SEEDS ? process.env.CHAOS_SEEDS.split(",").map(Number) : Array.from({ length: 24 }, (_, k) => k + 1);

test("pool chaos: seeded random servers, aborts and close(); no message lost, duplicated or misreported; limits hold; nothing left behind", { timeout: 30_000 + seeds.length * 3_000 }, async (t) => {
  const failures: string[] = [];
  for (const seed of seeds) {
    await t.test(`seed ${seed}`, { timeout: 20_000 }, async () => {
      const { violations, describe, log } = await scenario(seed);
      if (violations.length > 0) {
        failures.push(`${describe}\n  ${violations.join("\n  ")}`);
        if (process.env.CHAOS_LOG) console.log(log.join("\n"));
      }
      assert.deepEqual(violations, [], describe);
    });
  }
  assert.deepEqual(failures, []);
});

// ---------------------------------------------------------------- fixed scripts for what the chaos found

/**
 * A plain server that counts sockets open at once (a socket counts as closed from the
 * first FIN either side sends), with a late reply to QUIT (`quitDelay`) and to EHLO (`ehloDelay`).
 */
async function plainServer(opts: { quitDelay?: number; ehloDelay?: number }): Promise<{ port: number; open(): number; maxOpen(): number; mails: number[]; close(): Promise<void> }> {
  const open = new Set<net.Socket>();
  const all = new Set<net.Socket>();
  const mails: number[] = [];
  let maxOpen = 0;
  const server = net.createServer((sock) => {
    open.add(sock);
    all.add(sock);
    maxOpen = Math.max(maxOpen, open.size);
    const gone = (): void => { open.delete(sock); };
    sock.on("end", gone);
    sock.on("close", () => { gone(); all.delete(sock); });
    sock.on("error", gone);
    sock.write("220 plain.test ESMTP\r\n");
    let data = false;
    onLines(sock, (line) => {
      if (data) {
        if (line === ".") { data = false; sock.write("250 queued\r\n"); }
        return;
      }
      const verb = line.split(" ")[0]!.toUpperCase();
      if (verb === "EHLO") setTimeout(() => sock.write("250-plain.test\r\n250 PIPELINING\r\n"), opts.ehloDelay ?? 0);
      else if (verb === "MAIL") { mails.push(performance.now()); sock.write("250 ok\r\n"); }
      else if (verb === "DATA") { data = true; sock.write("354 go\r\n"); }
      else if (verb === "QUIT") setTimeout(() => { sock.end("221 bye\r\n"); gone(); }, opts.quitDelay ?? 0);
      else sock.write("250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    open: () => open.size, maxOpen: () => maxOpen, mails,
    close: () => new Promise<void>((resolve) => { for (const s of all) s.destroy(); server.close(() => resolve()); }),
  };
}

// (A retired or idle connection's QUIT no longer holds a maxConnections slot: see goodbye-slot.test.ts.)

test("close() resolves once every connection the pool opened is closed, a retired one too", { timeout: 10_000 }, async () => {
  const server = await plainServer({ quitDelay: 300 });
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, maxMessagesPerConnection: 1, localHostname: "chaos.test" });
  try {
    await pool.sendmail("a@x.test", "b@x.test", "one\r\n"); // retired: QUIT goes out now
    await pool.close();
    await wait(20);
    assert.equal(server.open(), 0, "a socket is still open after close() resolved");
  } finally {
    await pool.close();
    await server.close();
  }
});

test("deliver({ signal }) aborted while its connection says EHLO: nothing of it is sent afterwards", { timeout: 10_000 }, async () => {
  const server = await plainServer({ ehloDelay: 200 });
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "chaos.test" });
  try {
    const abortedAt = performance.now() + 100;
    await assert.rejects(pool.deliver("a@x.test", "b@x.test", "never\r\n", [], [], { signal: AbortSignal.timeout(100) }), { name: "TimeoutError" });
    await wait(300);
    assert.deepEqual(server.mails.filter((t) => t > abortedAt).map((t) => `MAIL ${Math.round(t - abortedAt)} ms after the abort`), []);
  } finally {
    await pool.close();
    await server.close();
  }
});
