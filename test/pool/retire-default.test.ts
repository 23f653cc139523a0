// SMTPPool's maxMessagesPerConnection defaults to 100: the 101st call goes on a new
// connection, the first one having said QUIT after its 100th message.

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { acceptingServer } from "../helpers/line-server.js";

test("maxMessagesPerConnection defaults to 100: a connection carries 100 messages, then the next goes on a new one", { timeout: 30_000 }, async () => {
  const server = await acceptingServer();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections: 1 });
  try {
    const calls = Array.from({ length: 101 }, (_, i) => pool.sendmail(`m${i}@x.test`, "b@x.test", "hi\r\n"));
    assert.equal((await Promise.all(calls)).length, 101);
    assert.equal(server.mails.length, 101);
    assert.equal(server.connections(), 2);
  } finally {
    await pool.close();
    await server.close();
  }
});
