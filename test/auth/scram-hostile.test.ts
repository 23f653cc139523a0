/**
 * SCRAM-SHA-256's refusals not reached elsewhere: a server-first message without its salt,
 * with an attribute misnamed, a bad server nonce or salt, an iteration count above
 * MAX_SCRAM_ITERATIONS (refused before any PBKDF2), a malformed server-final message, a
 * challenge after the verified server signature, PLUS without a channel binding, and a
 * client nonce that SCRAM cannot carry.
 */
import assert from "node:assert/strict";
import { pbkdf2Sync } from "node:crypto";
import { test } from "node:test";
import { authenticateWith } from "../../src/client/authenticate.js";
import { createScramSha256Mechanism, MAX_SCRAM_ITERATIONS } from "../../src/auth/scram-sha-256.js";
import { SMTPAuthenticationError, SMTPException } from "../../src/errors.js";
import { b64, failsWithCancel, FakeIO } from "./fake-io.js";

// RFC 7677 §3's exchange (user "user", password "pencil").
const NONCE = "rOprNGfwEbeRWgbNEkqO";
const SERVER_FIRST = `r=${NONCE}%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096`;
const SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
const pencil = { user: "user", password: "pencil" };

/** The exchange's failure: an SMTPAuthenticationError whose text is `message`; the exchange cancelled with "*". */
async function failsWith(replies: string[], message: string, derivations = 0): Promise<void> {
  let derived = 0;
  const scram = createScramSha256Mechanism({
    nonce: () => NONCE,
    pbkdf2: (password, salt, iterations) => { derived++; return Promise.resolve(pbkdf2Sync(password, salt, iterations, 32, "sha256")); },
  });
  await failsWithCancel(scram, pencil, replies, message);
  assert.equal(derived, derivations, "PBKDF2 runs");
}

test("SCRAM-SHA-256: a server-first message without its salt is malformed", async () => {
  await failsWith([`334 ${b64(`r=${NONCE}x,i=4096`)}`], "SCRAM-SHA-256: malformed server-first-message");
});

test("SCRAM-SHA-256: an iteration count above MAX_SCRAM_ITERATIONS is refused before any PBKDF2", async () => {
  const count = MAX_SCRAM_ITERATIONS + 1;
  await failsWith([`334 ${b64(`r=${NONCE}x,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=${count}`)}`], `SCRAM-SHA-256: unacceptable iteration count ${count}: at most ${MAX_SCRAM_ITERATIONS} is computed`);
});

test("SCRAM-SHA-256: a malformed server-final message fails the exchange", async () => {
  for (const serverFinal of ["x=abc", "v=", "v=AA!A", "v=AAAAA==="]) {
    await failsWith([`334 ${b64(SERVER_FIRST)}`, `334 ${b64(serverFinal)}`], "SCRAM-SHA-256: malformed server-final-message", 1);
  }
});

test("SCRAM-SHA-256: a challenge after the verified server signature fails the exchange", async () => {
  await failsWith([`334 ${b64(SERVER_FIRST)}`, `334 ${b64(SERVER_FINAL)}`, `334 ${b64(SERVER_FINAL)}`], "SCRAM-SHA-256: unexpected extra challenge from the server", 1);
});

test("SCRAM-SHA-256-PLUS without a channel binding of its type: SMTPException, nothing sent", async () => {
  for (const channelBinding of ["tls-exporter", "tls-server-end-point"] as const) {
    const plus = createScramSha256Mechanism({ plus: true, channelBinding });
    const io = new FakeIO(["235 ok"]);
    await assert.rejects(authenticateWith(io, plus, pencil), (err: unknown) => {
      assert.ok(err instanceof SMTPException && !(err instanceof SMTPAuthenticationError), String(err));
      assert.match(err.message, /^SCRAM-SHA-256-PLUS needs a channel binding: /);
      return true;
    });
    assert.deepEqual(io.sent, []);
  }
});

test("SCRAM-SHA-256: a client nonce with ',' or outside printable ASCII is a TypeError, nothing sent", async () => {
  for (const nonce of ["a,b", "", "caf\u00e9"]) {
    const io = new FakeIO(["235 ok"]);
    const scram = createScramSha256Mechanism({ nonce: () => nonce });
    await assert.rejects(authenticateWith(io, scram, pencil), { name: "TypeError", message: "a SCRAM nonce must be printable ASCII without ','" });
    assert.deepEqual(io.sent, []);
  }
});

