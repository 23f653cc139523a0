/**
 * A login whose SCRAM-SHA-256 exchange is cut off while the client derives the salted
 * password (PBKDF2 in libuv's threadpool, which nothing can interrupt): the client's
 * `signal` aborting, or close(), rejects the login at once, not once PBKDF2 ends; the
 * derivation finishing (or failing) later sends nothing and leaves no unhandled rejection;
 * the client is closed and may connect again. Ordering, not time: each test watches the
 * derivation through the mechanism's `pbkdf2` hook.
 */

import assert from "node:assert/strict";
import { pbkdf2 } from "node:crypto";
import { test } from "node:test";
import { promisify } from "node:util";
import { createScramSha256Mechanism, MAX_SCRAM_ITERATIONS } from "../../src/auth/scram-sha-256.js";
import { AuthRegistry, SMTPAuthenticationError, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const realPbkdf2 = promisify(pbkdf2);
const NONCE = "rOprNGfwEbeRWgbNEkqO";

/** RFC 7677's server-first message, with `iterations`. */
const serverFirst = (iterations: number): string => `r=${NONCE}%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=${iterations}`;

/** The session up to the server's first challenge, offering `iterations`; the server then waits. */
const toFirstChallenge = (iterations: number): string => `${greeting(["AUTH SCRAM-SHA-256"])}C: AUTH SCRAM-SHA-256 ${b64(`n,,n=user,r=${NONCE}`)}
S: 334 ${b64(serverFirst(iterations))}
`;

/** A registry of one SCRAM-SHA-256 with RFC 7677's client nonce and `pbkdf2` as its derivation. */
const registryWith = (hook: (password: Buffer, salt: Buffer, iterations: number) => Promise<Buffer>): AuthRegistry =>
  new AuthRegistry([createScramSha256Mechanism({ nonce: () => NONCE, pbkdf2: hook })]);

/** Collects unhandled rejections until `stop()`. */
function watchUnhandled(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void seen.push(reason);
  process.on("unhandledRejection", onUnhandled);
  return { seen, stop: () => void process.off("unhandledRejection", onUnhandled) };
}

/** Resolves after a turn of the event loop: what a settled promise queued has then run. */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test(`SCRAM-SHA-256 at the highest iteration count (${MAX_SCRAM_ITERATIONS}): the client's signal aborting once PBKDF2 has started rejects the login with its reason before PBKDF2 ends; its end sends nothing; the client is closed`, async () => {
  const controller = new AbortController();
  const stop = new Error("the caller gave up");
  let derived = false;
  let derivation: Promise<Buffer> | undefined;
  const registry = registryWith((password, salt, iterations) => {
    assert.equal(iterations, MAX_SCRAM_ITERATIONS);
    derivation = realPbkdf2(password, salt, iterations, 32, "sha256").finally(() => { derived = true; });
    controller.abort(stop);
    return derivation;
  });
  const lines: string[] = [];
  const unhandled = watchUnhandled();
  try {
    await withScript(toFirstChallenge(MAX_SCRAM_ITERATIONS), async (client) => {
      await assert.rejects(client.login("user", "pencil"), (err: unknown) => err === stop);
      assert.equal(derived, false, "the login waited for PBKDF2 to end");
      assert.equal(client.connected, false);
      await derivation;
      await turn();
      assert.deepEqual(lines.filter((l) => l.startsWith("C: ")).slice(-1), ["C: AUTH SCRAM-SHA-256 ****"], "nothing was written after PBKDF2 ended");
      await assert.rejects(client.noop(), (err: unknown) => err === stop || err instanceof SMTPServerDisconnected);
    }, { signal: controller.signal, authRegistry: registry, debugLevel: 1, debugOutput: (line) => void lines.push(line) });
    assert.deepEqual(unhandled.seen, []);
  } finally {
    unhandled.stop();
  }
});

test("SCRAM-SHA-256: close() while PBKDF2 runs rejects the login at once with SMTPServerDisconnected; the client connects again before the derivation ends, and its late failure is no unhandled rejection", async () => {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  let released = false;
  // Only a guard against a hang: without the fix the login waits for the derivation.
  const guard = setTimeout(() => { released = true; release(); }, 10_000);
  let started!: () => void;
  const derivationStarted = new Promise<void>((resolve) => (started = resolve));
  let failed!: () => void;
  const derivationFailed = new Promise<void>((resolve) => (failed = resolve));
  const registry = registryWith(async () => {
    started();
    await held;
    failed();
    throw new Error("the derivation failed after the login had ended");
  });
  const unhandled = watchUnhandled();
  const again = await startScriptServer("S: 220 second.test ESMTP\n");
  try {
    await withScript(toFirstChallenge(4096), async (client) => {
      const login = client.login("user", "pencil");
      await derivationStarted;
      client.close();
      await assert.rejects(login, SMTPServerDisconnected);
      assert.equal(released, false, "the login waited for the derivation");
      assert.equal(client.connected, false);
      // The call queue is free and the state clean: a new connection on the same client.
      assert.equal((await client.connect("127.0.0.1", again.port)).code, 220);
      assert.equal(client.connected, true);
      release();
      await derivationFailed;
      await turn();
      assert.equal(client.connected, true, "the late derivation touched the new connection");
      client.close();
    }, { authRegistry: registry });
    await again.done;
    assert.deepEqual(unhandled.seen, []);
  } finally {
    clearTimeout(guard);
    release();
    unhandled.stop();
    await again.close();
  }
});

test(`SCRAM-SHA-256: an iteration count above ${MAX_SCRAM_ITERATIONS} is refused before any PBKDF2, naming the count; the exchange is cancelled with *`, async () => {
  let derivations = 0;
  const registry = registryWith(async () => {
    derivations++;
    return Buffer.alloc(32);
  });
  const over = MAX_SCRAM_ITERATIONS + 1;
  const script = `${toFirstChallenge(over)}C: *\nS: 501 5.7.0 cancelled\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.login("user", "pencil"), (err: unknown) => err instanceof SMTPAuthenticationError
      && err.smtpCode === 334 && err.message.includes(`unacceptable iteration count ${over}: at most ${MAX_SCRAM_ITERATIONS} is computed`));
  }, { authRegistry: registry });
  assert.equal(derivations, 0);
});

test("loginWith a token function that never returns: close() rejects the login at once with SMTPServerDisconnected, nothing sent (the same race covers every mechanism's answer)", async () => {
  let called!: () => void;
  const tokenAsked = new Promise<void>((resolve) => (called = resolve));
  await withScript(greeting(["AUTH OAUTHBEARER"]), async (client) => {
    const login = client.loginWith({ user: "u@x.test", token: () => { called(); return new Promise<string>(() => undefined); } });
    await tokenAsked;
    client.close();
    // Only a guard against a hang: without the fix the login never settles.
    const guard = AbortSignal.timeout(10_000);
    const hung = new Promise<never>((_resolve, reject) => guard.addEventListener("abort", () => reject(new Error("the login did not settle")), { once: true }));
    await assert.rejects(Promise.race([login, hung]), SMTPServerDisconnected);
  });
});
