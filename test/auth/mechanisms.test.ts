import assert from "node:assert/strict";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { authenticateWith } from "../../src/client/authenticate.js";
import { cramMd5Mechanism, cramMd5Response } from "../../src/auth/cram-md5.js";
import { loginMechanism } from "../../src/auth/login.js";
import { encodeOAuthBearer, oauthBearerMechanism } from "../../src/auth/oauthbearer.js";
import { encodePlain, plainMechanism } from "../../src/auth/plain.js";
import { MAX_SASLPREP_LENGTH, saslprep } from "../../src/auth/saslprep.js";
import { createScramSha256Mechanism } from "../../src/auth/scram-sha-256.js";
import { encodeXoauth2, xoauth2Mechanism } from "../../src/auth/xoauth2.js";
import { SMTPAuthenticationError } from "../../src/errors.js";
import { ScramServerExchange } from "../helpers/scram-server.js";
import { b64, FakeIO } from "./fake-io.js";

test("PLAIN: RFC 4616 §4 examples", () => {
  assert.equal(encodePlain({ user: "tim", password: "tanstaaftanstaaf" }).toString("base64"), "AHRpbQB0YW5zdGFhZnRhbnN0YWFm");
  assert.equal(encodePlain({ user: "Kurt", password: "xipj3plmq", authzid: "Ursel" }).toString("base64"), "VXJzZWwAS3VydAB4aXBqM3BsbXE=");
});

test("PLAIN: with and without initial response; UTF-8 credentials", async () => {
  const creds = { user: "jürgen", password: "pässwörd" };
  const io = new FakeIO(["235 2.7.0 ok"]);
  await authenticateWith(io, plainMechanism, creds);
  assert.deepEqual(io.sent, ["AUTH PLAIN AGrDvHJnZW4AcMOkc3N3w7ZyZA=="]);
  assert.deepEqual(io.logged, ["AUTH PLAIN ****"]);

  const io2 = new FakeIO(["334 ", "235 ok"]);
  await authenticateWith(io2, plainMechanism, creds, { initialResponseOk: false });
  assert.deepEqual(io2.sent, ["AUTH PLAIN", "AGrDvHJnZW4AcMOkc3N3w7ZyZA=="]);
  assert.deepEqual(io2.logged, ["AUTH PLAIN", "****"]);
});

test("LOGIN: user then password, with and without initial response, UTF-8", async () => {
  const creds = { user: "jürgen", password: "pässwörd" };
  const io = new FakeIO(["334 UGFzc3dvcmQ6", "235 ok"]);
  await authenticateWith(io, loginMechanism, creds);
  assert.deepEqual(io.sent, ["AUTH LOGIN asO8cmdlbg==", "cMOkc3N3w7ZyZA=="]);
  const io2 = new FakeIO(["334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 ok"]);
  await authenticateWith(io2, loginMechanism, creds, { initialResponseOk: false });
  assert.deepEqual(io2.sent, ["AUTH LOGIN", "asO8cmdlbg==", "cMOkc3N3w7ZyZA=="]);
  assert.deepEqual(io2.logged, ["AUTH LOGIN", "****", "****"]);
});

test("CRAM-MD5: RFC 2195 §2 example (tim / tanstaaftanstaaf)", async () => {
  const challenge = "<1896.697170952@postoffice.reston.mci.net>";
  assert.equal(cramMd5Response("tim", "tanstaaftanstaaf", Buffer.from(challenge)), "tim b913a602c7eda7a495b4e6e7334d3890");
  for (const initialResponseOk of [true, false]) {
    const io = new FakeIO([`334 ${b64(challenge)}`, "235 ok"]);
    await authenticateWith(io, cramMd5Mechanism, { user: "tim", password: "tanstaaftanstaaf" }, { initialResponseOk });
    assert.deepEqual(io.sent, ["AUTH CRAM-MD5", "dGltIGI5MTNhNjAyYzdlZGE3YTQ5NWI0ZTZlNzMzNGQzODkw"]);
  }
  const io = new FakeIO([`334 ${b64(challenge)}`, "235 ok"]);
  await authenticateWith(io, cramMd5Mechanism, { user: "jürgen", password: "pässwörd" });
  assert.equal(io.sent[1], "asO8cmdlbiBmMDY5MmQ1OGQwZGYwYTk3OTQ5NmZkNjgxZWQ5ZWYyYg==");
});

