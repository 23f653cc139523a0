// The certificate helper: the certificates it makes verify (or fail) the way TLS tests expect.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createServer, connect, type TLSSocket } from "node:tls";
import type { AddressInfo } from "node:net";
import { getTestCerts, type KeyPair } from "../helpers/certs.js";

async function handshake(pair: KeyPair, ca: string, servername?: string): Promise<TLSSocket> {
  const server = createServer({ key: pair.key, cert: pair.cert }, (s) => s.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise<TLSSocket>((resolve, reject) => {
      const opts = servername === undefined ? {} : { servername };
      const socket = connect({ host: "127.0.0.1", port, ca, ...opts }, () => {
        socket.end();
        resolve(socket);
      });
      socket.on("error", reject);
    });
  } finally {
    server.close();
  }
}

test("the server certificate verifies against the CA for 127.0.0.1 and localhost", async () => {
  const certs = await getTestCerts();
  const viaIp = await handshake(certs, certs.ca);
  assert.equal(viaIp.authorized, true);
  const viaName = await handshake(certs, certs.ca, "localhost");
  assert.equal(viaName.authorized, true);
});

test("the wrong CA, the wrong host name and a self-signed certificate are refused", async () => {
  const certs = await getTestCerts();
  await assert.rejects(handshake(certs, certs.wrongCa), /unable to verify|self.signed|issuer/i);
  await assert.rejects(handshake(certs.wrongHost, certs.ca, "localhost"), /altnames|Hostname/i);
  await assert.rejects(handshake(certs.selfSigned, certs.ca), /self.signed/i);
});

test("getTestCerts makes the certificates once per process", async () => {
  assert.strictEqual(await getTestCerts(), await getTestCerts());
});
