/**
 * SCRAM-SHA-1 (RFC 5802): section 5's example exchange byte for byte, the server signature
 * verified (a wrong or missing one refused), hostile server messages refused before any
 * PBKDF2 (iteration count bounds included), SASLprep and escaping of names, the gs2 flag,
 * its options, and its place in the default registry.
 */
import assert from "node:assert/strict";
import { pbkdf2Sync } from "node:crypto";
import { test } from "node:test";
import { createScramSha1Mechanism, scramSha1Mechanism } from "../../src/auth/scram-sha-1.js";
import { MAX_SCRAM_ITERATIONS } from "../../src/auth/scram-sha-256.js";
import { defaultRegistry } from "../../src/auth/registry.js";
import { authenticateWith } from "../../src/client/authenticate.js";
import { SMTPAuthenticationError } from "../../src/errors.js";
import { ScramServerExchange } from "../helpers/scram-server.js";
import { b64, failsWithCancel, FakeIO, scramServerIO } from "./fake-io.js";

// RFC 5802 §5 (user "user", password "pencil").
const NONCE = "fyko+d2lbbFgONRv9qkxdawL";
const CLIENT_FIRST = `n,,n=user,r=${NONCE}`;
const SERVER_FIRST = `r=${NONCE}3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096`;
const CLIENT_FINAL = `c=biws,r=${NONCE}3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=`;
const SERVER_FINAL = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";
const pencil = { user: "user", password: "pencil" };

/** SCRAM-SHA-1 with RFC 5802's client nonce, counting its PBKDF2 runs. */
function counted(): { mech: ReturnType<typeof createScramSha1Mechanism>; runs: () => number } {
  let runs = 0;
  const mech = createScramSha1Mechanism({
    nonce: () => NONCE,
    pbkdf2: (password, salt, iterations) => { runs++; return Promise.resolve(pbkdf2Sync(password, salt, iterations, 20, "sha1")); },
  });
  return { mech, runs: () => runs };
}

/** The exchange's failure: an SMTPAuthenticationError whose text is `message`, the exchange cancelled with "*". */
async function failsWith(replies: string[], message: string, derivations = 0): Promise<void> {
  const { mech, runs } = counted();
  await failsWithCancel(mech, pencil, replies, message);
  assert.equal(runs(), derivations, "PBKDF2 runs");
}

test("SCRAM-SHA-1: RFC 5802 §5's exchange byte for byte, with and without an initial response; the trace masks every line", async () => {
  const scram = createScramSha1Mechanism({ nonce: () => NONCE });
  assert.equal(scram.name, "SCRAM-SHA-1");
  const io = new FakeIO([`334 ${b64(SERVER_FIRST)}`, `334 ${b64(SERVER_FINAL)}`, "235 2.7.0 ok"]);
  assert.equal((await authenticateWith(io, scram, pencil)).code, 235);
  assert.deepEqual(io.sent, [`AUTH SCRAM-SHA-1 ${b64(CLIENT_FIRST)}`, b64(CLIENT_FINAL), ""]);
  assert.deepEqual(io.logged, ["AUTH SCRAM-SHA-1 ****", "****", "****"]);

  const io2 = new FakeIO(["334 ", `334 ${b64(SERVER_FIRST)}`, `334 ${b64(SERVER_FINAL)}`, "235 2.7.0 ok"]);
  assert.equal((await authenticateWith(io2, scram, pencil, { initialResponseOk: false })).code, 235);
  assert.deepEqual(io2.sent, ["AUTH SCRAM-SHA-1", b64(CLIENT_FIRST), b64(CLIENT_FINAL), ""]);
});

