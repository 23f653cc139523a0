/**
 * Connection.write(data, false, written): a write the system took at once is told done
 * before write() returns, not a tick later (a body stream's chunks, promises, could put
 * that tick off): on an idle plain socket a small write is taken at once.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { it } from "node:test";
import { Connection } from "../../src/transport/connection.js";

it("a small write on an idle socket: written() is called before write() returns, once", async () => {
  const server = net.createServer((s) => {
    s.on("error", () => undefined);
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  const conn = await Connection.open({ host: "127.0.0.1", port, timeout: 5000, owner: {} }, { data: () => undefined, close: () => undefined });
  try {
    const told: unknown[] = [];
    conn.write(Buffer.from("NOOP\r\n"), false, (err) => told.push(err ?? null));
    assert.deepEqual(told, [null], "told at once");
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(told, [null], "and not again when the socket's own callback comes");
  } finally {
    conn.destroy();
    await new Promise((r) => server.close(r));
  }
});
