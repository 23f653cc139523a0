import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { decodeChallenge, encodeAuthAnswer } from "../../src/auth/base64.js";
import { createScramSha1Mechanism } from "../../src/auth/scram-sha-1.js";
import { createScramSha256Mechanism } from "../../src/auth/scram-sha-256.js";
import { authenticateWith } from "../../src/client/authenticate.js";
import { ScramServerExchange } from "../helpers/scram-server.js";
import { scramServerIO } from "./fake-io.js";

test("property: a challenge decodes to its bytes, padded or not; one with any character outside base64 is refused, never skipped", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
      const padded = Buffer.from(bytes).toString("base64");
      assert.deepEqual(decodeChallenge(padded), Buffer.from(bytes));
      assert.deepEqual(decodeChallenge(padded.replace(/=+$/, "")), Buffer.from(bytes));
      assert.deepEqual(decodeChallenge(encodeAuthAnswer(Buffer.from(bytes))), Buffer.from(bytes));
    }),
  );
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  // Inside the text (never at an end, where spaces are trimmed): ASCII punctuation and
  // whitespace, which Node's decoder would skip, and any other code point.
  const bad = fc.oneof(fc.constantFrom(..." \t!\"#$%&'()*,-.:;<>?@[\\]^_`{|}~"), fc.string({ unit: "binary", minLength: 1, maxLength: 1 }))
    .filter((c) => !alphabet.includes(c) && c !== "=");
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 3, maxLength: 60 }), bad, fc.nat(), (bytes, c, at) => {
      const text = Buffer.from(bytes).toString("base64");
      const i = 1 + (at % (text.length - 1));
      assert.equal(decodeChallenge(text.slice(0, i) + c + text.slice(i)), null);
    }),
  );
});

test("a challenge whose padding is wrong (too many, too few, or nothing before it) is refused", () => {
  for (const text of ["A===", "AAAAA===", "====", "=", "==", "AA=", "A=", "AAA==", "AAAA=", "AAAAA"]) {
    assert.equal(decodeChallenge(text), null, JSON.stringify(text));
  }
  assert.deepEqual(decodeChallenge("AA=="), Buffer.from([0]));
  assert.deepEqual(decodeChallenge(""), Buffer.alloc(0));
});

for (const [name, hash, create] of [["SCRAM-SHA-256", "sha256", createScramSha256Mechanism], ["SCRAM-SHA-1", "sha1", createScramSha1Mechanism]] as const) {
  test(`property: ${name} client and an independent server agree for any printable user, password, nonces, salt and iteration count`, async () => {
    const printable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((n) => String.fromCharCode(n)), minLength: 1, maxLength: 24 });
    const nonce = fc.string({ unit: fc.constantFrom(..."abcXYZ019+/!~"), minLength: 1, maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(printable, printable, nonce, nonce, fc.integer({ min: 4096, max: 4160 }), fc.boolean(), async (user, password, clientNonce, serverNonce, iterations, initialResponseOk) => {
        const io = scramServerIO(new ScramServerExchange({ password, serverNonce, iterations, offersPlus: false, hash }));
        const mech = create({ nonce: () => clientNonce });
        assert.equal(mech.name, name);
        assert.equal((await authenticateWith(io, mech, { user, password }, { initialResponseOk })).code, 235);
        assert.equal(io.sent.at(-1), "", "the client verified the server's signature and sent the empty answer");
      }),
      { numRuns: 60 },
    );
  });
}
