/**
 * SMTPPool with PIPELINING: a 421 closes the connection (RFC 5321 §3.8), and the server
 * reads no command after the one it answered so. A call whose commands went behind that
 * command (its MAIL after another call's "."; with CHUNKING its whole transaction, BDAT LAST
 * and bytes included) was never processed: nothing of it was delivered, so the pool runs
 * it again on another connection, as it does behind an end of data that timed out or a
 * server that hung up. The call the 421 answered is reported to its caller, never run
 * again. (Found by the queue-worker dogfooding review: the call behind failed with "not
 * sent" but was not retried, and over BDAT was reported "may have been delivered".)
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPDataError, SMTPPool } from "../../src/index.js";
import { onCommands } from "../helpers/lines.js";

/**
 * A server whose first connection answers its `closeAt`-th command after EHLO (counted
 * from 1) with a 421 and closes, reading nothing after it; every other command gets its usual reply, and each
 * accepted end of data records its recipient.
 */
async function closingServer(extensions: string[], closeAt: number): Promise<{ port: number; delivered: string[]; close: () => Promise<void> }> {
  const delivered: string[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    const first = connections++ === 0;
    let count = 0;
    let gone = false;
    let inData = false;
    let rcpt = "";
    const reply = (text: string): void => { if (!sock.destroyed) sock.write(`${text}\r\n`); };
    sock.write("220 mx.test ESMTP\r\n");
    onCommands(sock, (line) => {
      // After its 421 the server reads nothing more (RFC 5321 §3.8).
      if (gone || (inData && line !== ".")) return;
      if (/^EHLO/.test(line)) return reply(["250-mx.test", ...extensions.map((e) => `250-${e}`), "250 ENHANCEDSTATUSCODES"].join("\r\n"));
      if (/^QUIT/.test(line)) { reply("221 bye"); sock.end(); return; }
      if (first && ++count === closeAt) { gone = true; reply("421 4.3.2 mx.test closing"); sock.end(); return; }
      if (/^RCPT/.test(line)) rcpt = line;
      if (line === "DATA") { inData = true; return reply("354 go"); }
      if (line === "." || /^BDAT \d+ LAST/.test(line)) { inData = false; delivered.push(rcpt); return reply("250 2.0.0 queued"); }
      reply("250 ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    delivered,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

test("pool: a call whose MAIL went with another call's '.' answered 421 runs again on another connection, delivered once", async () => {
  // Commands on the first connection: MAIL, RCPT, DATA, "." (the 421), then the second call's group.
  const server = await closingServer(["PIPELINING"], 4);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
  try {
    const first = pool.sendmail("a@x.test", "b@x.test", "one\r\n");
    const second = pool.sendmail("a@x.test", "c@x.test", "two\r\n");
    await assert.rejects(first, (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 421);
    assert.deepEqual(await second, new Map());
    assert.deepEqual(server.delivered, ["RCPT TO:<c@x.test>"]);
  } finally {
    await pool.close();
    await server.close();
  }
});

test("pool, BDAT: a call written whole behind the RSET answered 421 runs again on another connection, delivered once", async () => {
  // Commands on the first connection: MAIL, RCPT, BDAT LAST, then RSET (the 421) leading the second call.
  const server = await closingServer(["PIPELINING", "CHUNKING"], 4);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
  try {
    const first = pool.sendmail("a@x.test", "b@x.test", "one\r\n");
    const second = pool.sendmail("a@x.test", "c@x.test", "two\r\n");
    assert.deepEqual(await first, new Map());
    assert.deepEqual(await second, new Map());
    assert.deepEqual(server.delivered, ["RCPT TO:<b@x.test>", "RCPT TO:<c@x.test>"]);
  } finally {
    await pool.close();
    await server.close();
  }
});

test("pool, BDAT: a streamed call whose envelope went behind a BDAT LAST answered 421 runs again on another connection (its stream unread), delivered once", async () => {
  // Commands on the first connection: MAIL, RCPT, BDAT LAST (the 421), then the streamed
  // call's RSET, MAIL and RCPT; its stream is read only once MAIL's reply has come (it was
  // read at once, and the call failed "not sent" without being run again).
  const server = await closingServer(["PIPELINING", "CHUNKING"], 3);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
  async function* streamed(): AsyncGenerator<Buffer> {
    yield Buffer.from("two\r\n");
  }
  try {
    const first = pool.sendmail("a@x.test", "b@x.test", "one\r\n");
    const second = pool.sendmail("a@x.test", "c@x.test", streamed());
    await assert.rejects(first, (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 421);
    assert.deepEqual(await second, new Map());
    assert.deepEqual(server.delivered, ["RCPT TO:<c@x.test>"]);
  } finally {
    await pool.close();
    await server.close();
  }
});

test("pool, BDAT: onProgress of a call run again never goes back: what the first attempt told is not told again", async () => {
  // As above (the RSET leading the second call answered 421); its message is sent in pieces of 128 KiB.
  const server = await closingServer(["PIPELINING", "CHUNKING"], 4);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
  const told: number[] = [];
  try {
    const first = pool.sendmail("a@x.test", "b@x.test", "one\r\n");
    const second = pool.sendmail("a@x.test", "c@x.test", `${"x".repeat(300_000)}\r\n`, [], [], { onProgress: (sent) => { told.push(sent); } });
    assert.deepEqual(await first, new Map());
    assert.deepEqual(await second, new Map());
    assert.deepEqual(server.delivered, ["RCPT TO:<b@x.test>", "RCPT TO:<c@x.test>"]);
    assert.deepEqual(told, [131_072, 262_144, 300_002]);
  } finally {
    await pool.close();
    await server.close();
  }
});
