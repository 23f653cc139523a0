/**
 * The advice in the errors of a pool's connections names the pool's options (`protocol`,
 * `requireTLS`), not the client's classes and methods (`SMTP_SSL`, `starttls()`), which a
 * pool's user never calls; and, for LMTP, which has no implicit TLS, never `protocol: "smtps"`
 * or `SMTP_SSL`.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { before, test } from "node:test";
import { LMTP, SMTPConnectError, SMTPException, SMTPPool, type PoolOptions } from "../../src/index.js";
import { startDebugServer, type DebugServerOptions } from "../../src/server/debug-server.js";
import { getTestCerts, type TestCerts } from "../helpers/certs.js";

let certs: TestCerts;
before(async () => {
  certs = await getTestCerts();
});

/** The error of one send through a pool made with `options` to a debugging server made with `server`. */
async function poolError(server: DebugServerOptions, options: Omit<PoolOptions, "host" | "port">): Promise<SMTPException> {
  const debug = await startDebugServer(server);
  const pool = new SMTPPool({ host: "127.0.0.1", port: debug.port, localHostname: "pool.test", timeout: 10_000, ...options });
  try {
    const err: unknown = await pool.sendmail("a@x.test", "b@x.test", "hi\r\n").then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SMTPException, String(err));
    return err;
  } finally {
    await pool.close();
    await debug.close();
  }
}

test("pool: protocol smtps to a plain-text port says to use protocol smtp with requireTLS, not SMTP_SSL", async () => {
  const err = await poolError({}, { protocol: "smtps" });
  assert.match(err.message, /plain-text SMTP port .*: use protocol: "smtp" with requireTLS: true instead of "smtps"/);
  assert.doesNotMatch(err.message, /SMTP_SSL|starttls\(\)/);
});

test("pool: protocol smtp to an implicit-TLS port says to use protocol smtps, not SMTP_SSL", { timeout: 20_000 }, async () => {
  const err = await poolError({ tls: { cert: certs.cert, key: certs.key, mode: "implicit" } }, {});
  assert.match(err.message, /implicit-TLS port .*: use protocol: "smtps"/);
  assert.doesNotMatch(err.message, /SMTP_SSL/);
  assert.ok(err instanceof SMTPConnectError && err.smtpCode === -1, String(err));
  assert.match(err.smtpError, /use protocol: "smtps"/, "smtpError (the client's own text) says the same");
  assert.match(err.stack ?? "", /use protocol: "smtps"/, "and so does the stack");
});

test("pool: protocol lmtp to an implicit-TLS port says to connect to an LMTP port with STARTTLS and requireTLS, not protocol smtps (there is no LMTP over implicit TLS)", { timeout: 20_000 }, async () => {
  const err = await poolError({ lmtp: true, tls: { cert: certs.cert, key: certs.key, mode: "implicit" } }, { protocol: "lmtp" });
  const advice = "this looks like an implicit-TLS port, and smtplib speaks LMTP over TLS only with STARTTLS: connect to an LMTP port of the server that offers STARTTLS, with requireTLS: true";
  assert.ok(err instanceof SMTPConnectError && err.smtpCode === -1, String(err));
  assert.ok(err.message.endsWith(`sent no greeting but completes a TLS handshake: ${advice}: the message was not sent`), err.message);
  assert.doesNotMatch(err.message, /smtps|SMTP_SSL|\b465\b/);
});

test("LMTP to an implicit-TLS port: the same advice, not SMTP_SSL (which is SMTP only)", { timeout: 20_000 }, async () => {
  const debug = await startDebugServer({ lmtp: true, tls: { cert: certs.cert, key: certs.key, mode: "implicit" } });
  try {
    const err: unknown = await LMTP.connect("127.0.0.1", debug.port, { localHostname: "lmtp.test", timeout: 10_000 }).then((c) => c.close(), (e: unknown) => e);
    assert.ok(err instanceof SMTPConnectError && err.smtpCode === -1, String(err));
    assert.match(err.message, /implicit-TLS port, and smtplib speaks LMTP over TLS only with STARTTLS: connect to an LMTP port of the server that offers STARTTLS, with requireTLS: true$/);
    assert.doesNotMatch(err.message, /SMTP_SSL|\b465\b/);
  } finally {
    await debug.close();
  }
});

