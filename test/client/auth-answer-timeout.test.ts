/**
 * An auth object (or a token function) whose answer never comes: the wait for it is held
 * to the `command` timeout, as every step of the exchange is. Before AUTH is sent (the
 * initial response, a token fetch), nothing is sent and the call fails with SMTPException;
 * on a challenge, the exchange is cancelled with "*" and the call fails with
 * SMTPAuthenticationError carrying the server's answer to it. The connection stays in step:
 * the next command gets its own reply. SCRAM's PBKDF2, the client's own bounded computation,
 * is not such an answer: it may outlast the timeout.
 */

import assert from "node:assert/strict";
import { pbkdf2 } from "node:crypto";
import { test } from "node:test";
import { promisify } from "node:util";
import { AuthRegistry, createScramSha256Mechanism, SMTPAuthenticationError, SMTPException } from "../../src/index.js";
import { computedLocally } from "../../src/auth/mechanism.js";
import { greeting, withScript } from "../helpers/client.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

/** A promise that never settles. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/** Rejects when `call` has not settled after 10 s: only a guard against a hang, never an assertion on time. */
function guarded<T>(call: Promise<T>): Promise<T> {
  const guard = AbortSignal.timeout(10_000);
  const hung = new Promise<never>((_resolve, reject) => guard.addEventListener("abort", () => reject(new Error("the call did not settle")), { once: true }));
  return Promise.race([call, hung]);
}

const OPTIONS = { timeouts: { command: 1000 } };

test("auth(): an initial response that never comes fails with SMTPException once the command timeout passes, nothing sent; the connection stays usable", async () => {
  const script = `${greeting(["AUTH X-TOKEN"])}C: NOOP\nS: 250 2.0.0 ok\n`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await assert.rejects(guarded(client.auth("X-TOKEN", () => never<string>())), (err: unknown) => {
      assert.ok(err instanceof SMTPException && !(err instanceof SMTPAuthenticationError), String(err));
      assert.match(err.message, /1000 ms/);
      assert.match(err.message, /nothing was sent/);
      return true;
    });
    assert.equal((await client.noop()).code, 250);
  }, OPTIONS);
});

test("auth(): an answer to a challenge that never comes cancels the exchange with * (SMTPAuthenticationError with the 501); the next command gets its own reply", async () => {
  const script = `${greeting(["AUTH X-TOKEN"])}C: AUTH X-TOKEN
S: 334 ${b64("token?")}
C: *
S: 501 5.7.0 cancelled
C: NOOP
S: 250 2.0.0 ok
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    const authobject = (challenge?: Buffer): Promise<string | null> => (challenge === undefined ? Promise.resolve(null) : never<string>());
    await assert.rejects(guarded(client.auth("X-TOKEN", authobject)), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError, String(err));
      assert.equal(err.smtpCode, 501);
      assert.match(err.message, /cancelled/);
      assert.match(err.message, /1000 ms/);
      return true;
    });
    assert.equal((await client.noop()).code, 250);
  }, OPTIONS);
});

test("loginWith(): a token function that never returns fails with SMTPException once the command timeout passes, nothing sent", async () => {
  const script = `${greeting(["AUTH OAUTHBEARER"])}C: NOOP\nS: 250 2.0.0 ok\n`;
  await withScript(script, async (client) => {
    await assert.rejects(guarded(client.loginWith({ user: "u@x.test", token: () => never<string>() })), (err: unknown) => {
      assert.ok(err instanceof SMTPException && !(err instanceof SMTPAuthenticationError), String(err));
      assert.match(err.message, /nothing was sent/);
      return true;
    });
    assert.equal((await client.noop()).code, 250);
  }, OPTIONS);
});

test("login(): SCRAM's own PBKDF2 is not held to the command timeout: a derivation that outlasts it (a large iteration count, a busy threadpool) still logs in", async () => {
  const nonce = "rOprNGfwEbeRWgbNEkqO";
  const serverFirst = `r=${nonce}%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`;
  const script = `${greeting(["AUTH SCRAM-SHA-256"])}C: AUTH SCRAM-SHA-256 ${b64(`n,,n=user,r=${nonce}`)}
S: 334 ${b64(serverFirst)}
C: ${b64(`c=biws,r=${nonce}%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=`)}
S: 334 ${b64("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")}
C: 
S: 235 2.7.0 ok
`;
  const command = 500;
  // The derivation takes three command timeouts (the real one, held back): our computation, not the server's delay.
  const slow = async (password: Buffer, salt: Buffer, iterations: number): Promise<Buffer> => {
    await new Promise((resolve) => setTimeout(resolve, 3 * command));
    return promisify(pbkdf2)(password, salt, iterations, 32, "sha256");
  };
  // A caller's pbkdf2 is held to the timeout (scram-pbkdf2-timeout.test.ts): this one stands
  // for the built-in derivation, whose exchanges are marked as the library's own computation.
  const mech = createScramSha256Mechanism({ nonce: () => nonce, pbkdf2: slow });
  const authRegistry = new AuthRegistry([{ ...mech, start: (credentials, context) => computedLocally(mech.start(credentials, context)) }]);
  await withScript(script, async (client) => {
    assert.equal((await guarded(client.login("user", "pencil"))).code, 235);
  }, { timeouts: { command }, authRegistry });
});
