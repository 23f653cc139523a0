/**
 * login() and SCRAM's gs2 flag `y` (RFC 5802 §6): over TLS 1.3 (a channel binding) to a
 * server whose AUTH list has no SCRAM-SHA-256-PLUS, plain SCRAM says "I could bind, but
 * you did not offer it". A server that does support PLUS then refuses (its list was cut by
 * a man in the middle who terminates TLS): that refusal must end login(), for PLAIN after it
 * would hand the password to that man in the middle.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthRegistry } from "../../src/auth/registry.js";
import { plainMechanism } from "../../src/auth/plain.js";
import { createScramSha256Mechanism, scramSha256PlusMechanism } from "../../src/auth/scram-sha-256.js";
import { login } from "../../src/client/authenticate.js";
import { SMTPAuthenticationError } from "../../src/errors.js";
import { b64, FakeIO } from "./fake-io.js";

const binding = { type: "tls-exporter" as const, data: Buffer.alloc(32, 0x5a) };
const registry = (): AuthRegistry => new AuthRegistry([scramSha256PlusMechanism, createScramSha256Mechanism({ nonce: () => "cnonce" }), plainMechanism]);
const SERVER_FIRST = "r=cnonceSRV,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";

test("login() over TLS 1.3 to a list without PLUS: SCRAM-SHA-256 sends the gs2 flag y (login() gives the mechanism the server's list)", async () => {
  const io = new FakeIO(["535 5.7.8 no"], { binding });
  await assert.rejects(login(io, "SCRAM-SHA-256", { user: "u", password: "p" }, { registry: registry() }), SMTPAuthenticationError);
  assert.equal(Buffer.from(io.sent[0]!.split(" ")[2]!, "base64").toString(), "y,,n=u,r=cnonce");
});

test("login(): a server that answers the y flag with e=server-does-support-channel-binding gets '*', and no PLAIN after it", async () => {
  const io = new FakeIO([`334 ${b64(SERVER_FIRST)}`, `334 ${b64("e=server-does-support-channel-binding")}`, "501 5.7.0 cancelled"], { binding });
  await assert.rejects(login(io, "SCRAM-SHA-256 PLAIN", { user: "u", password: "p" }, { registry: registry() }), (err: unknown) => {
    assert.ok(err instanceof SMTPAuthenticationError);
    assert.match(err.message, /server-does-support-channel-binding/);
    return true;
  });
  assert.equal(io.sent.length, 3);
  assert.equal(io.sent[2], "*");
  assert.ok(!io.sent.some((line) => line.startsWith("AUTH PLAIN")));
});

test("login() over TLS 1.3 to a list with PLUS (not chosen: the caller's registry leaves it out) and without a binding: the flag is n", async () => {
  for (const [advertised, options] of [["SCRAM-SHA-256 SCRAM-SHA-256-PLUS", { binding }], ["SCRAM-SHA-256", {}]] as const) {
    const io = new FakeIO(["535 5.7.8 no"], options);
    await assert.rejects(login(io, advertised, { user: "u", password: "p" }, { registry: new AuthRegistry([createScramSha256Mechanism({ nonce: () => "cnonce" })]) }), SMTPAuthenticationError);
    assert.equal(Buffer.from(io.sent[0]!.split(" ")[2]!, "base64").toString(), "n,,n=u,r=cnonce", advertised);
  }
});