test("pool: requireTLS to a server without STARTTLS says where to look, as protocol smtps, not SMTP_SSL", async () => {
  const err = await poolError({}, { requireTLS: true });
  assert.match(err.message, /does not offer STARTTLS: .*Look for a port of the server that offers TLS: 587 with STARTTLS, or 465 with protocol: "smtps" \(TLS from the first byte\)/);
  assert.doesNotMatch(err.message, /SMTP_SSL/);
});

test("pool: auth where AUTH comes only after STARTTLS says to set requireTLS, not to call starttls()", async () => {
  const err = await poolError({ tls: { cert: certs.cert, key: certs.key }, auth: { users: { alice: "pw" } } }, { auth: { user: "alice", password: "pw" } });
  assert.match(err.message, /offers STARTTLS.*: set requireTLS: true: the message was not sent$/);
  assert.doesNotMatch(err.message, /starttls\(\)|login\(\)/);
});

test("pool: a password it will not send in clear says requireTLS, protocol smtps or allowInsecureAuth, not starttls() or SMTP_SSL", async () => {
  // through a socketFactory the link never counts as loopback
  const socketFactory = ({ host, port }: { host: string; port: number }): net.Socket => net.connect(port, host);
  const err = await poolError({ auth: { users: { alice: "pw" }, methods: ["PLAIN", "LOGIN"] } }, { auth: { user: "alice", password: "pw" }, socketFactory });
  assert.match(err.message, /Set requireTLS: true or protocol: "smtps", or allowInsecureAuth: true to allow it: the message was not sent$/);
  assert.doesNotMatch(err.message, /SMTP_SSL|starttls\(\)/);
});

test("pool: a URL or user@host as host says to give host, port, protocol and auth as the pool's options, not connect(), SMTP_SSL or login(); the password never shown", () => {
  const cases: [string, RegExp][] = [
    ["smtp://mail.example.org", /^host must be a host name or address, not a URL "smtp:\/\/mail\.example\.org": give the host and the port apart, as \{ host: "mail\.example\.org", port: 587 \}$/],
    ["smtps://mail.example.org:465", /not a URL .*; smtps:\/\/ is protocol: "smtps" \(TLS from the first byte, port 465\)$/],
    ["smtps://bob:s3cret-pw@mail.example.org:465", /not a URL \(not shown: it holds a user part\): .*; the user and password go to the auth option, auth: \{ user, password \}$/],
    ["bob:s3cret-pw@mail.example.org", /not user@host \(not shown: it holds a user part\): give the host alone, and the user and password to the auth option, auth: \{ user, password \}$/],
  ];
  for (const [host, advice] of cases) {
    assert.throws(() => new SMTPPool({ host }), (err: unknown) => {
      assert.ok(err instanceof TypeError, `${host}: ${String(err)}`);
      assert.match(err.message, advice, host);
      assert.doesNotMatch(err.message, /connect\(|SMTP_SSL|login\(\)|s3cret/, host);
      return true;
    });
  }
});

test("pool: Nodemailer's ignoreTLS says requireTLS, not starttls(), which a pool's user never calls", () => {
  assert.throws(() => new SMTPPool({ host: "127.0.0.1", ignoreTLS: true } as unknown as PoolOptions), (err: unknown) => {
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, /^unknown SMTPPool option "ignoreTLS" \(Nodemailer's: STARTTLS is used only when asked \(requireTLS: true\)\)/);
    assert.doesNotMatch(err.message, /starttls\(\)/);
    return true;
  });
});