const SERVER_FIRST = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
const CLIENT_FINAL = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
const SERVER_FINAL = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";
const scram = createScramSha256Mechanism({ nonce: () => "rOprNGfwEbeRWgbNEkqO" });
const pencil = { user: "user", password: "pencil" };

test("SCRAM-SHA-256: RFC 7677 §3 example, with and without initial response", async () => {
  const io = new FakeIO([`334 ${b64(SERVER_FIRST)}`, `334 ${b64(SERVER_FINAL)}`, "235 ok"]);
  await authenticateWith(io, scram, pencil, { allowInsecure: false });
  assert.deepEqual(io.sent, [`AUTH SCRAM-SHA-256 ${b64("n,,n=user,r=rOprNGfwEbeRWgbNEkqO")}`, b64(CLIENT_FINAL), ""]);
  assert.deepEqual(io.logged, ["AUTH SCRAM-SHA-256 ****", "****", "****"]);

  const io2 = new FakeIO(["334 ", `334 ${b64(SERVER_FIRST)}`, `334 ${b64(SERVER_FINAL)}`, "235 ok"]);
  await authenticateWith(io2, scram, pencil, { initialResponseOk: false });
  assert.deepEqual(io2.sent, ["AUTH SCRAM-SHA-256", b64("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"), b64(CLIENT_FINAL), ""]);
});

test("SCRAM-SHA-256: a wrong server signature cancels the exchange and throws", async () => {
  const bad = "v=" + Buffer.alloc(32, 7).toString("base64");
  const io = new FakeIO([`334 ${b64(SERVER_FIRST)}`, `334 ${b64(bad)}`, "501 5.7.0 cancelled"]);
  await assert.rejects(authenticateWith(io, scram, pencil), (err: unknown) => {
    assert.ok(err instanceof SMTPAuthenticationError);
    assert.match(err.message, /server signature does not verify/);
    assert.equal(err.command, "AUTH SCRAM-SHA-256 ****");
    return true;
  });
  assert.equal(io.sent.at(-1), "*");
});

test("SCRAM-SHA-256: 235 without a server signature is refused", async () => {
  const io = new FakeIO([`334 ${b64(SERVER_FIRST)}`, "235 ok"]);
  await assert.rejects(authenticateWith(io, scram, pencil), /no server signature/);
});

test("SCRAM-SHA-256: hostile server-first messages fail without computing a key", async () => {
  const cases = [
    "r=someoneElsesNonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", // not extended
    "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999",
    "r=rOprNGfwEbeRWgbNEkqOx,s=***,i=4096",
    "m=ext,r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
  ];
  for (const serverFirst of cases) {
    const io = new FakeIO([`334 ${b64(serverFirst)}`, "501 cancelled"]);
    await assert.rejects(authenticateWith(io, scram, pencil), SMTPAuthenticationError);
    assert.equal(io.sent.at(-1), "*");
  }
  const io = new FakeIO([`334 ${b64(SERVER_FIRST)}`, `334 ${b64("e=invalid-proof")}`, "501 cancelled"]);
  await assert.rejects(authenticateWith(io, scram, pencil), /invalid-proof/);
});

