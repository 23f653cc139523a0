/**
 * Answers a caller supplies that the exchange must handle: an auth object that answers a
 * challenge with `null` (the empty answer), and an OAuth token function that resolves to
 * something other than a string (a TypeError before anything is sent); and a challenge a
 * server splits over the lines of a multi-line 334.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { authenticate, authenticateWith } from "../../src/client/authenticate.js";
import type { TokenSource } from "../../src/auth/mechanism.js";
import { oauthBearerMechanism } from "../../src/auth/oauthbearer.js";
import { xoauth2Mechanism } from "../../src/auth/xoauth2.js";
import { cramMd5Mechanism } from "../../src/auth/cram-md5.js";
import { b64, FakeIO } from "./fake-io.js";

test("authenticate: an auth object answering a challenge with null sends the empty answer (an empty line)", async () => {
  const io = new FakeIO([`334 ${b64("first")}`, `334 ${b64("second")}`, "235 2.7.0 ok"]);
  const seen: string[] = [];
  const reply = await authenticate(io, "X-TEST", (challenge) => {
    if (challenge === undefined) return null;
    seen.push(challenge.toString());
    return seen.length === 1 ? null : "answer";
  });
  assert.equal(reply.code, 235);
  assert.deepEqual(seen, ["first", "second"]);
  assert.deepEqual(io.sent, ["AUTH X-TEST", "", b64("answer")]);
});

for (const mechanism of [xoauth2Mechanism, oauthBearerMechanism]) {
  test(`${mechanism.name}: a token function resolving to a non-string is a TypeError; nothing is sent`, async () => {
    for (const value of [undefined, 42, null]) {
      const io = new FakeIO(["235 ok"]);
      const token = (async () => value) as unknown as TokenSource;
      await assert.rejects(authenticateWith(io, mechanism, { user: "u@example.org", token }), (err: unknown) => {
        assert.ok(err instanceof TypeError, String(err));
        assert.equal(err.message, "the OAuth token must be a string");
        return true;
      });
      assert.deepEqual(io.sent, []);
    }
  });
}

test("a challenge split over the lines of a multi-line 334 is their text joined as one base64 string (CRAM-MD5, RFC 2195 vector)", async () => {
  const challenge = b64("<1896.697170952@postoffice.reston.mci.net>");
  const lines = [challenge.slice(0, 20), challenge.slice(20)];
  const replies = [{ code: 334, message: lines.join("\n"), lines }, { code: 235, message: "ok", lines: ["ok"] }];
  const sent: string[] = [];
  const io = { encrypted: true, loopback: false, host: "h", port: 25, async command(line: string) { sent.push(line); return replies.shift()!; } };
  assert.equal((await authenticateWith(io, cramMd5Mechanism, { user: "tim", password: "tanstaaftanstaaf" })).code, 235);
  assert.deepEqual(sent, ["AUTH CRAM-MD5", b64("tim b913a602c7eda7a495b4e6e7334d3890")]);
});
