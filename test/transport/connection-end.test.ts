/**
 * Connection.end() (after QUIT) makes the connection closed at once, before the socket's
 * close event: a write after it is SMTPServerDisconnected, never bytes written after the FIN
 * (Node's "write after end" error, untyped, on the socket).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { it } from "node:test";
import { SMTPServerDisconnected } from "../../src/index.js";
import { Connection } from "../../src/transport/connection.js";

it("end(): closed at once; a write after it throws SMTPServerDisconnected", async () => {
  const server = net.createServer((s) => {
    s.on("error", () => undefined);
    s.resume();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    let closes = 0;
    const conn = await Connection.open({ host: "127.0.0.1", port, timeout: 5000, owner: {} }, {
      data: () => undefined,
      close: () => { closes++; },
    });
    conn.end();
    assert.equal(conn.closed, true);
    assert.throws(() => conn.write(Buffer.from("NOOP\r\n")), (err: unknown) => err instanceof SMTPServerDisconnected && err.message === "Connection unexpectedly closed");
    assert.equal(closes, 0, "the socket's close event had not come yet");
  } finally {
    await new Promise((r) => server.close(r));
  }
});
