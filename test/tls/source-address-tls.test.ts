/**
 * SMTP_SSL bound to a source address connects to each of the name's addresses in turn
 * (`connectEachAddress`), but the certificate is still checked against the NAME, and the
 * name is what goes out as SNI: never the address the attempt happened to use.
 *
 * The name's addresses come from replacing `dns.lookup` for the test (each test file runs
 * in its own process).
 */

import assert from "node:assert/strict";
import dns from "node:dns";
import { afterEach, before, it, mock } from "node:test";
import { SMTP_SSL } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { withPeer } from "./peer.js";

/** The name the `wrongHost` certificate is for (and only that: no IP address). */
const NAME = "wrong.host.invalid";

type LookupAll = (host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => void;

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});
afterEach(() => mock.restoreAll());

it("SMTP_SSL with sourceAddress and a host name: SNI and the certificate check use the name, not the address connected to", async () => {
  const real = dns.lookup as unknown as LookupAll;
  mock.method(dns, "lookup", ((host, options, callback) => {
    if (host !== NAME) return real(host, options, callback);
    return options.all ? callback(null, [{ address: "127.0.0.1", family: 4 }]) : callback(null, "127.0.0.1", 4);
  }) as LookupAll);
  await withPeer({ keyPair: certs.wrongHost, implicit: true }, async (peer) => {
    const smtp = await SMTP_SSL.connect(NAME, peer.port, {
      localHostname: "client.test", timeout: 10_000, sourceAddress: { host: "127.0.0.1" }, tls: { ca: certs.ca },
    });
    try {
      assert.equal(smtp.tlsInfo?.authorized, true);
      assert.deepEqual(peer.servernames, [NAME]);
    } finally {
      smtp.close();
    }
  });
});
