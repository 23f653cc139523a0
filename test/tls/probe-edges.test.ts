/**
 * The implicit-TLS probe's edges that the end-to-end tests do not reach: a probe whose
 * signal is already aborted finds no TLS and opens no connection.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { probePort } from "../../src/transport/tls-probe.js";

describe("implicit-TLS probe, cancelled before it starts", () => {
  it("is false and connects nowhere", async () => {
    let connections = 0;
    const server = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const cancel = new AbortController();
      cancel.abort();
      assert.equal((await probePort({ host: "127.0.0.1", port, owner: {} }, cancel.signal)) === "tls", false);
      // a connection the probe made would be accepted by now: a plain TCP round trip after it
      await new Promise<void>((resolve, reject) => {
        const s = net.connect(port, "127.0.0.1", () => s.once("close", () => resolve()));
        s.on("error", reject);
      });
      assert.equal(connections, 1, "only the check's own connection");
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
