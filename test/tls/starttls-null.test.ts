/**
 * `starttls(null)` is Python's `starttls(context=None)`: the constructor's `tls` options
 * apply (here its CA, without which the peer's certificate is not trusted), as with no
 * argument at all; it is not refused as "tls options must be an object".
 */

import assert from "node:assert/strict";
import { before, it } from "node:test";
import { SMTP } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer } from "./peer.js";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

it("starttls(null): the constructor's tls options, the certificate verified with its CA", async () => {
  await withPeer({ keyPair: certs }, async (peer) => {
    const smtp = await SMTP.connect("localhost", peer.port, { localHostname: "client.test", timeout: 10_000, tls: { ca: certs.ca } });
    try {
      const reply = await smtp.starttls(null as unknown as undefined);
      assert.equal(reply.code, 220);
      assert.equal(smtp.tlsInfo?.authorized, true);
      assert.deepEqual(peer.commands, ["EHLO client.test", "STARTTLS"]);
    } finally {
      smtp.close();
    }
  });
});
