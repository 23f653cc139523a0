// SMTPPool without a port connects to the protocol's own (25 for SMTP), as SMTP.connect
// does for port 0: the port the socketFactory is asked for.

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { acceptingServer } from "../helpers/line-server.js";

test("a pool given no port connects to port 25", { timeout: 20_000 }, async () => {
  const server = await acceptingServer();
  const ports: number[] = [];
  const pool = new SMTPPool({
    host: "mx.example.test", localHostname: "pool.test",
    socketFactory: ({ port }) => {
      ports.push(port);
      return net.connect(server.port, "127.0.0.1");
    },
  });
  try {
    assert.deepEqual(await pool.sendmail("a@x.test", "b@x.test", "hi\r\n"), new Map());
    assert.deepEqual(ports, [25]);
  } finally {
    await pool.close();
    await server.close();
  }
});
