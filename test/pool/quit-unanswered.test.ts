// SMTPPool.close() with a server that never answers QUIT: an idle connection is hung up on
// QUIT_WAIT_MS after its QUIT (not only when the client's own, longer, timeout expires).

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { lineServer } from "../helpers/line-server.js";

test("close(): an idle connection whose server never answers QUIT is hung up on, and close() resolves", { timeout: 20_000 }, async () => {
  let inData = false;
  const server = await lineServer((sock, line) => {
    if (inData) {
      if (line === ".") { inData = false; sock.write("250 queued\r\n"); }
      return;
    }
    const verb = line.split(/[ :]/)[0]!.toUpperCase();
    if (verb === "QUIT") return; // never answered
    if (verb === "DATA") { inData = true; sock.write("354 go\r\n"); }
    else sock.write("250 ok\r\n");
  });
  // The client's own timeout is far beyond the test's: only the pool's hang-up ends the QUIT.
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", timeout: 600_000 });
  try {
    assert.deepEqual(await pool.sendmail("a@x.test", "b@x.test", "hi\r\n"), new Map());
    await pool.close();
    while (server.sockets.size > 0) await new Promise((r) => setTimeout(r, 5));
    assert.equal(pool.size, 0);
  } finally {
    await server.close();
  }
});
