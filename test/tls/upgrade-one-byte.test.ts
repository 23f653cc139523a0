/**
 * Connection.upgrade refuses ANY byte that came after the STARTTLS reply and before the
 * handshake, a single one too (a lone LF after "220 go\r\n" is as much an injection as a
 * forged reply): the connection is closed and the count said.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { before, it } from "node:test";
import { SMTPException } from "../../src/index.js";
import { Connection } from "../../src/transport/connection.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

for (const supplied of [false, true]) {
  it(`one byte after pause() is refused and the socket closed${supplied ? " (socketFactory)" : ""}`, async () => {
    const server = net.createServer((s) => {
      s.on("error", () => undefined);
      s.write("\n");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const socketFactory = supplied ? () => net.connect(port, "127.0.0.1") : undefined;
      const conn = await Connection.open({ host: "127.0.0.1", port, timeout: 5000, owner: {}, ...(socketFactory ? { socketFactory } : {}) }, {
        data: () => undefined,
        close: () => undefined,
      });
      conn.pause();
      // the byte is on its way: wait until it has been read (counted, or held in the stream)
      await new Promise((r) => setTimeout(r, 100));
      await assert.rejects(conn.upgrade({ ca: certs.ca }, 5000), (err: unknown) => {
        assert.ok(err instanceof SMTPException, String(err));
        assert.match(err.message, /^Protocol violation: 127\.0\.0\.1:\d+ sent 1 bytes after agreeing to start TLS, before the handshake \(possible response injection\): connection closed$/);
        return true;
      });
      assert.equal(conn.closed, true);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
}
