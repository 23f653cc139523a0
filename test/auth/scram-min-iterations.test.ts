/**
 * SCRAM-SHA-256's lowest iteration count: RFC 7677 §4 asks for at least 4096. A server (or
 * one impersonating it on a link SCRAM is allowed on without TLS) that offers fewer would
 * get a client proof that tests password guesses thousands of times faster offline: the
 * count is refused before any PBKDF2 and before the proof is sent, the exchange cancelled
 * with "*", and login() falls back to no other mechanism. `minIterations` lowers the floor
 * for a server known to store fewer.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { authenticateWith, login } from "../../src/client/authenticate.js";
import { AuthRegistry } from "../../src/auth/registry.js";
import { plainMechanism } from "../../src/auth/plain.js";
import { createScramSha256Mechanism, MAX_SCRAM_ITERATIONS, MIN_SCRAM_ITERATIONS } from "../../src/auth/scram-sha-256.js";
import { SMTPAuthenticationError } from "../../src/errors.js";
import { b64, FakeIO } from "./fake-io.js";

const NONCE = "rOprNGfwEbeRWgbNEkqO";
const serverFirst = (count: number): string => `334 ${b64(`r=${NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=${count}`)}`;
const pencil = { user: "user", password: "pencil" };

/** A SCRAM-SHA-256 mechanism with RFC 7677's nonce that records each PBKDF2 iteration count. */
function watched(options: { minIterations?: number } = {}): { mech: ReturnType<typeof createScramSha256Mechanism>; derived: number[] } {
  const derived: number[] = [];
  const mech = createScramSha256Mechanism({
    nonce: () => NONCE,
    pbkdf2: (_password, _salt, iterations) => { derived.push(iterations); return Promise.resolve(Buffer.alloc(32)); },
    ...options,
  });
  return { mech, derived };
}

test(`SCRAM-SHA-256: an iteration count below ${MIN_SCRAM_ITERATIONS} is refused before any PBKDF2 and before the proof, naming the count; the exchange is cancelled with *`, async () => {
  for (const count of [1, 2, MIN_SCRAM_ITERATIONS - 1]) {
    const { mech, derived } = watched();
    const io = new FakeIO([serverFirst(count), "501 5.7.0 cancelled"]);
    await assert.rejects(authenticateWith(io, mech, pencil), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError, String(err));
      assert.equal(err.smtpCode, 334);
      assert.equal(err.smtpError, `SCRAM-SHA-256: unacceptable iteration count ${count}: at least ${MIN_SCRAM_ITERATIONS} is required (RFC 7677 §4; minIterations lowers it)`);
      return true;
    });
    assert.deepEqual(io.sent.slice(1), ["*"], "no client-final message (the proof) was sent");
    assert.deepEqual(derived, []);
  }
});

test(`SCRAM-SHA-256: exactly ${MIN_SCRAM_ITERATIONS} iterations are computed`, async () => {
  const { mech, derived } = watched();
  const io = new FakeIO([serverFirst(MIN_SCRAM_ITERATIONS), `334 ${b64("v=AAAA")}`, "501 5.7.0 cancelled"]);
  await assert.rejects(authenticateWith(io, mech, pencil), /does not verify/);
  assert.deepEqual(derived, [MIN_SCRAM_ITERATIONS]);
});

test("login(): a SCRAM server offering too few iterations gets no fallback to PLAIN, even over TLS", async () => {
  const { mech } = watched();
  const io = new FakeIO([serverFirst(1), "501 5.7.0 cancelled", "235 ok"], { encrypted: true });
  await assert.rejects(login(io, "PLAIN SCRAM-SHA-256", pencil, { registry: new AuthRegistry([mech, plainMechanism]) }), SMTPAuthenticationError);
  assert.equal(io.sent.length, 2, "AUTH SCRAM-SHA-256, then '*'; no AUTH PLAIN");
});

test("minIterations lowers the floor for a server known to store fewer", async () => {
  const { mech, derived } = watched({ minIterations: 1 });
  const io = new FakeIO([serverFirst(1), `334 ${b64("v=AAAA")}`, "501 5.7.0 cancelled"]);
  await assert.rejects(authenticateWith(io, mech, pencil), /does not verify/);
  assert.deepEqual(derived, [1]);
});

test("minIterations must be an integer from 1 to MAX_SCRAM_ITERATIONS", () => {
  assert.throws(() => createScramSha256Mechanism({ minIterations: "1" as unknown as number }), TypeError);
  for (const bad of [0, -1, 1.5, Number.NaN, MAX_SCRAM_ITERATIONS + 1]) {
    assert.throws(() => createScramSha256Mechanism({ minIterations: bad }), RangeError, String(bad));
  }
  createScramSha256Mechanism({ minIterations: MAX_SCRAM_ITERATIONS });
});
