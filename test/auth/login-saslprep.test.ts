/**
 * login() with a password SASLprep refuses (a TAB, right-to-left text mixed with
 * left-to-right): SCRAM cannot carry it (RFC 5802 §5.1), but PLAIN, LOGIN and CRAM-MD5 send
 * it as UTF-8, as Python's smtplib does. The next mechanism the server offers is tried, as
 * for any mechanism that does not fit the credentials; nothing was sent for SCRAM. Only when
 * none fits is SCRAM's TypeError the outcome.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultRegistry } from "../../src/auth/registry.js";
import { login } from "../../src/client/authenticate.js";
import { b64, FakeIO } from "./fake-io.js";

for (const [what, password] of [["a TAB", "pass\tword"], ["Hebrew then Latin", "\u05e9\u05dc\u05d5\u05dd abc"], ["a C1 control", "a\u0085b"]] as const) {
  test(`login(): a password with ${what} skips SCRAM-SHA-256 and logs in with PLAIN (over TLS)`, async () => {
    const io = new FakeIO(["235 2.7.0 ok"], { encrypted: true });
    assert.equal((await login(io, "SCRAM-SHA-256 PLAIN", { user: "u", password })).code, 235);
    assert.deepEqual(io.sent, [`AUTH PLAIN ${b64(`\0u\0${password}`)}`]);
  });
}

test("login(): with SCRAM-SHA-256 only, a password SASLprep refuses is SCRAM's TypeError, nothing sent", async () => {
  const io = new FakeIO([], { encrypted: true });
  await assert.rejects(login(io, "SCRAM-SHA-256", { user: "u", password: "pass\tword" }, { registry: defaultRegistry() }), {
    name: "TypeError",
    message: "password contains a character SASLprep prohibits (RFC 4013 §2.3)",
  });
  assert.deepEqual(io.sent, []);
});

test("login(): a user name SASLprep refuses skips SCRAM too (CRAM-MD5 takes it)", async () => {
  const io = new FakeIO([`334 ${b64("<1.2@mx.test>")}`, "235 2.7.0 ok"], { encrypted: false, loopback: false });
  assert.equal((await login(io, "SCRAM-SHA-256 CRAM-MD5", { user: "a\tb", password: "p" })).code, 235);
  assert.deepEqual(io.sent[0], "AUTH CRAM-MD5");
});

test("login(): on a plain-text link, SCRAM unfit and PLAIN refused as insecure: the refusal that says to encrypt (with TLS, PLAIN would log in)", async () => {
  const io = new FakeIO([], { encrypted: false, host: "smtp.example.net" });
  await assert.rejects(login(io, "SCRAM-SHA-256 PLAIN", { user: "u", password: "pass\tword" }), /Refusing AUTH PLAIN to smtp\.example\.net: the connection is not encrypted/);
  assert.deepEqual(io.sent, []);
});

test("SCRAM-SHA-256 with an empty user name: TypeError, nothing sent (RFC 5802 §5.1: n= names at least one character); login() goes on to the next mechanism", async () => {
  const scramOnly = new FakeIO([], { encrypted: true });
  await assert.rejects(login(scramOnly, "SCRAM-SHA-256", { user: "", password: "p" }), { name: "TypeError", message: /user name is empty/ });
  assert.deepEqual(scramOnly.sent, []);
  const io = new FakeIO([`334 ${b64("<1.2@mx.test>")}`, "235 2.7.0 ok"], { encrypted: true });
  assert.equal((await login(io, "SCRAM-SHA-256 CRAM-MD5", { user: "", password: "p" })).code, 235);
  assert.deepEqual(io.sent[0], "AUTH CRAM-MD5");
});
