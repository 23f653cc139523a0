import assert from "node:assert/strict";
import { test } from "node:test";
import {
  authCramMd5Object,
  authenticate,
  authLoginObject,
  authPlainObject,
  type AuthState,
} from "../../src/client/authenticate.js";
import { SMTPAuthenticationError, SMTPException } from "../../src/errors.js";
import { b64, FakeIO } from "./fake-io.js";

const creds = { user: "jürgen", password: "pässwörd" };
const getCreds = () => creds;

test("authenticate: Python's auth_plain with and without an initial response", async () => {
  const io = new FakeIO(["235 2.7.0 Authentication successful"]);
  const r = await authenticate(io, "plain", authPlainObject(getCreds));
  assert.equal(r.code, 235);
  assert.deepEqual(io.sent, ["AUTH PLAIN AGrDvHJnZW4AcMOkc3N3w7ZyZA=="]);
  assert.deepEqual(io.logged, ["AUTH PLAIN ****"]);
  const io2 = new FakeIO(["334 ", "235 ok"]);
  await authenticate(io2, "PLAIN", authPlainObject(getCreds), { initialResponseOk: false });
  assert.deepEqual(io2.sent, ["AUTH PLAIN", "AGrDvHJnZW4AcMOkc3N3w7ZyZA=="]);
  assert.deepEqual(io2.logged, ["AUTH PLAIN", "****"]);
});

test("authenticate: Python's auth_login follows the challenge count", async () => {
  const state: AuthState = { challengeCount: 0 };
  const object = authLoginObject(getCreds, () => state.challengeCount);
  const io = new FakeIO(["334 UGFzc3dvcmQ6", "235 ok"]);
  await authenticate(io, "login", object, { state });
  assert.deepEqual(io.sent, [`AUTH LOGIN ${b64("jürgen")}`, b64("pässwörd")]);
  assert.equal(state.challengeCount, 2);
  const io2 = new FakeIO(["334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 ok"]);
  await authenticate(io2, "login", object, { state, initialResponseOk: false });
  assert.deepEqual(io2.sent, ["AUTH LOGIN", b64("jürgen"), b64("pässwörd")]);
  assert.deepEqual(io2.logged, ["AUTH LOGIN", "****", "****"]);
});

test("authenticate: Python's auth_cram_md5 has no initial response (RFC 2195 vector)", async () => {
  const object = authCramMd5Object(() => ({ user: "tim", password: "tanstaaftanstaaf" }));
  assert.equal(object(), null);
  const io = new FakeIO([`334 ${b64("<1896.697170952@postoffice.reston.mci.net>")}`, "235 ok"]);
  await authenticate(io, "cram-md5", object);
  assert.deepEqual(io.sent, ["AUTH CRAM-MD5", "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"]);
});

test("authenticate: a Buffer answer is sent as its bytes; an empty initial response is '='", async () => {
  const io = new FakeIO(["334 ", "235 ok"]);
  await authenticate(io, "X-CUSTOM", (challenge) => (challenge === undefined ? "" : Buffer.from([0xff, 0x00])));
  assert.deepEqual(io.sent, ["AUTH X-CUSTOM =", "/wA="]);
});

test("authenticate: 503 is not success, other codes throw with code and text", async () => {
  for (const [code, text] of [[503, "5.5.1 Error: already authenticated"], [535, "5.7.8 bad credentials"], [454, "4.7.0 try later"]] as const) {
    const io = new FakeIO([`${code} ${text}`]);
    await assert.rejects(authenticate(io, "PLAIN", authPlainObject(getCreds)), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError);
      assert.equal(err.smtpCode, code);
      assert.equal(err.smtpError, text);
      assert.equal(err.command, "AUTH PLAIN ****");
      return true;
    });
  }
});

test("authenticate: a sixth challenge is answered with '*' and throws", async () => {
  const io = new FakeIO([...Array(6).fill("334 "), "501 5.7.0 Authentication cancelled"]);
  let calls = 0;
  await assert.rejects(authenticate(io, "X-LOOP", () => (calls++, "x")), (err: unknown) => {
    assert.ok(err instanceof SMTPAuthenticationError);
    assert.equal(err.smtpCode, 501);
    assert.match(err.message, /cancelled after 5 challenges/);
    return true;
  });
  assert.equal(io.sent.length, 7); // AUTH + 5 answers + "*"
  assert.equal(io.sent[6], "*");
  assert.equal(io.logged[6], "*");
  assert.equal(calls, 6); // the initial response and five challenges
  assert.equal(io.remaining, 0);
});

