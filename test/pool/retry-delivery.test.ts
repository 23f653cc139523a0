/**
 * `delivery` on the error of a pool call run again on another connection (its commands went
 * behind another call's "." answered 421, which the server never processed): when that
 * next attempt fails too, before writing anything (its connection greeted with 554), the
 * message was delivered by no attempt, so the error (the last attempt's) says
 * `"not-delivered"`, as the same failure on the call's first attempt does. Before, it
 * carried no `delivery`, as if the message may have been delivered.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPConnectError, SMTPDataError, SMTPPool } from "../../src/index.js";
import { onCommands } from "../helpers/lines.js";

/**
 * A server whose first connection offers PIPELINING and answers the first "." with a 421,
 * reading nothing after it; every later connection is greeted with 554.
 */
async function closingThenRefusing(): Promise<{ port: number; lines: string[]; close: () => Promise<void> }> {
  const lines: string[] = [];
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    if (connections++ > 0) {
      sock.end("554 5.3.2 mx.test no service\r\n");
      return;
    }
    let gone = false;
    let inData = false;
    const reply = (text: string): void => { if (!sock.destroyed) sock.write(`${text}\r\n`); };
    sock.write("220 mx.test ESMTP\r\n");
    onCommands(sock, (line) => {
      lines.push(line);
      if (gone) return;
      if (inData && line !== ".") return;
      if (/^EHLO/.test(line)) return reply("250-mx.test\r\n250 PIPELINING");
      if (line === "DATA") { inData = true; return reply("354 go"); }
      if (line === ".") { gone = true; reply("421 4.3.2 mx.test closing"); sock.end(); return; }
      reply("250 ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    lines,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); server.close(() => resolve()); }),
  };
}

test("pool: a call run again (written behind a '.' answered 421) whose next connection is refused (554 greeting) fails with that error, not-delivered", async () => {
  const server = await closingThenRefusing();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
  try {
    const first = pool.sendmail("a@x.test", "b@x.test", "one\r\n");
    const second = pool.sendmail("a@x.test", "c@x.test", "two\r\n");
    await assert.rejects(first, (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 421);
    await assert.rejects(second, (err: unknown) => {
      assert.ok(err instanceof SMTPConnectError && err.smtpCode === 554, String(err));
      assert.equal(err.delivery, "not-delivered");
      return true;
    });
    assert.ok(server.lines.indexOf("RCPT TO:<c@x.test>") > server.lines.indexOf("."), "the second call's envelope went behind the '.'");
  } finally {
    await pool.close();
    await server.close();
  }
});
