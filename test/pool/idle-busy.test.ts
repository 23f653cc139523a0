// SMTPPool idleTimeout: a connection still carrying a call is not idle. When one of two
// calls pipelined on it ends, the other's reply still due, its idle clock does not start:
// the connection is neither closed nor left by the pool, and serves the next call.

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { lineServer } from "../helpers/line-server.js";

test("idleTimeout: a connection whose other call's reply is still due is not closed as idle; the next call reuses it", { timeout: 20_000 }, async () => {
  const lines: string[] = [];
  let dataEnds = 0;
  let releaseSecond: (() => void) | undefined;
  let inData = false;
  const server = await lineServer((sock, line) => {
    if (inData) {
      if (line !== ".") return;
      inData = false;
      lines.push(line);
      dataEnds++;
      // The second end of data is answered only when the test says so.
      if (dataEnds === 2) releaseSecond = () => sock.write("250 queued\r\n");
      else sock.write("250 queued\r\n");
      return;
    }
    lines.push(line);
    const verb = line.split(/[ :]/)[0]!.toUpperCase();
    if (verb === "EHLO") sock.write("250-mx.test\r\n250 PIPELINING\r\n");
    else if (verb === "DATA") {
      inData = true;
      sock.write("354 go\r\n");
    } else if (verb === "QUIT") sock.end("221 bye\r\n");
    else sock.write("250 ok\r\n");
  });
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections: 1, maxInFlight: 2, idleTimeout: 20 });
  try {
    const first = pool.sendmail("a@x.test", "b@x.test", "one\r\n");
    const second = pool.sendmail("c@x.test", "d@x.test", "two\r\n");
    assert.deepEqual(await first, new Map());
    // Well past idleTimeout, the second call's reply still due.
    while (releaseSecond === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(pool.size, 1, "the busy connection left the pool as idle");
    releaseSecond();
    assert.deepEqual(await second, new Map());
    assert.deepEqual(await pool.sendmail("e@x.test", "f@x.test", "three\r\n"), new Map());
    assert.equal(server.connections(), 1);
    assert.equal(lines.filter((l) => l === "QUIT").length, 0, "QUIT before the pool was closed");
  } finally {
    await pool.close();
    await server.close();
  }
});