test("SCRAM-SHA-1: a wrong server signature (SCRAM-SHA-256's, a flipped bit, another length) cancels the exchange and throws", async () => {
  const right = Buffer.from(SERVER_FINAL.slice(2), "base64");
  const flipped = Buffer.from(right);
  flipped[19] ^= 1;
  for (const bad of [flipped, Buffer.alloc(20, 7), Buffer.concat([right, Buffer.alloc(12)]), right.subarray(0, 19)]) {
    await failsWith([`334 ${b64(SERVER_FIRST)}`, `334 ${b64(`v=${bad.toString("base64")}`)}`], "SCRAM-SHA-1: the server signature does not verify: the server does not know the password", 1);
  }
});

test("SCRAM-SHA-1: 235 without a server signature is refused (reply code 235)", async () => {
  const { mech } = counted();
  const io = new FakeIO([`334 ${b64(SERVER_FIRST)}`, "235 2.7.0 ok"]);
  await assert.rejects(authenticateWith(io, mech, pencil), (err: unknown) => {
    assert.ok(err instanceof SMTPAuthenticationError);
    assert.equal(err.smtpCode, 235);
    assert.equal(err.smtpError, "SCRAM-SHA-1: the server accepted without proving it knows the password (no server signature)");
    return true;
  });
});

test("SCRAM-SHA-1: hostile server-first messages are refused, saying why, before any PBKDF2", async () => {
  const salt = "QSXCR+Q6sek8bf92";
  const cases: Array<[string, string]> = [
    [`m=ext,r=${NONCE}x,s=${salt},i=4096`, "the server requires an extension we do not support"],
    [`r=${NONCE}x,i=4096`, "malformed server-first-message"],
    [`r=${NONCE}x,t=${salt},i=4096`, "malformed server-first-message"],
    [`r=someoneElsesNonce,s=${salt},i=4096`, "the server nonce does not extend ours"],
    [`r=${NONCE},s=${salt},i=4096`, "the server nonce does not extend ours"],
    [`r=${NONCE}x y,s=${salt},i=4096`, "the server nonce does not extend ours"],
    [`r=${NONCE}x,s=,i=4096`, "malformed salt"],
    [`r=${NONCE}x,s=AA!A,i=4096`, "malformed salt"],
    [`r=${NONCE}x,s=${salt},i=04096`, "unacceptable iteration count"],
    [`r=${NONCE}x,s=${salt},i=10000000000`, "unacceptable iteration count"],
    [`r=${NONCE}x,s=${salt},i=${MAX_SCRAM_ITERATIONS + 1}`, `unacceptable iteration count ${MAX_SCRAM_ITERATIONS + 1}: at most ${MAX_SCRAM_ITERATIONS} is computed`],
    [`r=${NONCE}x,s=${salt},i=4095`, "unacceptable iteration count 4095: at least 4096 is required (RFC 5802 §5.1; minIterations lowers it)"],
  ];
  for (const [serverFirst, reason] of cases) await failsWith([`334 ${b64(serverFirst)}`], `SCRAM-SHA-1: ${reason}`);
});

test("SCRAM-SHA-1: hostile server-final messages (an error, malformed, an extra challenge) are refused", async () => {
  await failsWith([`334 ${b64(SERVER_FIRST)}`, `334 ${b64("e=invalid-proof")}`], "SCRAM-SHA-1: the server reported an error: invalid-proof", 1);
  for (const serverFinal of ["x=abc", "v=", "v=AA!A"]) {
    await failsWith([`334 ${b64(SERVER_FIRST)}`, `334 ${b64(serverFinal)}`], "SCRAM-SHA-1: malformed server-final-message", 1);
  }
  await failsWith([`334 ${b64(SERVER_FIRST)}`, `334 ${b64(SERVER_FINAL)}`, `334 ${b64(SERVER_FINAL)}`], "SCRAM-SHA-1: unexpected extra challenge from the server", 1);
});

