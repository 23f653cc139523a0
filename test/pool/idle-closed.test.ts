/**
 * SMTPPool: a connection whose server closes it while it is idle (its idle timeout, with
 * or without a 421 first) leaves the pool before the next call looks for one: that call
 * runs on a new connection, sent once.
 */

import assert from "node:assert/strict";
import { once } from "node:events";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { lineServer } from "../helpers/line-server.js";

/** A lock-step server that accepts everything and records each MAIL line. */
async function server_(): Promise<Awaited<ReturnType<typeof lineServer>> & { mails: string[] }> {
  const mails: string[] = [];
  let inData = false;
  const s = await lineServer((sock, line) => {
    if (inData) {
      if (line === ".") { inData = false; sock.write("250 queued\r\n"); }
    } else if (line === "DATA") { inData = true; sock.write("354 go\r\n"); }
    else if (line === "QUIT") sock.end("221 bye\r\n");
    else {
      if (line.startsWith("MAIL")) mails.push(line);
      sock.write("250 ok\r\n");
    }
  });
  return Object.assign(s, { mails });
}

for (const farewell of ["421 4.4.2 mx.test closing: idle too long\r\n", ""]) {
  test(`pool: an idle connection the server closes${farewell ? " with a 421" : ""} is dropped; the next call opens a new one`, { timeout: 20_000 }, async () => {
    const server = await server_();
    const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test", timeout: 3000 });
    try {
      assert.deepEqual(await pool.sendmail("a@x.test", "b@y.test", "one\r\n"), new Map());
      assert.equal(pool.size, 1);
      const [sock] = [...server.sockets];
      // The server leaves; its socket closes once the client has closed its side too.
      sock!.end(farewell);
      await once(sock!, "close");
      assert.deepEqual(await pool.sendmail("c@x.test", "d@y.test", "two\r\n"), new Map());
      assert.deepEqual(server.mails, ["MAIL FROM:<a@x.test>", "MAIL FROM:<c@x.test>"]);
      assert.equal(server.connections(), 2);
      assert.equal(pool.size, 1);
    } finally {
      await pool.close();
      await server.close();
    }
  });
}
