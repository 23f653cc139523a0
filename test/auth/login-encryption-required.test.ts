import assert from "node:assert/strict";
import { test } from "node:test";
import { cramMd5Mechanism } from "../../src/auth/cram-md5.js";
import { loginMechanism } from "../../src/auth/login.js";
import { plainMechanism } from "../../src/auth/plain.js";
import { AuthRegistry } from "../../src/auth/registry.js";
import { login } from "../../src/client/authenticate.js";
import { SMTPAuthenticationError } from "../../src/errors.js";
import { b64, FakeIO } from "./fake-io.js";

const creds = { user: "u", password: "hunter2-secret" };
const challenge = `334 ${b64("<1.2@h>")}`;

// RFC 4954 §6: 538 "Encryption required for requested authentication mechanism"; 530 "Must
// issue a STARTTLS command first" is what many servers answer AUTH with in clear. Python's
// login() goes on to PLAIN and LOGIN, writing the password in clear to a server that has
// just said it takes none without TLS.
for (const refusal of ["538 5.7.11 Encryption required for requested authentication mechanism", "530 5.7.0 Must issue a STARTTLS command first"]) {
  const code = Number(refusal.slice(0, 3));
  test(`login() in clear with allowInsecure: a ${code} to CRAM-MD5 ends it; PLAIN and LOGIN do not send the password in clear after it`, async () => {
    const io = new FakeIO([challenge, refusal], { encrypted: false });
    await assert.rejects(login(io, "CRAM-MD5 PLAIN LOGIN", creds, { allowInsecure: true }), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError);
      assert.equal(err.smtpCode, code);
      return true;
    });
    assert.equal(io.sent.length, 2);
    assert.equal(io.sent[0], "AUTH CRAM-MD5");
    assert.ok(!io.sent.some((line) => line.startsWith("AUTH PLAIN") || line.startsWith("AUTH LOGIN")));
  });

  test(`login() in clear on loopback: a ${code} to PLAIN ends it; LOGIN is not tried in clear after it`, async () => {
    const io = new FakeIO([refusal], { encrypted: false, loopback: true });
    await assert.rejects(login(io, "PLAIN LOGIN", creds), (err: unknown) => err instanceof SMTPAuthenticationError && err.smtpCode === code);
    assert.equal(io.sent.length, 1);
  });

  test(`login() over TLS: a ${code} to CRAM-MD5 is a refusal like any other; PLAIN is tried next`, async () => {
    const io = new FakeIO([challenge, refusal, "235 ok"]);
    assert.equal((await login(io, "CRAM-MD5 PLAIN", creds)).code, 235);
    assert.match(io.sent[2]!, /^AUTH PLAIN /);
  });
}

test("login() in clear: after a 538 to PLAIN, LOGIN is skipped but CRAM-MD5, which reveals no password, still runs (a caller's registry order)", async () => {
  const io = new FakeIO(["538 5.7.11 Encryption required", challenge, "235 ok"], { encrypted: false });
  const registry = new AuthRegistry([plainMechanism, loginMechanism, cramMd5Mechanism]);
  assert.equal((await login(io, "PLAIN LOGIN CRAM-MD5", creds, { allowInsecure: true, registry })).code, 235);
  assert.match(io.sent[0]!, /^AUTH PLAIN /);
  assert.equal(io.sent[1], "AUTH CRAM-MD5");
});