test("SCRAM-SHA-256-PLUS: the gs2 header names tls-exporter and c= carries the binding data (checked by a server)", async () => {
  const binding = { type: "tls-exporter" as const, data: Buffer.alloc(32, 0xa5) };
  const plus = createScramSha256Mechanism({ plus: true, nonce: () => "abc" });
  assert.equal(plus.name, "SCRAM-SHA-256-PLUS");
  assert.equal(plus.needsChannelBinding, true);
  const server = new ScramServerExchange({ password: "pencil", offersPlus: true });
  const serverFirst = server.first("p=tls-exporter,,n=user,r=abc");
  const io = new FakeIO([`334 ${b64(serverFirst)}`, "", "235 ok"], { binding });
  const replies = io as unknown as { command: FakeIO["command"] };
  const command = replies.command.bind(io);
  // The server's final message depends on the proof: compute it from what the client sent.
  replies.command = async (line, logAs) => {
    const reply = await command(line, logAs);
    if (io.sent.length !== 2) return reply;
    const clientFinal = Buffer.from(line, "base64").toString();
    assert.match(clientFinal, new RegExp(`^c=${Buffer.concat([Buffer.from("p=tls-exporter,,"), binding.data]).toString("base64").replace(/[+/]/g, "\\$&")},`));
    const final = server.final(clientFinal, binding.data);
    assert.match(final, /^v=/, "the server accepts the proof and the binding");
    return { code: 334, message: b64(final), lines: [b64(final)] };
  };
  await authenticateWith(io, plus, pencil);
  assert.equal(io.sent[0], `AUTH SCRAM-SHA-256-PLUS ${b64("p=tls-exporter,,n=user,r=abc")}`);
  assert.equal(io.sent.length, 3);
});

test("SCRAM-SHA-256: the gs2 flag is y only with a binding and a list of mechanisms without PLUS", () => {
  const binding = { type: "tls-exporter" as const, data: Buffer.alloc(32) };
  const first = (context: Parameters<typeof scram.start>[1]): string => String(scram.start(pencil, context).initialResponse()).slice(0, 3);
  assert.equal(first({ host: "h", port: 1, channelBinding: binding, advertised: new Set(["SCRAM-SHA-256"]) }), "y,,");
  assert.equal(first({ host: "h", port: 1, channelBinding: binding, advertised: new Set(["SCRAM-SHA-256", "SCRAM-SHA-256-PLUS"]) }), "n,,");
  assert.equal(first({ host: "h", port: 1, channelBinding: binding }), "n,,", "advertised unknown (auth() called directly)");
  assert.equal(first({ host: "h", port: 1, advertised: new Set(["SCRAM-SHA-256"]) }), "n,,", "no binding on this connection");
});

test("SCRAM-SHA-256: names are escaped and SASLprep'd", async () => {
  const mech = createScramSha256Mechanism({ nonce: () => "abc" });
  const first = await mech.start({ user: "a=b,c\u00a0d", password: "x" }, { host: "h", port: 1 }).initialResponse();
  assert.equal(first?.toString(), "n,,n=a=3Db=2Cc d,r=abc");
  assert.equal(saslprep("I\u00adX", "p"), "IX");
  assert.equal(saslprep("\u2168", "p"), "IX");
  assert.throws(() => saslprep("a\u0007b", "password"), TypeError);
  assert.throws(() => saslprep("a\ue000b", "password"), TypeError);
  assert.throws(() => mech.start({ user: "u", password: "p\u200eq" }, { host: "h", port: 1 }), TypeError);
});