test("authenticate: a challenge that is not base64 is cancelled with '*'", async () => {
  for (const bad of ["Go ahead", "abc=d", "a", "abc==="]) {
    const io = new FakeIO([`334 ${bad}`, "501 cancelled"]);
    await assert.rejects(authenticate(io, "CRAM-MD5", authCramMd5Object(getCreds)), /not valid base64/);
    assert.deepEqual(io.sent, ["AUTH CRAM-MD5", "*"]);
  }
  // unpadded base64 is accepted
  const io = new FakeIO(["334 YWI", "235 ok"]);
  const seen: Buffer[] = [];
  await authenticate(io, "X-A", (c) => (c === undefined ? null : (seen.push(c), "")));
  assert.equal(seen[0].toString(), "ab");
});

test("authenticate: an auth object that throws on a challenge cancels, then rethrows", async () => {
  const io = new FakeIO(["334 ", "501 cancelled"]);
  const boom = new RangeError("boom");
  await assert.rejects(authenticate(io, "X-A", (c) => { if (c) throw boom; return null; }), boom);
  assert.deepEqual(io.sent, ["AUTH X-A", "*"]);
});

test("authenticate: revealing mechanisms refused on an insecure non-loopback link unless opted in", async () => {
  for (const name of ["PLAIN", "login", "XOAUTH2", "oauthbearer"]) {
    const io = new FakeIO([], { encrypted: false, loopback: false, host: "smtp.example.net" });
    await assert.rejects(authenticate(io, name, authPlainObject(getCreds)), (err: unknown) => {
      assert.ok(err instanceof SMTPException && !(err instanceof SMTPAuthenticationError));
      assert.match(err.message, /smtp\.example\.net/);
      assert.match(err.message, /allowInsecureAuth/);
      return true;
    });
    assert.deepEqual(io.sent, []);
  }
  const loop = new FakeIO(["235 ok"], { encrypted: false, loopback: true });
  await authenticate(loop, "PLAIN", authPlainObject(getCreds));
  const optIn = new FakeIO(["235 ok"], { encrypted: false });
  await authenticate(optIn, "PLAIN", authPlainObject(getCreds), { allowInsecure: true });
  const cram = new FakeIO([`334 ${b64("<x@y>")}`, "235 ok"], { encrypted: false });
  await authenticate(cram, "CRAM-MD5", authCramMd5Object(getCreds));
});

test("authenticate: bad mechanism names and bad answers are TypeErrors", async () => {
  for (const name of ["PLAIN\r\nQUIT", "A B", "", "X".repeat(21)]) {
    const io = new FakeIO([]);
    await assert.rejects(authenticate(io, name, () => null), TypeError);
    assert.deepEqual(io.sent, []);
  }
  await assert.rejects(authenticate(new FakeIO([]), "X-A", () => 42 as never), TypeError);
  await assert.rejects(authenticate(new FakeIO([]), "PLAIN", authPlainObject(() => ({ user: null, password: null }))), TypeError);
});

test("no credential appears in errors or trace strings", async () => {
  const secret = { user: "alice", password: "S3cr3t!pw" };
  const encoded = b64(`\0alice\0S3cr3t!pw`);
  const io = new FakeIO(["334 ", "535 5.7.8 no"]);
  const err = await authenticate(io, "PLAIN", authPlainObject(() => secret), { initialResponseOk: false }).catch((e: unknown) => e);
  assert.ok(err instanceof SMTPAuthenticationError);
  for (const text of [err.message, err.command ?? "", String(err.stack), ...io.logged]) {
    assert.ok(!text.includes("S3cr3t") && !text.includes(encoded), text);
  }
  const typeErr = await authenticate(new FakeIO([]), "PLAIN", authPlainObject(() => ({ user: "u", password: "S3cr3t\n" }))).catch((e: unknown) => e);
  assert.ok(typeErr instanceof TypeError && !typeErr.message.includes("S3cr3t"));
});

test("authenticate: a string answer with a lone surrogate is a TypeError (Python's UnicodeEncodeError), not sent as U+FFFD", async () => {
  const io = new FakeIO([]);
  await assert.rejects(authenticate(io, "X-TEST", () => "pa\uD83D"), /lone surrogate/);
  assert.deepEqual(io.sent, []);
  await assert.rejects(authenticate(io, "PLAIN", authPlainObject(() => ({ user: "u", password: "pa\uD83D" }))), /lone surrogate/);
  assert.deepEqual(io.sent, []);
  const later = new FakeIO(["334 ", "501 cancelled"]);
  await assert.rejects(authenticate(later, "X-TEST", (challenge) => (challenge === undefined ? null : "\uDE00")), TypeError);
  assert.deepEqual(later.sent, ["AUTH X-TEST", "*"]);
});
