/**
 * The advice for a TLS-looking mistake made with an LMTP pool (`protocol: "lmtp"`), or with
 * `LMTP.connect`: an `smtps://` URL as the host, Nodemailer's `secure`. LMTP has no TLS from
 * the first byte, and `protocol: "smtps"` (or `SMTP_SSL`) speaks SMTP: the advice is
 * STARTTLS (`requireTLS: true`), as for an implicit-TLS port (see advice-wording.test.ts),
 * and the port in its example is LMTP's, not SMTP's submission port 587.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP, SMTPPool, type PoolOptions } from "../../src/index.js";

const NO_SMTP_TLS = /protocol: "smtps"|SMTP_SSL|\b465\b|\b587\b/;

test("LMTP pool: an smtps:// URL as host says requireTLS (STARTTLS), not protocol smtps; the example port is LMTP's", () => {
  const cases: [string, RegExp][] = [
    ["smtps://mail.example.org", /^host must be a host name or address, not a URL "smtps:\/\/mail\.example\.org": give the host and the port apart, as \{ host: "mail\.example\.org", port: 2003 \}; smtps:\/\/ is SMTP with TLS from the first byte, which LMTP does not have: for LMTP over TLS, set requireTLS: true \(STARTTLS\)$/],
    ["smtps://bob:s3cret-pw@mail.example.org", /not a URL \(not shown: it holds a user part\): .*, which LMTP does not have: for LMTP over TLS, set requireTLS: true \(STARTTLS\); the user and password go to the auth option, auth: \{ user, password \}$/],
    ["lmtp://mail.example.org:24", /^host must be a host name or address, not a URL "lmtp:\/\/mail\.example\.org:24": give the host and the port apart, as \{ host: "mail\.example\.org", port: 2003 \}$/],
  ];
  for (const [host, advice] of cases) {
    assert.throws(() => new SMTPPool({ host, protocol: "lmtp" }), (err: unknown) => {
      assert.ok(err instanceof TypeError, `${host}: ${String(err)}`);
      assert.match(err.message, advice, host);
      assert.doesNotMatch(err.message, NO_SMTP_TLS, host);
      assert.doesNotMatch(err.message, /s3cret/, host);
      return true;
    });
  }
  // An SMTP pool keeps its advice.
  assert.throws(() => new SMTPPool({ host: "smtps://mail.example.org:465" }), /; smtps:\/\/ is protocol: "smtps" \(TLS from the first byte, port 465\)$/);
});

test("LMTP.connect: an smtps:// URL as host says requireTLS (STARTTLS), not SMTP_SSL; the example port is LMTP's", async () => {
  await assert.rejects(LMTP.connect("smtps://mail.example.org"), (err: unknown) => {
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, /give the host and the port apart, as connect\("mail\.example\.org", 2003\); smtps:\/\/ is SMTP with TLS from the first byte, which LMTP does not have: for LMTP over TLS, set requireTLS: true \(STARTTLS\)$/);
    assert.doesNotMatch(err.message, NO_SMTP_TLS);
    return true;
  });
});

test("LMTP pool: Nodemailer's secure says requireTLS (LMTP has no TLS from the first byte), not protocol smtps; lmtp says protocol lmtp is given already", () => {
  assert.throws(() => new SMTPPool({ host: "127.0.0.1", protocol: "lmtp", secure: true } as unknown as PoolOptions), (err: unknown) => {
    assert.ok(err instanceof TypeError, String(err));
    assert.match(err.message, /^unknown SMTPPool option "secure" \(Nodemailer's: LMTP has no TLS from the first byte \(protocol: "smtps" speaks SMTP\); for STARTTLS set requireTLS: true\)/);
    return true;
  });
  assert.throws(() => new SMTPPool({ host: "127.0.0.1", protocol: "lmtp", lmtp: true } as unknown as PoolOptions),
    /^TypeError: unknown SMTPPool option "lmtp" \(Nodemailer's: protocol: "lmtp" is given already, leave it out\)/);
  // Without protocol "lmtp", the SMTP advice stays.
  assert.throws(() => new SMTPPool({ host: "127.0.0.1", secure: true } as unknown as PoolOptions), /\(Nodemailer's: protocol: "smtps" for TLS from the first byte \(port 465\); requireTLS: true for STARTTLS\)/);
});

test("smtps pool: Nodemailer's secure says protocol smtps is TLS from the first byte already, not to set it; lmtp names protocol lmtp with requireTLS", () => {
  assert.throws(() => new SMTPPool({ host: "127.0.0.1", protocol: "smtps", secure: true } as unknown as PoolOptions),
    /^TypeError: unknown SMTPPool option "secure" \(Nodemailer's: protocol: "smtps" is TLS from the first byte already, leave it out; for STARTTLS instead, protocol: "smtp" with requireTLS: true\)/);
  assert.throws(() => new SMTPPool({ host: "127.0.0.1", protocol: "smtps", lmtp: true } as unknown as PoolOptions),
    /^TypeError: unknown SMTPPool option "lmtp" \(Nodemailer's: protocol: "lmtp", with requireTLS: true for TLS \(LMTP has no TLS from the first byte\)\)/);
});

test("lmtps:// as host, from any class or pool: smtplib has no LMTP over TLS from the first byte, the advice is LMTP with requireTLS (STARTTLS)", async () => {
  const advice = /; lmtps:\/\/ is LMTP with TLS from the first byte, which smtplib does not speak: for LMTP over TLS, use LMTP with requireTLS: true \(STARTTLS\)$/;
  // (SMTP's own example port, 587, stays in SMTP.connect's: only LMTP's must not name SMTP's TLS)
  for (const [connect, lmtp] of [[() => LMTP.connect("lmtps://mail.example.org"), true], [() => SMTP.connect("lmtps://mail.example.org:24"), false]] as const) {
    await assert.rejects(connect(), (err: unknown) => {
      assert.ok(err instanceof TypeError, String(err));
      assert.match(err.message, advice);
      assert.doesNotMatch(err.message, lmtp ? NO_SMTP_TLS : /SMTP_SSL|\b465\b/);
      return true;
    });
  }
  for (const protocol of ["lmtp", "smtp"] as const) assert.throws(() => new SMTPPool({ host: "lmtps://mail.example.org", protocol }), advice);
});

