/**
 * SMTPPool with `protocol: "smtps"`: each connection is TLS from its first byte (SMTP_SSL);
 * calls are sent over it, each once, and a certificate the pool does not trust fails every
 * waiting call with the TLS error, nothing sent.
 */

import assert from "node:assert/strict";
import { before, test } from "node:test";
import { SMTPException, SMTPPool } from "../../src/index.js";
import { startDebugServer } from "../../src/server/debug-server.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

test("smtps: the calls go over implicit TLS, each sent once, logged in", { timeout: 20_000 }, async () => {
  const server = await startDebugServer({ tls: { cert: certs.cert, key: certs.key, mode: "implicit" }, auth: { users: { alice: "pw" } } });
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, protocol: "smtps", tls: { ca: certs.ca }, auth: { user: "alice", password: "pw" }, maxConnections: 1, localHostname: "pool.test", timeout: 5000 });
  try {
    await Promise.all(["m1", "m2", "m3"].map((m) => pool.sendmail(`${m}@x.test`, "b@x.test", `Subject: ${m}\r\n\r\nhi\r\n`)));
    assert.deepEqual(server.messages.map((m) => m.envelope.mailFrom).sort(), ["m1@x.test", "m2@x.test", "m3@x.test"]);
    assert.ok(server.messages.every((m) => m.secure && m.user === "alice"));
  } finally {
    await pool.close();
    await server.close();
  }
});

test("smtps: a certificate the pool does not trust fails every waiting call with the TLS error; nothing is sent", { timeout: 20_000 }, async () => {
  const server = await startDebugServer({ tls: { cert: certs.cert, key: certs.key, mode: "implicit" } });
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, protocol: "smtps", maxConnections: 1, localHostname: "pool.test", timeout: 5000 });
  try {
    const results = await Promise.allSettled(["m1", "m2", "m3"].map((m) => pool.sendmail(`${m}@x.test`, "b@x.test", "hi\r\n")));
    for (const r of results) {
      assert.equal(r.status, "rejected");
      assert.ok(r.reason instanceof SMTPException && /certificate/i.test(r.reason.message), String(r.reason));
    }
    assert.equal(server.messages.length, 0);
  } finally {
    await pool.close();
    await server.close();
  }
});
