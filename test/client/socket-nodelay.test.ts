/**
 * The sockets the client opens itself get Nagle's algorithm turned off, as a socketFactory's
 * do (socket-factory-nodelay.test.ts): TCP, and TLS from the first byte (SMTP_SSL), whose
 * `tls.connect` ignored the `noDelay` option the client used to pass (Node 20 makes its
 * TLSSocket without it). Otherwise each pipelined group's second write would wait for the
 * server's delayed ACK. Observed as the calls of `setNoDelay` on the client's socket.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { afterEach, before, it, mock } from "node:test";
import { SMTP, SMTP_SSL } from "../../src/index.js";
import { startDebugServer } from "../../src/server/debug-server.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { LOCAL } from "../helpers/client.js";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});
afterEach(() => mock.restoreAll());

/** Records each setNoDelay call on a socket connected to `port` (the client's, not the server's). */
function watchNoDelay(port: () => number): unknown[] {
  const calls: unknown[] = [];
  const original = net.Socket.prototype.setNoDelay;
  mock.method(net.Socket.prototype, "setNoDelay", function (this: net.Socket, noDelay?: boolean) {
    if (this.remotePort === port()) calls.push(noDelay);
    return original.call(this, noDelay);
  });
  return calls;
}

it("SMTP over TCP: the client's socket gets setNoDelay(true)", async () => {
  await using server = await startDebugServer();
  const calls = watchNoDelay(() => server.port);
  const client = await SMTP.connect(server.host, server.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    assert.deepEqual(calls, [true]);
  } finally {
    await client.quit();
  }
});

it("SMTP_SSL (TLS from the first byte): the client's socket gets setNoDelay(true)", async () => {
  await using server = await startDebugServer({ tls: { cert: certs.cert, key: certs.key, mode: "implicit" } });
  const calls = watchNoDelay(() => server.port);
  const client = await SMTP_SSL.connect(server.host, server.port, { localHostname: LOCAL, timeout: 5000, tls: { ca: certs.ca } });
  try {
    assert.equal(client.tlsInfo?.authorized, true);
    assert.deepEqual(calls, [true]);
  } finally {
    await client.quit();
  }
});