test("SASLprep: RFC 4013 §3's examples, the bidirectional check, unassigned code points allowed", () => {
  assert.equal(saslprep("user", "p"), "user");
  assert.equal(saslprep("USER", "p"), "USER");
  assert.equal(saslprep("\u00aa", "p"), "a");
  assert.equal(saslprep("a\u00a0b", "p"), "a b");
  assert.throws(() => saslprep("\u0007", "password"), { name: "TypeError", message: /password contains a character SASLprep prohibits/ });
  // RFC 4013 §3: "<U+0627><U+0031>" is an error (a right-to-left string must end with one).
  assert.throws(() => saslprep("\u0627\u0031", "password"), { name: "TypeError", message: /password .*right-to-left.*RFC 3454 §6/ });
  assert.equal(saslprep("\u0627\u0031\u0628", "p"), "\u0627\u0031\u0628");
  assert.throws(() => saslprep("abc\u05d0", "user name"), { name: "TypeError", message: /^user name mixes right-to-left/ });
  // U+0221 was unassigned in Unicode 3.2: a query may hold it (RFC 4013 §2.5).
  assert.equal(saslprep("a\u0221", "p"), "a\u0221");
  assert.throws(() => saslprep("\u00ad", "password"), { name: "TypeError", message: /password is empty after SASLprep/ });
  // Every end of table B.1's ranges (U+200B aside: mapped to a space) is mapped to nothing;
  // the code point just outside each range is not.
  const mappedToNothing: Array<[number, number]> = [[0xad, 0xad], [0x34f, 0x34f], [0x1806, 0x1806], [0x180b, 0x180d], [0x200c, 0x200d], [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff]];
  for (const [first, last] of mappedToNothing) {
    for (const cp of [first, last]) assert.throws(() => saslprep(String.fromCodePoint(cp), "password"), { message: /^password is empty after SASLprep/ }, cp.toString(16));
    for (const cp of [first - 1, last + 1]) {
      let message = "";
      try { saslprep(String.fromCodePoint(cp), "p"); } catch (e) { message = (e as Error).message; }
      assert.doesNotMatch(message, /empty after SASLprep/, cp.toString(16));
    }
  }
  assert.equal(saslprep("", "p"), "");
  // A fixed length cap, whatever the call stack's depth (the library spreads code points as arguments).
  assert.equal(MAX_SASLPREP_LENGTH, 32 * 1024);
  assert.equal(saslprep("\u00e9".repeat(MAX_SASLPREP_LENGTH), "p").length, MAX_SASLPREP_LENGTH);
  assert.throws(() => saslprep("\u00e9".repeat(MAX_SASLPREP_LENGTH + 1), "password"), { name: "TypeError", message: /^password is too long for SASLprep/ });
  // Table C.4's plane-15 non-characters, which the library's table lacks.
  for (const nonchar of ["a\u{fffff}", "\u{ffffe}b", "\ufdd0"]) {
    assert.throws(() => saslprep(nonchar, "password"), { name: "TypeError", message: /prohibits/ });
  }
  // U+200B is in tables C.1.2 and B.1: mapped to a space, as the library and GNU libidn do.
  assert.equal(saslprep("x\u200by", "p"), "x y");
  assert.equal(saslprep("\u200b", "p"), " ");
  assert.equal(saslprep("x\u200cy", "p"), "xy");
  // The value never appears in the error.
  for (const secret of ["s3cret\u0007", "s3cret\u05d0"]) {
    assert.throws(() => saslprep(secret, "password"), (err: Error) => !`${err.message} ${String(err.cause)}`.includes("s3cret"));
  }
});

test("XOAUTH2 and OAUTHBEARER encodings; token from a function is fetched per attempt", async () => {
  assert.equal((await encodeXoauth2({ user: "someuser@example.com", token: "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg" })).toString(),
    "user=someuser@example.com\x01auth=Bearer ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg\x01\x01");
  const bearer = await encodeOAuthBearer({ user: "user@example.com", token: "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==" }, { host: "server.example.com", port: 587 });
  assert.equal(bearer.toString(), "n,a=user@example.com,\x01host=server.example.com\x01port=587\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01");
  // no user name: no authzid at all ("a=" must name one character at least, RFC 5801 §4)
  const anonymous = await encodeOAuthBearer({ user: "", token: "tok" }, { host: "server.example.com", port: 587 });
  assert.equal(anonymous.toString(), "n,,\x01host=server.example.com\x01port=587\x01auth=Bearer tok\x01\x01");
  let calls = 0;
  const token = async (): Promise<string> => `tok${++calls}`;
  for (const expected of ["tok1", "tok2"]) {
    const io = new FakeIO(["235 ok"]);
    await authenticateWith(io, xoauth2Mechanism, { user: "u", token });
    assert.equal(Buffer.from(io.sent[0].split(" ")[2], "base64").toString(), `user=u\x01auth=Bearer ${expected}\x01\x01`);
  }
});

