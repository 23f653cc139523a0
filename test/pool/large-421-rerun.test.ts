/**
 * The pool over PIPELINING + CHUNKING with a message large enough to be written in pieces
 * (32 MiB in memory: MAIL, RCPT and `BDAT n LAST` in one write, its bytes after, with
 * back-pressure). The first connection's server stops reading while those pieces are still
 * being written, answers an earlier command with 421 and closes (RFC 5321 §3.8: it reads
 * nothing after the command it answered so).
 *
 * - The 421 answers an earlier call's MAIL: the large call was written behind it, and none
 *   of it was processed. It failed "not-delivered" (`SMTPServerDisconnected` for BDAT) but,
 *   unlike a call whose pieces had all been handed over (or a small one written whole), was
 *   not marked for a rerun, so the pool reported it instead of running it on another
 *   connection. It now runs again, and is delivered once.
 * - The 421 answers the large call's own MAIL: as for a small message (test/pool/retry.test.ts),
 *   `SMTPSenderRefused` 421 reaches the caller and the call is not run again (pinned).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPPool, SMTPSenderRefused } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { onCommands } from "../helpers/lines.js";

const MIB = 1024 * 1024;
/** Far more than the loopback socket buffers hold: its last piece cannot be handed over while the server does not read. */
const LARGE = 32 * MIB;

/**
 * A server offering PIPELINING and CHUNKING. On its first connection it answers nothing
 * until it reads the command line of a BDAT over 1 MiB; it then stops reading (the client's
 * pieces back up), answers the first MAIL (the earliest command unanswered) with 421 and
 * closes. Later connections take every message (BDAT LAST answered once its bytes are in),
 * each recorded by its size.
 */
async function closesOnLarge(): Promise<{ port: number; delivered: number[]; connections: () => number; close: () => Promise<void> }> {
  const delivered: number[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    const first = connections++ === 0;
    let greeted = false;
    let gone = false;
    let last: number | undefined;
    const reply = (text: string): void => { if (!sock.destroyed) sock.write(`${text}\r\n`); };
    sock.write("220 mx.test ESMTP\r\n");
    onCommands(sock, (line) => {
      if (gone) return; // read nothing after the command answered 421
      if (/^EHLO/.test(line)) { greeted = true; return reply("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING"); }
      if (/^QUIT/.test(line)) { reply("221 bye"); sock.end(); return; }
      const bdat = /^BDAT (\d+)( LAST)?/i.exec(line);
      if (first && greeted) {
        if (bdat === null || Number(bdat[1]) <= MIB) return; // answered later (never)
        gone = true;
        sock.pause();
        reply("421 4.3.2 mx.test shutting down");
        sock.end();
        return;
      }
      if (bdat?.[2] !== undefined) { last = Number(bdat[1]); return; } // answered once its bytes are in
      reply("250 ok");
    }, {
      chunkEnd: () => {
        if (gone || last === undefined) return;
        delivered.push(last);
        last = undefined;
        reply("250 2.0.0 queued");
      },
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    delivered,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

test("pool, pipelined BDAT: a large call written behind an earlier call's MAIL answered 421 while its pieces were still going runs again on another connection, delivered once", { timeout: 60_000 }, async () => {
  const server = await closesOnLarge();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: LOCAL, timeout: 20_000 });
  try {
    const small = pool.sendmail("a@x.test", "b@x.test", "one\r\n");
    const large = pool.sendmail("a@x.test", "c@x.test", Buffer.alloc(LARGE, 0x61));
    // The call the 421 answered is reported to its caller, never run again.
    await assert.rejects(small, (err: unknown) => err instanceof SMTPSenderRefused && err.smtpCode === 421);
    assert.deepEqual(await large, new Map());
    assert.deepEqual(server.delivered, [LARGE]);
    assert.equal(server.connections(), 2);
  } finally {
    await pool.close();
    await server.close();
  }
});

test("pin: pool, pipelined BDAT: a large call whose own MAIL is answered 421 while its pieces are still going fails with that 421 (not-delivered) and is not run again", { timeout: 60_000 }, async () => {
  const server = await closesOnLarge();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: LOCAL, timeout: 20_000 });
  try {
    await assert.rejects(pool.sendmail("a@x.test", "c@x.test", Buffer.alloc(LARGE, 0x61)), (err: unknown) =>
      err instanceof SMTPSenderRefused && err.smtpCode === 421 && err.delivery === "not-delivered");
    assert.deepEqual(server.delivered, []);
    assert.equal(server.connections(), 1);
  } finally {
    await pool.close();
    await server.close();
  }
});