test("SCRAM-SHA-1: minIterations lowers the floor, within 1 to MAX_SCRAM_ITERATIONS", async () => {
  const seen: number[] = [];
  const mech = createScramSha1Mechanism({ nonce: () => NONCE, minIterations: 1, pbkdf2: (_p, _s, n) => { seen.push(n); return Promise.resolve(Buffer.alloc(20)); } });
  const io = new FakeIO([`334 ${b64(`r=${NONCE}x,s=QSXCR+Q6sek8bf92,i=1`)}`, `334 ${b64("v=AAAA")}`, "501 5.7.0 cancelled"]);
  await assert.rejects(authenticateWith(io, mech, pencil), /does not verify/);
  assert.deepEqual(seen, [1]);
  assert.throws(() => createScramSha1Mechanism({ minIterations: 0 }), RangeError);
  assert.throws(() => createScramSha1Mechanism({ minIterations: MAX_SCRAM_ITERATIONS + 1 }), RangeError);
});

test("SCRAM-SHA-1: there is no PLUS form here: plus and channelBinding are unknown options (TypeError)", () => {
  for (const options of [{ plus: true }, { plus: false }, { channelBinding: "tls-exporter" }]) {
    assert.throws(() => createScramSha1Mechanism(options as never), { name: "TypeError", message: /unknown SCRAM option/i });
  }
  assert.equal(scramSha1Mechanism.needsChannelBinding, false);
  assert.equal(scramSha1Mechanism.revealsSecret, false);
  assert.equal(scramSha1Mechanism.carriesAuthzid, true);
});

test("SCRAM-SHA-1: names are escaped and SASLprep'd, and an independent SHA-1 server accepts the proof for them", async () => {
  const mech = createScramSha1Mechanism({ nonce: () => "abc" });
  const first = mech.start({ user: "a=b,c\u00a0d", password: "x", authzid: "z=," }, { host: "h", port: 1 }).initialResponse();
  assert.equal(first?.toString(), "n,a=z=3D=2C,n=a=3Db=2Cc d,r=abc");
  assert.throws(() => mech.start({ user: "u", password: "p\u200eq" }, { host: "h", port: 1 }), TypeError);
  assert.throws(() => mech.start({ user: "", password: "p" }, { host: "h", port: 1 }), /user name is empty/);
  // U+00A0 in the password is a space once prepared: the server holds "pen cil".
  const io = scramServerIO(new ScramServerExchange({ password: "pen cil", offersPlus: false, hash: "sha1" }));
  assert.equal((await authenticateWith(io, mech, { user: "user", password: "pen\u00a0cil" })).code, 235);
  assert.equal(io.sent.at(-1), "");
});

test("SCRAM-SHA-1: the gs2 flag is y only with a binding and a list of mechanisms without SCRAM-SHA-1-PLUS", () => {
  const mech = createScramSha1Mechanism({ nonce: () => "abc" });
  const binding = { type: "tls-exporter" as const, data: Buffer.alloc(32) };
  const flag = (context: Parameters<typeof mech.start>[1]): string => String(mech.start(pencil, context).initialResponse()).slice(0, 3);
  assert.equal(flag({ host: "h", port: 1, channelBinding: binding, advertised: new Set(["SCRAM-SHA-1", "SCRAM-SHA-256-PLUS"]) }), "y,,");
  assert.equal(flag({ host: "h", port: 1, channelBinding: binding, advertised: new Set(["SCRAM-SHA-1", "SCRAM-SHA-1-PLUS"]) }), "n,,");
  assert.equal(flag({ host: "h", port: 1, channelBinding: binding }), "n,,", "advertised unknown");
  assert.equal(flag({ host: "h", port: 1, advertised: new Set(["SCRAM-SHA-1"]) }), "n,,", "no binding on this connection");
});

test("SCRAM-SHA-1 sits in the default registry after SCRAM-SHA-256 and before CRAM-MD5, PLAIN and LOGIN", () => {
  const names = defaultRegistry().names();
  assert.equal(names.indexOf("SCRAM-SHA-1"), names.indexOf("SCRAM-SHA-256") + 1);
  assert.equal(names.indexOf("CRAM-MD5"), names.indexOf("SCRAM-SHA-1") + 1);
  assert.equal(defaultRegistry().get("scram-sha-1"), scramSha1Mechanism);
});
