import assert from "node:assert/strict";
import { test } from "node:test";
import { authenticate, authenticateWith, authLoginObject, type AuthState } from "../../src/client/authenticate.js";
import { xoauth2Mechanism } from "../../src/auth/xoauth2.js";
import { b64, FakeIO } from "./fake-io.js";

// RFC 4954 §4: the AUTH command stays within SMTP's command line limit (RFC 5321
// §4.5.3.1.4: 512 octets with CRLF); an initial response that would pass it is not sent on
// the AUTH line but as the answer to the server's empty challenge.

test("AUTH line length: an initial response that would make the AUTH line longer than 512 octets waits for the empty challenge", async () => {
  const token = "t".repeat(600); // an OAuth access token of the usual size (a JWT runs to 1-3 KB)
  const io = new FakeIO(["334 ", "235 2.7.0 ok"]);
  await authenticateWith(io, xoauth2Mechanism, { user: "u@example.org", token });
  assert.deepEqual(io.sent, ["AUTH XOAUTH2", b64(`user=u@example.org\x01auth=Bearer ${token}\x01\x01`)]);
  assert.deepEqual(io.logged, ["AUTH XOAUTH2", "****"]);
});

test("AUTH line length: 512 octets with CRLF still carries the initial response; 513 does not", async () => {
  const answer = "a".repeat(375); // 500 base64 characters
  const encoded = b64(answer);
  // "AUTH X-AB " + 500 + CRLF is 512 octets; with X-ABC, 513.
  for (const [name, inline] of [["X-AB", true], ["X-ABC", false]] as const) {
    const io = new FakeIO(inline ? ["235 ok"] : ["334 ", "235 ok"]);
    await authenticate(io, name, (challenge) => (challenge === undefined ? answer : "unused"));
    assert.equal(`AUTH ${name} ${encoded}\r\n`.length, inline ? 512 : 513);
    assert.deepEqual(io.sent, inline ? [`AUTH ${name} ${encoded}`] : [`AUTH ${name}`, encoded]);
  }
});

test("AUTH line length: Python's auth_login still answers user then password when its user name is too long for the AUTH line", async () => {
  const user = "u".repeat(400);
  const state: AuthState = { challengeCount: 0 };
  const object = authLoginObject(() => ({ user, password: "pw" }), () => state.challengeCount);
  const io = new FakeIO(["334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 ok"]);
  await authenticate(io, "LOGIN", object, { state, allowInsecure: true });
  assert.deepEqual(io.sent, ["AUTH LOGIN", b64(user), b64("pw")]);
  assert.equal(state.challengeCount, 2);
});
