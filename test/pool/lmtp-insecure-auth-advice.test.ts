/**
 * A password the client will not send in clear over LMTP: the advice must not be SMTP_SSL,
 * a pool's `protocol: "smtps"` or the CLI's --ssl (there is no LMTP over implicit TLS: each
 * would speak SMTP, or be a usage error with --lmtp), as for an implicit-TLS port (see
 * advice-wording.test.ts): STARTTLS only. Found by the review of the LMTP TLS advice.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { LMTP, SMTPException, SMTPPool } from "../../src/index.js";
import { startDebugServer } from "../../src/server/debug-server.js";
import { describeError } from "../../src/cli/connect.js";

/** Through a socketFactory the link never counts as loopback. */
const socketFactory = ({ host, port }: { host: string; port: number }): net.Socket => net.connect(port, host);
const SERVER = { lmtp: true, auth: { users: { alice: "pw" }, methods: ["PLAIN", "LOGIN"] as ("PLAIN" | "LOGIN")[] } };

test("LMTP login refused in clear: advises STARTTLS, not SMTP_SSL; the CLI's --lmtp wording says --starttls or --require-tls, not --ssl", async () => {
  const debug = await startDebugServer(SERVER);
  const client = new LMTP({ localHostname: "lmtp.test", timeout: 10_000, socketFactory });
  try {
    await client.connect("127.0.0.1", debug.port);
    const err: unknown = await client.login("alice", "pw").then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SMTPException, String(err));
    assert.match(err.message, /Use starttls\(\) \(smtplib speaks LMTP over TLS only with STARTTLS\), or set allowInsecureAuth: true to allow it\.$/);
    assert.doesNotMatch(err.message, /SMTP_SSL/);
    const cli = describeError(err, true, "none");
    assert.match(cli, / Use --starttls or --require-tls \(--ssl is SMTP only\)\.$/);
    const afterStarttls = describeError(err, true, "starttls");
    assert.match(afterStarttls, / The server offers no STARTTLS \(--starttls went on without encryption\), and smtplib speaks LMTP over TLS only with STARTTLS\.$/);
    assert.doesNotMatch(afterStarttls, /use --ssl|\b465\b/);
  } finally {
    client.close();
    await debug.close();
  }
});

test("pool with protocol lmtp, a password it will not send in clear: says requireTLS, not protocol smtps", async () => {
  const debug = await startDebugServer(SERVER);
  const pool = new SMTPPool({ host: "127.0.0.1", port: debug.port, protocol: "lmtp", localHostname: "pool.test", timeout: 10_000, auth: { user: "alice", password: "pw" }, socketFactory });
  try {
    const err: unknown = await pool.sendmail("a@x.test", "b@x.test", "hi\r\n").then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SMTPException, String(err));
    assert.match(err.message, /Set requireTLS: true \(smtplib speaks LMTP over TLS only with STARTTLS\), or allowInsecureAuth: true to allow it: the message was not sent$/);
    assert.doesNotMatch(err.message, /smtps|SMTP_SSL|starttls\(\)/);
  } finally {
    await pool.close();
    await debug.close();
  }
});
