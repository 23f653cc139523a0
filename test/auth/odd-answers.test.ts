/**
 * Answers a caller supplies that the exchange must handle: an auth object that answers a
 * challenge with `null` (the empty answer), and an OAuth token function that resolves to
 * something other than a string (a TypeError before anything is sent).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { authenticate, authenticateWith } from "../../src/client/authenticate.js";
import type { TokenSource } from "../../src/auth/mechanism.js";
import { oauthBearerMechanism } from "../../src/auth/oauthbearer.js";
import { xoauth2Mechanism } from "../../src/auth/xoauth2.js";
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
