/**
 * SMTPPool: a call that opened a connection of its own because the others were busy, and
 * saw it refused (a server's limit on connections per client: 421 at the greeting), is
 * served by a connection still up, as the calls waiting are, rather than opening more and
 * failing while that connection could take it.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { onLines } from "../helpers/lines.js";

/**
 * Takes one connection at a time (the others get a 421 at the greeting, as Postfix's and
 * Exim's per-client limits answer), with PIPELINING; the reply to the first message's end
 * of data waits until `release()`. `mails` lists each MAIL with its connection's number.
 */
async function oneConnectionServer(): Promise<{ port: number; mails: string[]; connections(): number; firstDataEnd: Promise<void>; mailSeen: (n: number) => Promise<void>; release(): void; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const mails: string[] = [];
  let connections = 0;
  let held: string[] | undefined;
  let sawFirstEnd!: () => void;
  const firstDataEnd = new Promise<void>((resolve) => { sawFirstEnd = resolve; });
  const mailWaiters: { n: number; resolve: () => void }[] = [];
  let first: net.Socket | undefined;
  const reply = (sock: net.Socket, text: string): void => {
    if (held !== undefined) held.push(text);
    else sock.write(text);
  };
  const server = net.createServer((sock) => {
    const n = ++connections;
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    if (first !== undefined && !first.destroyed) {
      sock.end("421 4.7.0 too many connections from your address\r\n");
      return;
    }
    first = sock;
    sock.write("220 mx.test ESMTP\r\n");
    let inData = false;
    let ends = 0;
    onLines(sock, (line) => {
      if (inData) {
        if (line !== ".") return;
        inData = false;
        if (++ends === 1) {
          held = [];
          held.push("250 queued\r\n");
          sawFirstEnd();
        } else reply(sock, "250 queued\r\n");
        return;
      }
      const verb = line.split(/[ :]/)[0]!.toUpperCase();
      if (verb === "EHLO") reply(sock, "250-mx.test\r\n250 PIPELINING\r\n");
      else if (verb === "MAIL") {
        mails.push(`${n} ${line}`);
        for (const w of mailWaiters.filter((x) => x.n <= mails.length)) w.resolve();
        reply(sock, "250 ok\r\n");
      } else if (verb === "DATA") { inData = true; reply(sock, "354 go\r\n"); }
      else if (verb === "QUIT") { sock.end("221 bye\r\n"); }
      else reply(sock, "250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    mails,
    connections: () => connections,
    firstDataEnd,
    mailSeen: (count) => new Promise<void>((resolve) => { if (mails.length >= count) resolve(); else mailWaiters.push({ n: count, resolve }); }),
    release: () => {
      const out = held;
      held = undefined;
      if (out !== undefined && first !== undefined) first.write(out.join(""));
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

test("a call whose own new connection is refused with 421 while another is up and has room runs on that one, sent once; it does not fail", { timeout: 20_000 }, async () => {
  const server = await oneConnectionServer();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 2, maxInFlight: 4, localHostname: "pool.test", timeout: 5000 });
  try {
    const first = pool.sendmail("m1@x.test", "b@x.test", "hi\r\n");
    await server.firstDataEnd;
    // The only connection is busy (its first message's reply held): the second call opens one.
    const second = pool.sendmail("m2@x.test", "b@x.test", "hi\r\n");
    const secondOutcome = second.then(() => "fulfilled", (err: unknown) => `rejected: ${String(err)}`);
    await Promise.race([secondOutcome, server.mailSeen(2)]);
    server.release();
    assert.deepEqual(await first, new Map());
    assert.equal(await secondOutcome, "fulfilled");
    assert.deepEqual(server.mails, ["1 MAIL FROM:<m1@x.test>", "1 MAIL FROM:<m2@x.test>"], "both on the connection that was up, each once");
  } finally {
    await pool.close();
    await server.close();
  }
});
