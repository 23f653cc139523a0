/**
 * README: "An option set to `null` is one not given" (Python's `None`), for the client's
 * and the pool's options, `login()`'s, `loginWith()`'s credentials, the last argument of
 * `sendmail`, `deliver` and `sendMessage`, `createScramSha256Mechanism()`'s and
 * `AuthRegistry.register()`'s. The types say the same, so that `{ timeout: config.timeout ??
 * null }` compiles, also under `exactOptionalPropertyTypes` (where `undefined` must be
 * allowed by name); a value of the wrong type is still refused.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { formatHost, typeCheck } from "../docs/readme-run.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** Every option of each kind set to null, and to a value that may be undefined. */
const NULLS = `import { AuthRegistry, createScramSha256Mechanism, LMTP, SMTP, SMTPPool, type DeliverOptions, type LoginOptions, type PoolOptions, type SMTPOptions } from "smtplib";
declare const config: { timeout?: number; user?: string };
const client = {
  localHostname: null, timeout: config.timeout ?? null, timeouts: null, sourceAddress: null, socketFactory: null, tls: null,
  debugLevel: null, debugOutput: null, signal: null, pipelining: null, chunking: null, requireTLS: null,
  allowInsecureAuth: null, diagnoseTLS: null, limits: null, authRegistry: null,
} satisfies SMTPOptions;
export const maybe: SMTPOptions = { timeout: config.timeout, localHostname: undefined };
export const smtp = new SMTP(client);
export const lmtp = LMTP.connect("/run/lmtp", 0, { timeout: null });
export const pool = new SMTPPool({
  host: "mx.test", ...client, port: null, protocol: null, auth: { user: "u", password: null, token: "t", authzid: null },
  maxConnections: null, maxInFlight: null, maxMessagesPerConnection: null, rateLimit: null, idleTimeout: null, maxQueued: null,
} satisfies PoolOptions);
const call = { signal: null, size: null, onProgress: null } satisfies DeliverOptions;
const login = { initialResponseOk: null } satisfies LoginOptions;
export async function use(c: SMTP): Promise<void> {
  await c.sendmail("a@x.test", "b@y.test", "hi", [], [], call);
  await c.deliver("a@x.test", "b@y.test", "hi", [], [], { size: config.timeout ?? null });
  await c.sendMessage("From: a@x.test\\r\\n\\r\\nhi", undefined, undefined, [], [], { signal: null, onProgress: null });
  await c.login("u", "p", login);
  await c.loginWith({ user: config.user ?? "u", password: null, token: "t", authzid: null }, { initialResponseOk: null });
}
export const scram = createScramSha256Mechanism({ nonce: null, plus: null, channelBinding: null, pbkdf2: null, minIterations: null });
export const registry = new AuthRegistry().register(scram, { before: null });
`;

for (const exact of [false, true]) {
  test(`options set to null type-check as README says they work${exact ? " (exactOptionalPropertyTypes)" : ""}`, () => {
    const diagnostics = typeCheck([{ file: `${ROOT}test/package/option-nulls.ts`, text: NULLS }], { exactOptionalPropertyTypes: exact, strict: true });
    assert.equal(diagnostics.length, 0, ts.formatDiagnostics(diagnostics, formatHost));
  });
}

test("a value of the wrong type is still a type error (null is no licence for anything)", () => {
  const text = `import { SMTP, SMTPPool } from "smtplib";
export const a = new SMTP({ timeout: "5000" });
export const b = new SMTPPool({ host: null });`;
  const diagnostics = typeCheck([{ file: `${ROOT}test/package/option-nulls-wrong.ts`, text }], { strict: true });
  assert.deepEqual(diagnostics.map((d) => d.start !== undefined ? text.slice(d.start, d.start + (d.length ?? 0)) : ""), ["timeout", "host"]);
});