test("SCRAM-SHA-256: a hostile server-first message is refused, saying why, before any PBKDF2", async () => {
  const salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
  const cases: Array<[string, string]> = [
    [`m=ext,r=${NONCE}x,s=${salt},i=4096`, "the server requires an extension we do not support"],
    [`r=${NONCE}x,t=${salt},i=4096`, "malformed server-first-message"],
    [`r=${NONCE}x,s=${salt},j=4096`, "malformed server-first-message"],
    [`r=${NONCE}x y,s=${salt},i=4096`, "the server nonce does not extend ours"],
    [`r=${NONCE}\u00e9,s=${salt},i=4096`, "the server nonce does not extend ours"],
    [`r=${NONCE}x,s=,i=4096`, "malformed salt"],
    [`r=${NONCE}x,s=AA!A,i=4096`, "malformed salt"],
    [`r=${NONCE}x,s=AAAAA===,i=4096`, "malformed salt"],
    [`r=${NONCE}x,s=AAA,i=4096`, "malformed salt"],
    // RFC 5802 posit-number: no leading zero; more than ten digits is never read as a number
    [`r=${NONCE}x,s=${salt},i=04096`, "unacceptable iteration count"],
    [`r=${NONCE}x,s=${salt},i=10000000000`, "unacceptable iteration count"],
    [`r=${NONCE}x,s=${salt},i=1000000000`, `unacceptable iteration count 1000000000: at most ${MAX_SCRAM_ITERATIONS} is computed`],
  ];
  for (const [serverFirst, reason] of cases) await failsWith([`334 ${b64(serverFirst)}`], `SCRAM-SHA-256: ${reason}`);
});

test("SCRAM-SHA-256: a salt with '+' and '/' and an iteration count of exactly MAX_SCRAM_ITERATIONS are accepted", async () => {
  const seen: Array<[string, number]> = [];
  const scram = createScramSha256Mechanism({
    nonce: () => NONCE,
    pbkdf2: (_password, salt, iterations) => { seen.push([salt.toString("base64"), iterations]); return Promise.resolve(Buffer.alloc(32)); },
  });
  const io = new FakeIO([`334 ${b64(`r=${NONCE}x,s=+/+/,i=${MAX_SCRAM_ITERATIONS}`)}`, `334 ${b64("v=AAAA")}`, "501 5.7.0 cancelled"]);
  await assert.rejects(authenticateWith(io, scram, pencil), (err: unknown) => err instanceof SMTPAuthenticationError && /does not verify/.test(err.smtpError));
  assert.deepEqual(seen, [["+/+/", MAX_SCRAM_ITERATIONS]]);
});

test("SCRAM-SHA-256: an iteration count that starts with 9 is a number like any other", async () => {
  const seen: number[] = [];
  const scram = createScramSha256Mechanism({
    nonce: () => NONCE,
    pbkdf2: (_password, _salt, iterations) => { seen.push(iterations); return Promise.resolve(Buffer.alloc(32)); },
  });
  const io = new FakeIO([`334 ${b64(`r=${NONCE}x,s=AAAA,i=9999`)}`, `334 ${b64("v=AAAA")}`, "501 5.7.0 cancelled"]);
  await assert.rejects(authenticateWith(io, scram, pencil), (err: unknown) => err instanceof SMTPAuthenticationError && /does not verify/.test(err.smtpError));
  assert.deepEqual(seen, [9999]);
});

test("SCRAM-SHA-256: the default client nonce is 18 random bytes in base64 (24 characters), new for each exchange", async () => {
  const nonces: string[] = [];
  for (let i = 0; i < 2; i++) {
    const io = new FakeIO(["535 5.7.8 no"]);
    await assert.rejects(authenticateWith(io, createScramSha256Mechanism(), pencil), SMTPAuthenticationError);
    const [verb, name, initial] = io.sent[0]!.split(" ");
    assert.deepEqual([verb, name], ["AUTH", "SCRAM-SHA-256"]);
    const match = /^n,,n=user,r=([A-Za-z0-9+/]{24})$/.exec(Buffer.from(initial!, "base64").toString("utf8"));
    assert.ok(match, io.sent[0]);
    nonces.push(match[1]!);
  }
  assert.notEqual(nonces[0], nonces[1]);
});
