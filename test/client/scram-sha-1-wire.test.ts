/**
 * SCRAM-SHA-1 against a scripted server, on the wire: login() picks it over CRAM-MD5, PLAIN
 * and LOGIN (and SCRAM-SHA-256 over it), RFC 5802 §5's bytes are sent exactly, the debug
 * transcript masks the client's lines and shows the server's challenges by length only, and
 * a wrong server signature fails the login without falling back to a weaker mechanism.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createScramSha1Mechanism, createScramSha256Mechanism, defaultRegistry, SMTPAuthenticationError } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");

// RFC 5802 §5 (user "user", password "pencil").
const NONCE = "fyko+d2lbbFgONRv9qkxdawL";
const SERVER_FIRST = `r=${NONCE}3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096`;
const CLIENT_FINAL = `c=biws,r=${NONCE}3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=`;
const SERVER_FINAL = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

/** The default registry, its SCRAM mechanisms given fixed client nonces (each keeps its place). */
function registry(): ReturnType<typeof defaultRegistry> {
  return defaultRegistry()
    .register(createScramSha1Mechanism({ nonce: () => NONCE }))
    .register(createScramSha256Mechanism({ nonce: () => "rOprNGfwEbeRWgbNEkqO" }));
}

test("SCRAM-SHA-1: chosen over CRAM-MD5, PLAIN and LOGIN; RFC 5802 §5's bytes on the wire; the transcript masks the secrets", async () => {
  const script = `${greeting(["AUTH LOGIN PLAIN CRAM-MD5 SCRAM-SHA-1"])}C: AUTH SCRAM-SHA-1 ${b64(`n,,n=user,r=${NONCE}`)}
S: 334 ${b64(SERVER_FIRST)}
C: ${b64(CLIENT_FINAL)}
S: 334 ${b64(SERVER_FINAL)}
C:${" "}
S: 235 2.7.0 ok
`;
  const lines: string[] = [];
  await withScript(script, async (client) => {
    assert.equal((await client.login("user", "pencil")).code, 235);
  }, { authRegistry: registry(), debugLevel: 1, debugOutput: (line) => void lines.push(line) });
  const transcript = lines.join("\n");
  for (const secret of [b64(`n,,n=user,r=${NONCE}`), b64(SERVER_FIRST), b64(CLIENT_FINAL), b64(SERVER_FINAL)]) {
    assert.ok(!transcript.includes(secret), transcript);
  }
  assert.ok(lines.includes("C: AUTH SCRAM-SHA-1 ****"), transcript);
  assert.ok(lines.includes(`S: 334 <challenge, ${b64(SERVER_FIRST).length} characters, not shown>`), transcript);
  assert.ok(lines.includes(`S: 334 <challenge, ${b64(SERVER_FINAL).length} characters, not shown>`), transcript);
  assert.ok(lines.includes("S: 235 2.7.0 ok"), transcript);
});

test("SCRAM-SHA-256 is chosen over SCRAM-SHA-1 when the server offers both", async () => {
  const script = `${greeting(["AUTH SCRAM-SHA-1 SCRAM-SHA-256"])}C: AUTH SCRAM-SHA-256 ${b64("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")}
S: 334 ${b64("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")}
C: ${b64("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")}
S: 334 ${b64("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")}
C:${" "}
S: 235 2.7.0 ok
`;
  await withScript(script, async (client) => {
    assert.equal((await client.login("user", "pencil")).code, 235);
  }, { authRegistry: registry() });
});

test("SCRAM-SHA-1: a wrong server signature fails the login with SMTPAuthenticationError and no weaker mechanism follows", async () => {
  const script = `${greeting(["AUTH SCRAM-SHA-1 PLAIN LOGIN"])}C: AUTH SCRAM-SHA-1 ${b64(`n,,n=user,r=${NONCE}`)}
S: 334 ${b64(SERVER_FIRST)}
C: ${b64(CLIENT_FINAL)}
S: 334 ${b64(`v=${Buffer.alloc(20, 7).toString("base64")}`)}
C: *
S: 501 5.7.0 authentication cancelled
C: NOOP
S: 250 2.0.0 ok
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.login("user", "pencil"), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError, String(err));
      assert.equal(err.smtpError, "SCRAM-SHA-1: the server signature does not verify: the server does not know the password");
      return true;
    });
    assert.equal((await client.noop()).code, 250, "the next command is NOOP: no AUTH PLAIN or LOGIN was tried");
  }, { authRegistry: registry() });
});
