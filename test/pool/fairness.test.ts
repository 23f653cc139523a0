/**
 * Calls waiting for a connection are served in the order they were made. A waiting call
 * is sometimes woken when it cannot be served yet (another call took the connection
 * that woke it, or opens the one the pool may still open): it waits again
 * in its own place, not behind the calls made after it.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { acceptingServer } from "../helpers/line-server.js";

for (const [maxConnections, maxMessagesPerConnection] of [[1, 1], [1, 3], [2, 2]] as const) {
  test(`calls waiting for a connection are sent in the order they were made (maxConnections ${maxConnections}, maxMessagesPerConnection ${maxMessagesPerConnection}, so connections are retired while calls wait)`, { timeout: 20_000 }, async () => {
    const server = await acceptingServer();
    const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, localHostname: "pool.test", maxConnections, maxInFlight: 1, maxMessagesPerConnection });
    try {
      const count = 12;
      await Promise.all(Array.from({ length: count }, (_, i) => pool.sendmail(`m${i}@x.test`, "b@y.test", "hi\r\n")));
      const order = server.mails.map((line) => Number(/<m(\d+)@/.exec(line)![1]));
      if (maxConnections === 1) {
        assert.deepEqual(order, Array.from({ length: count }, (_, i) => i));
      } else {
        // Two connections run side by side: each call may overtake at most the one on the
        // other connection, never a call made long before it.
        order.forEach((call, position) => assert.ok(Math.abs(call - position) <= 1, `call ${call} sent in position ${position}: ${order.join(",")}`));
      }
    } finally {
      await pool.close();
      await server.close();
    }
  });
}