test("OAuth error challenge: XOAUTH2 answers empty, OAUTHBEARER \\x01; JSON in details", async () => {
  const json = { status: "invalid_token", schemes: "bearer", scope: "https://mail.google.com/" };
  for (const [mech, answer] of [[xoauth2Mechanism, ""], [oauthBearerMechanism, "AQ=="]] as const) {
    const io = new FakeIO([`334 ${b64(JSON.stringify(json))}`, "535 5.7.8 Username and Password not accepted"]);
    await assert.rejects(authenticateWith(io, mech, { user: "u@example.com", token: "secret-token" }), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError);
      assert.equal(err.smtpCode, 535);
      assert.deepEqual(err.details, json);
      assert.doesNotMatch(err.message, /secret-token/);
      return true;
    });
    assert.equal(io.sent[1], answer);
    assert.equal(io.logged[0], `AUTH ${mech.name} ****`);
  }
});

test("credentials with CR, LF, NUL (or \\x01 for OAuth) are TypeErrors before anything is sent", async () => {
  const bad: [typeof plainMechanism, object][] = [
    [plainMechanism, { user: "a\0b", password: "p" }],
    [plainMechanism, { user: "a", password: "p\r\nQUIT" }],
    [loginMechanism, { user: "a\n", password: "p" }],
    [cramMd5Mechanism, { user: "a", password: "p\0" }],
    [scram, { user: "a", password: "p\n" }],
    [xoauth2Mechanism, { user: "a\x01b", token: "t" }],
    [xoauth2Mechanism, { user: "a", token: "t\x01auth=x" }],
    [oauthBearerMechanism, { user: "a", token: () => "t\r\n" }],
    [plainMechanism, { user: "a" }],
    [xoauth2Mechanism, { user: "a" }],
  ];
  for (const [mech, creds] of bad) {
    const io = new FakeIO([]);
    await assert.rejects(authenticateWith(io, mech, creds as never), TypeError);
    assert.deepEqual(io.sent, []);
  }
});

test("OAUTHBEARER without initial response: the empty first challenge gets the client response", async () => {
  const io = new FakeIO(["334 ", "235 ok"], { host: "smtp.example.com", port: 465 });
  await authenticateWith(io, oauthBearerMechanism, { user: "a,b=c@x", token: () => Promise.resolve("tok") }, { initialResponseOk: false });
  assert.equal(io.sent[0], "AUTH OAUTHBEARER");
  assert.equal(Buffer.from(io.sent[1], "base64").toString(), "n,a=a=2Cb=3Dc@x,\x01host=smtp.example.com\x01port=465\x01auth=Bearer tok\x01\x01");
  assert.deepEqual(io.logged, ["AUTH OAUTHBEARER", "****"]);
});

test("a custom mechanism that reveals its secret is refused on an insecure link too", async () => {
  const custom = { ...plainMechanism, name: "X-SECRET" };
  const io = new FakeIO([], { encrypted: false, host: "mx.example" });
  await assert.rejects(authenticateWith(io, custom, { user: "u", password: "p" }), /X-SECRET to mx\.example.*allowInsecureAuth/s);
  assert.deepEqual(io.sent, []);
});

