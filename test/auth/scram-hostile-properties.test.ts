// SCRAM-SHA-256 and SCRAM-SHA-1 against any server-first and server-final message (property): the client
// answers only a well-formed server-first that extends its nonce, accepts only the right
// server signature, and refuses everything else with SMTPAuthenticationError, never another error.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { createScramSha1Mechanism } from "../../src/auth/scram-sha-1.js";
import { createScramSha256Mechanism } from "../../src/auth/scram-sha-256.js";
import { SMTPAuthenticationError } from "../../src/errors.js";

const CLIENT_NONCE = "cNonce";
/** Each SCRAM mechanism, its PBKDF2 replaced by a key of its hash's length. */
const mechanisms = [
  createScramSha256Mechanism({ nonce: () => CLIENT_NONCE, pbkdf2: async () => Buffer.alloc(32, 7) }),
  createScramSha1Mechanism({ nonce: () => CLIENT_NONCE, pbkdf2: async () => Buffer.alloc(20, 7) }),
];
const context = { host: "mx.test", port: 25 };

/** Attribute soup: the letters and separators that SCRAM messages are made of. */
const soup = fc.string({ unit: fc.constantFrom("r=", "s=", "i=", "v=", "e=", "m=", ",", "=", CLIENT_NONCE, "x", "QUJD", "4096", "0", "-", " ", "\u00e9"), maxLength: 12 });
const serverFirst = fc.oneof(
  soup,
  fc.tuple(fc.constantFrom(CLIENT_NONCE, "other"), fc.string({ maxLength: 6 }), fc.constantFrom("QUJD", "QUI=", "", "QU", "!!!!"), fc.constantFrom("4096", "1", "0", "01", "-1", "99999999999", "1000001", "4096 ", ""), fc.constantFrom("", ",x=y", ",")).map(
    ([start, more, salt, iterations, ext]) => `r=${start}${more},s=${salt},i=${iterations}${ext}`),
);

function refused(err: unknown): boolean {
  assert.ok(err instanceof SMTPAuthenticationError, `expected SMTPAuthenticationError, got ${String(err)}`);
  return true;
}

for (const mech of mechanisms) {
  test(`${mech.name} property: any server-first message is answered or refused with SMTPAuthenticationError`, async () => {
    await fc.assert(fc.asyncProperty(serverFirst, fc.boolean(), async (first, asBytes) => {
      const ex = mech.start({ user: "u", password: "p" }, context);
      ex.initialResponse();
      const challenge = asBytes ? Buffer.from(first, "latin1") : Buffer.from(first, "utf8");
      let answer: Buffer;
      try {
        answer = await ex.respond(challenge);
      } catch (err) {
        return refused(err);
      }
      // Answered: only a message whose nonce extends ours, with a salt and a count in range.
      const m = /^r=([^,]*),s=([^,]*),i=([^,]*)/.exec(first);
      assert.ok(m !== null && m[1]!.startsWith(CLIENT_NONCE) && m[1]!.length > CLIENT_NONCE.length, first);
      assert.match(answer.toString("latin1"), new RegExp(`^c=biws,r=${m[1]!.replace(/[^\w]/g, "\\$&")},p=[A-Za-z0-9+/]+=*$`));
      return true;
    }), { numRuns: 1500 });
  });

  test(`${mech.name} property: after a valid server-first, any server-final but the right signature is refused with SMTPAuthenticationError`, async () => {
    const serverFinal = fc.oneof(soup, fc.string({ maxLength: 20 }), fc.uint8Array({ maxLength: 50 }).map((b) => `v=${Buffer.from(b).toString("base64")}`));
    await fc.assert(fc.asyncProperty(serverFinal, async (final) => {
      const ex = mech.start({ user: "u", password: "p" }, context);
      ex.initialResponse();
      await ex.respond(Buffer.from(`r=${CLIENT_NONCE}S,s=QUJD,i=4096`));
      await assert.rejects(Promise.resolve().then(() => ex.respond(Buffer.from(final, "utf8"))), refused);
      assert.throws(() => ex.finish?.(), refused);
    }), { numRuns: 1500 });
  });
}
