/**
 * The pool over PIPELINING + CHUNKING, a large message in memory (over 64 KiB: MAIL, RCPT and
 * `BDAT n LAST` in one write, its bytes after in pieces) written behind a small call. On the
 * first connection the server answers nothing until the large message's bytes are all in,
 * then answers the small call's MAIL (the earliest command unanswered) with 421 and closes
 * (RFC 5321 §3.8: it processes nothing after the command it answered so). The large call's
 * last piece has been handed to the socket but has not drained (the client's socket holds
 * that write back): its MAIL, behind the 421, was never processed, so it runs again on another
 * connection and is delivered once; the small call gets the 421 and is not run again. A pin of
 * the outcome: it is the same whether the replies are read as when the write had drained
 * (`endedAnyway`) or the failed write's error is made from them (`refusalOnClose`): both see
 * the MAIL slot unprocessed (this test fails when `lostAfterEnd` ignores `unprocessed`).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPPool, SMTPSenderRefused } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { KIB } from "../helpers/bdat-scripts.js";
import { onCommands } from "../helpers/lines.js";
import { holdingLastWrite, MESSAGE as LARGE } from "../helpers/undrained-last.js";

/**
 * On its first connection: silent until a BDAT LAST over 64 KiB is all in, then 421 (to the
 * first MAIL) and a close. Later connections accept everything, recording each message's size.
 */
async function server(): Promise<{ port: number; delivered: number[]; connections: () => number; close: () => Promise<void> }> {
  const delivered: number[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const srv = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    const first = connections++ === 0;
    let greeted = false;
    let last: number | undefined;
    const reply = (text: string): void => { if (!sock.destroyed) sock.write(`${text}\r\n`); };
    sock.write("220 mx.test ESMTP\r\n");
    onCommands(sock, (line) => {
      if (/^EHLO/.test(line)) { greeted = true; return reply("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING"); }
      if (/^QUIT/.test(line)) { reply("221 bye"); sock.end(); return; }
      const bdat = /^BDAT (\d+) LAST/i.exec(line);
      if (bdat !== null) { last = Number(bdat[1]); return; }
      if (first && greeted) return; // answered later, with the 421
      reply("250 ok");
    }, {
      chunkEnd: () => {
        if (last === undefined) return;
        const size = last;
        last = undefined;
        if (!first) {
          delivered.push(size);
          reply("250 2.0.0 queued");
        } else if (size > 64 * KIB) {
          reply("421 4.3.2 mx.test shutting down");
          sock.end();
        }
      },
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    delivered,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); srv.close(() => resolve()); }),
  };
}

test("pool, pipelined BDAT: a large call whose last piece was handed over (undrained) behind an earlier call's MAIL answered 421 runs again on another connection, delivered once", { timeout: 30_000 }, async () => {
  const srv = await server();
  let made = 0;
  const socketFactory = (): net.Socket => (made++ === 0 ? holdingLastWrite(srv.port) : net.connect(srv.port, "127.0.0.1"));
  const pool = new SMTPPool({ host: "127.0.0.1", port: srv.port, maxConnections: 1, localHostname: LOCAL, timeout: 10_000, socketFactory });
  try {
    const small = pool.sendmail("a@x.test", "b@x.test", "one\r\n");
    const large = pool.sendmail("a@x.test", "c@x.test", LARGE);
    await assert.rejects(small, (err: unknown) => err instanceof SMTPSenderRefused && err.smtpCode === 421);
    assert.deepEqual(await large, new Map());
    assert.deepEqual(srv.delivered, [LARGE.length]);
    assert.equal(srv.connections(), 2);
  } finally {
    await pool.close();
    await srv.close();
  }
});
