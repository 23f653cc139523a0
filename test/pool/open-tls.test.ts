/**
 * SMTPPool with `requireTLS`: a connection is secured (STARTTLS) as it is opened, login or
 * not, so that a TLS failure is a failure to open it: the calls waiting for it fail with
 * that error, rather than each trying a connection of its own in turn.
 */

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { SMTPException, SMTPPool } from "../../src/index.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";
import { startPeer } from "../tls/peer.js";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

test("requireTLS without auth, a certificate the pool does not trust: every waiting call fails with the TLS error, one connection tried, not one per call", { timeout: 20_000 }, async () => {
  for (const maxInFlight of [1, 4]) {
    const peer = await startPeer({ keyPair: certs });
    // No `tls: { ca }`: the peer's certificate fails verification at every STARTTLS.
    const pool = new SMTPPool({ host: "127.0.0.1", port: peer.port, maxConnections: 1, maxInFlight, requireTLS: true, localHostname: "pool.test", timeout: 5000 });
    try {
      const results = await Promise.allSettled(["m1", "m2", "m3", "m4"].map((m) => pool.sendmail(`${m}@x.test`, "b@x.test", "hi\r\n")));
      for (const r of results) {
        assert.equal(r.status, "rejected");
        assert.ok(r.reason instanceof SMTPException && /TLS certificate verification failed/.test(r.reason.message), String(r.reason));
      }
      assert.equal(peer.connections(), 1, `maxInFlight ${maxInFlight}: one connection tried`);
      assert.ok(!peer.commands.some((c) => /^(\[tls\] )?MAIL/.test(c)), "nothing sent");
    } finally {
      await pool.close();
      await peer.close();
    }
  }
});

test("requireTLS without auth: the connection says STARTTLS as it opens; the calls then run over TLS, each sent once", { timeout: 20_000 }, async () => {
  const peer = await startPeer({ keyPair: certs });
  const pool = new SMTPPool({ host: "127.0.0.1", port: peer.port, maxConnections: 1, maxInFlight: 2, requireTLS: true, tls: { ca: certs.ca }, localHostname: "pool.test", timeout: 5000 });
  try {
    assert.deepEqual(await Promise.all(["m1", "m2"].map((m) => pool.sendmail(`${m}@x.test`, "b@x.test", "hi\r\n"))), [new Map(), new Map()]);
    assert.equal(peer.connections(), 1);
    assert.deepEqual(peer.commands.slice(0, 3), ["EHLO pool.test", "STARTTLS", "[tls] EHLO pool.test"]);
    assert.deepEqual(peer.commands.filter((c) => /MAIL/.test(c)), ["[tls] MAIL FROM:<m1@x.test> SIZE=4", "[tls] MAIL FROM:<m2@x.test> SIZE=4"]);
  } finally {
    await pool.close();
    await peer.close();
  }
});