test("SASLprep without its library installed: ASCII still prepared; other text fails with the loader's error, not as bad input", async () => {
  // The compiled module alone, in a directory with no node_modules above it.
  const dir = await mkdtemp(join(tmpdir(), "saslprep-"));
  try {
    const copy = join(dir, "saslprep.mjs");
    await copyFile(new URL("../../src/auth/saslprep.js", import.meta.url), copy);
    const isolated = (await import(pathToFileURL(copy).href)) as typeof import("../../src/auth/saslprep.js");
    assert.equal(isolated.saslprep("plain ascii", "password"), "plain ascii");
    assert.throws(() => isolated.saslprep("p\u00e4ss", "password"), (err: Error & { code?: string }) => {
      assert.ok(!(err instanceof TypeError), "not reported as an invalid password");
      assert.equal(err.code, "MODULE_NOT_FOUND");
      return true;
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a hostile extra challenge: LOGIN after the password and CRAM-MD5 after its answer fail with SMTPAuthenticationError, sending no credential again", async () => {
  const cases: [typeof loginMechanism, string[], RegExp][] = [
    [loginMechanism, ["334 UGFzc3dvcmQ6", "334 UGFzc3dvcmQ6"], /LOGIN: unexpected extra challenge/],
    [cramMd5Mechanism, [`334 ${b64("<1.2@x>")}`, `334 ${b64("<3.4@x>")}`], /CRAM-MD5: unexpected extra challenge/],
  ];
  for (const [mech, replies, message] of cases) {
    const io = new FakeIO([...replies, "501 cancelled"]);
    await assert.rejects(authenticateWith(io, mech, { user: "tim", password: "tanstaaftanstaaf" }), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError, String(err));
      assert.match(err.message, message);
      assert.equal(err.smtpCode, 334, "the code of the reply that carried the extra challenge");
      assert.doesNotMatch(err.message, /tanstaaf/);
      return true;
    });
    // The credential went once; what follows the extra challenge carries none of it.
    const password = b64("tanstaaftanstaaf");
    assert.equal(io.sent.filter((line) => line.includes(password)).length, mech === loginMechanism ? 1 : 0);
    assert.ok(io.sent.length <= 3, io.sent.join(" | "));
    for (const line of io.sent.slice(2)) assert.ok(line === "*" || line === "", `after the extra challenge: ${JSON.stringify(line)}`);
  }
});

test("OAuth error challenge that is not JSON: its text is the details, and the call still fails with the final reply", async () => {
  const io = new FakeIO([`334 ${b64("not json {")}`, "535 5.7.8 refused"]);
  await assert.rejects(authenticateWith(io, xoauth2Mechanism, { user: "u@example.com", token: "secret-token" }), (err: unknown) => {
    assert.ok(err instanceof SMTPAuthenticationError);
    assert.equal(err.smtpCode, 535);
    assert.equal(err.details, "not json {");
    return true;
  });
});

test("a lone surrogate in a credential (no UTF-8 form) is a TypeError before anything is sent, never sent as U+FFFD", async () => {
  // "pa\uD83D" is what slicing "pa😀" in the middle of its surrogate pair leaves.
  const bad: [typeof plainMechanism, object][] = [
    [plainMechanism, { user: "u", password: "pa\uD83D" }],
    [plainMechanism, { user: "u\uDE00", password: "p" }],
    [plainMechanism, { user: "u", password: "p", authzid: "\uD83Dbob" }],
    [loginMechanism, { user: "u", password: "pa\uD83D" }],
    [cramMd5Mechanism, { user: "u", password: "pa\uD83D" }],
    [xoauth2Mechanism, { user: "u\uD83D", token: "t" }],
    [oauthBearerMechanism, { user: "u\uD83D", token: "t" }],
  ];
  for (const [mech, creds] of bad) {
    const io = new FakeIO([`334 ${b64("<1.2@x>")}`, "235 ok"]);
    await assert.rejects(authenticateWith(io, mech, creds as never), (err: unknown) => {
      assert.ok(err instanceof TypeError, `${mech.name}: ${String(err)}`);
      assert.match(err.message, /lone surrogate/);
      return true;
    });
    assert.deepEqual(io.sent, [], mech.name);
  }
  // A whole pair is fine.
  const io = new FakeIO(["235 ok"]);
  await authenticateWith(io, plainMechanism, { user: "u", password: "pa\uD83D\uDE00" });
  assert.equal(io.sent[0], `AUTH PLAIN ${b64("\0u\0pa😀")}`);
});

test("the built-in mechanisms declare whether they reveal the secret: PLAIN, LOGIN, XOAUTH2, OAUTHBEARER do; CRAM-MD5 and SCRAM do not", () => {
  for (const m of [plainMechanism, loginMechanism, xoauth2Mechanism, oauthBearerMechanism]) assert.equal(m.revealsSecret, true, m.name);
  for (const m of [cramMd5Mechanism, createScramSha256Mechanism(), createScramSha256Mechanism({ plus: true })]) assert.equal(m.revealsSecret, false, m.name);
});
