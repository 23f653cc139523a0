/**
 * SCRAM with a caller's own `pbkdf2` (createScramSha256Mechanism's option): the caller's
 * function, not this library's bounded computation, so its wait is held to the `command`
 * timeout as any caller's answer is: one that never settles cancels the exchange with "*"
 * instead of hanging login(). The built-in derivation stays unbounded (see
 * auth-answer-timeout.test.ts).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthRegistry, createScramSha256Mechanism, SMTPAuthenticationError } from "../../src/index.js";
import { isComputedLocally } from "../../src/auth/mechanism.js";
import { greeting, withScript } from "../helpers/client.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

/** Rejects when `call` has not settled after 10 s: only a guard against a hang, never an assertion on time. */
function guarded<T>(call: Promise<T>): Promise<T> {
  const guard = AbortSignal.timeout(10_000);
  const hung = new Promise<never>((_resolve, reject) => guard.addEventListener("abort", () => reject(new Error("the call did not settle")), { once: true }));
  return Promise.race([call, hung]);
}

test("login(): SCRAM with a caller's pbkdf2 that never settles is cancelled with * once the command timeout passes; the next command gets its own reply", async () => {
  const nonce = "rOprNGfwEbeRWgbNEkqO";
  const serverFirst = `r=${nonce}%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`;
  const script = `${greeting(["AUTH SCRAM-SHA-256"])}C: AUTH SCRAM-SHA-256 ${b64(`n,,n=user,r=${nonce}`)}
S: 334 ${b64(serverFirst)}
C: *
S: 501 5.7.0 cancelled
C: NOOP
S: 250 2.0.0 ok
`;
  const authRegistry = new AuthRegistry([createScramSha256Mechanism({ nonce: () => nonce, pbkdf2: () => new Promise<Buffer>(() => undefined) })]);
  await withScript(script, async (client) => {
    await assert.rejects(guarded(client.login("user", "pencil")), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError, String(err));
      assert.equal(err.smtpCode, 501);
      assert.match(err.message, /300 ms/);
      return true;
    });
    assert.equal((await client.noop()).code, 250);
  }, { timeouts: { command: 300 }, authRegistry });
});

test("SCRAM's exchanges: the built-in derivation's are the library's own computation (no answer timeout), a caller's pbkdf2's are not", () => {
  const context = { host: "mx.test", port: 25 };
  const credentials = { user: "user", password: "pencil" };
  assert.equal(isComputedLocally(createScramSha256Mechanism().start(credentials, context)), true);
  assert.equal(isComputedLocally(createScramSha256Mechanism({ minIterations: 1 }).start(credentials, context)), true);
  assert.equal(isComputedLocally(createScramSha256Mechanism({ pbkdf2: () => Promise.resolve(Buffer.alloc(32)) }).start(credentials, context)), false);
});
