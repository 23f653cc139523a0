import assert from "node:assert/strict";
import { test } from "node:test";
import type { SASLMechanism } from "../../src/auth/mechanism.js";
import { plainMechanism } from "../../src/auth/plain.js";
import { AuthRegistry, defaultRegistry } from "../../src/auth/registry.js";
import { createScramSha256Mechanism } from "../../src/auth/scram-sha-256.js";
import { authenticateWith, login } from "../../src/client/authenticate.js";
import { cramMd5Mechanism } from "../../src/auth/cram-md5.js";
import { loginMechanism } from "../../src/auth/login.js";
import { xoauth2Mechanism } from "../../src/auth/xoauth2.js";
import { SMTPAuthenticationError, SMTPException, SMTPServerDisconnected } from "../../src/errors.js";
import { ScramServerExchange } from "../helpers/scram-server.js";
import { b64, FakeIO, scramServerIO } from "./fake-io.js";

const creds = { user: "u", password: "p" };

test("registry: default preference order, strongest first", () => {
  assert.deepEqual(defaultRegistry().names(), ["OAUTHBEARER", "XOAUTH2", "SCRAM-SHA-256-PLUS", "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN"]);
  assert.notEqual(defaultRegistry(), defaultRegistry());
});

test("registry: case-insensitive get, register, replace, insert before, unregister", () => {
  const reg = defaultRegistry();
  assert.equal(reg.get("cram-md5")?.name, "CRAM-MD5");
  assert.equal(reg.get("Plain"), plainMechanism);
  assert.equal(reg.get("NTLM"), undefined);
  const custom: SASLMechanism = { name: "x-token", revealsSecret: false, needs: "password", start: () => ({ initialResponse: () => Buffer.from("hi"), respond: () => Buffer.alloc(0) }) };
  reg.register(custom);
  assert.equal(reg.names().at(-1), "X-TOKEN");
  assert.equal(reg.get("X-Token")?.name, "X-TOKEN");
  reg.register(custom, { before: "scram-sha-256" });
  assert.deepEqual(reg.names(), ["OAUTHBEARER", "XOAUTH2", "SCRAM-SHA-256-PLUS", "X-TOKEN", "SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN"]);
  reg.register({ ...plainMechanism, name: "plain" });
  assert.equal(reg.names().indexOf("PLAIN"), 7, "replacing keeps the place");
  assert.equal(reg.get("PLAIN")?.carriesAuthzid, true, "the wrapper of a lower-case name keeps what the mechanism declares");
  assert.equal(reg.has("X-token"), true);
  assert.equal(reg.unregister("x-token"), true);
  assert.equal(reg.has("x-token"), false);
  assert.equal(reg.has(5 as unknown as string), false, "a name that is not a string names nothing");
  assert.equal(reg.unregister("x-token"), false);
  assert.throws(() => reg.register({ ...plainMechanism, name: "BAD NAME" }), TypeError);
  assert.throws(() => reg.register(custom, { before: "NOPE" }), RangeError);
  assert.deepEqual([...new AuthRegistry([plainMechanism])].map((m) => m.name), ["PLAIN"]);
});

test("login: picks the strongest advertised mechanism, names matched case-insensitively", async () => {
  const io = new FakeIO([`334 ${b64("<1.2@h>")}`, "235 ok"]);
  const r = await login(io, "login plain cram-md5", creds);
  assert.equal(r.code, 235);
  assert.equal(io.sent[0], "AUTH CRAM-MD5");
});

test("login: each failure remembered, next mechanism tried, the last error thrown", async () => {
  const io = new FakeIO([`334 ${b64("<1.2@h>")}`, "535 cram no", "535 plain no", "334 UGFzc3dvcmQ6", "535 login no"]);
  await assert.rejects(login(io, "PLAIN LOGIN CRAM-MD5", creds), (err: unknown) => {
    assert.ok(err instanceof SMTPAuthenticationError);
    assert.equal(err.smtpError, "login no");
    return true;
  });
  assert.deepEqual(io.sent.map((l) => l.split(" ").slice(0, 2).join(" ")), ["AUTH CRAM-MD5", "dSAyNjMxMTAxYmI5Mjk4YzcwZGQyOGFiY2FhNDRmYTFlZg==", "AUTH PLAIN", "AUTH LOGIN", "cA=="]);
});

test("login: a later mechanism succeeds after an earlier one fails; 503 does not count as success", async () => {
  const io = new FakeIO(["503 5.5.1 already authenticated", "334 UGFzc3dvcmQ6", "235 ok"]);
  assert.equal((await login(io, "PLAIN LOGIN", creds)).code, 235);
});

test("login: 421 and disconnects stop at once", async () => {
  const io = new FakeIO(["421 4.3.2 shutting down"]);
  await assert.rejects(login(io, "PLAIN LOGIN", creds), (err: unknown) => err instanceof SMTPAuthenticationError && err.smtpCode === 421);
  assert.equal(io.sent.length, 1);
  const dead = { ...new FakeIO([]), encrypted: true, loopback: false, host: "h", port: 1, command: async () => { throw new SMTPServerDisconnected("gone"); } };
  await assert.rejects(login(dead, "PLAIN LOGIN", creds), SMTPServerDisconnected);
});

test("login: tokens use OAuth mechanisms first; without a token they are skipped", async () => {
  const io = new FakeIO(["235 ok"]);
  await login(io, "PLAIN XOAUTH2 OAUTHBEARER", { user: "u", token: "tok", password: "p" });
  assert.match(io.sent[0], /^AUTH OAUTHBEARER /);
  const io2 = new FakeIO(["235 ok"]);
  await login(io2, "PLAIN XOAUTH2 OAUTHBEARER", creds);
  assert.match(io2.sent[0], /^AUTH PLAIN /);
  await assert.rejects(login(new FakeIO([]), "XOAUTH2 OAUTHBEARER", creds), { message: "No suitable authentication method found." });
  await assert.rejects(login(new FakeIO([]), "PLAIN", { user: "u", token: "t" }), { message: "No suitable authentication method found." });
});

test("login: nothing suitable vs. only refused for an insecure link", async () => {
  await assert.rejects(login(new FakeIO([]), "NTLM GSSAPI", creds), (err: unknown) =>
    err instanceof SMTPException && err.message === "No suitable authentication method found.");
  const insecure = new FakeIO([], { encrypted: false, host: "smtp.example.net" });
  await assert.rejects(login(insecure, "PLAIN LOGIN", creds), (err: unknown) => {
    assert.ok(err instanceof SMTPException);
    assert.match(err.message, /PLAIN, LOGIN to smtp\.example\.net.*not encrypted.*allowInsecureAuth/s);
    return true;
  });
  assert.deepEqual(insecure.sent, []);
  const mixed = new FakeIO([`334 ${b64("<1.2@h>")}`, "235 ok"], { encrypted: false });
  await login(mixed, "PLAIN CRAM-MD5", creds);
  assert.equal(mixed.sent[0], "AUTH CRAM-MD5");
  const optIn = new FakeIO(["235 ok"], { encrypted: false });
  await login(optIn, "PLAIN", creds, { allowInsecure: true });
  const loopback = new FakeIO(["235 ok"], { encrypted: false, loopback: true });
  await login(loopback, "PLAIN", creds);
});

test("login: a custom registry and initialResponseOk are honoured", async () => {
  const reg = new AuthRegistry([plainMechanism]);
  const io = new FakeIO(["334 ", "235 ok"]);
  await login(io, "CRAM-MD5 PLAIN", creds, { registry: reg, initialResponseOk: false });
  assert.deepEqual(io.sent, ["AUTH PLAIN", b64("\0u\0p")]);
});

test("login: SCRAM-SHA-256, which reveals no password, runs on an insecure link without opting in", async () => {
  const reg = defaultRegistry();
  reg.register(createScramSha256Mechanism({ nonce: () => "abc" }));
  const io = new FakeIO([`334 ${b64("r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")}`, `334 ${b64("v=" + Buffer.alloc(32).toString("base64"))}`, "501 cancelled"], { encrypted: false, host: "smtp.example.net" });
  await assert.rejects(login(io, "PLAIN SCRAM-SHA-256", creds, { registry: reg }), /server signature does not verify/);
  assert.match(io.sent[0]!, /^AUTH SCRAM-SHA-256 /);
});

test("login: a server that fails SCRAM's proof gets no fallback to PLAIN", async () => {
  const serverFirst = "r=abcXYZ,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
  const reg = defaultRegistry();
  reg.register(createScramSha256Mechanism({ nonce: () => "abc" }));
  const io = new FakeIO([`334 ${b64(serverFirst)}`, `334 ${b64("v=" + Buffer.alloc(32).toString("base64"))}`, "501 cancelled"]);
  await assert.rejects(login(io, "PLAIN SCRAM-SHA-256", creds, { registry: reg }), /server signature does not verify/);
  assert.deepEqual(io.sent.map((l) => l.split(" ").slice(0, 2).join(" ")).slice(0, 1), ["AUTH SCRAM-SHA-256"]);
  assert.equal(io.sent.length, 3, "AUTH, client-final, then '*'; no AUTH PLAIN after it");
  assert.equal(io.sent[2], "*");
});

test("login: an authzid is never dropped: only PLAIN and SCRAM carry it, the others are skipped", async () => {
  const asBob = { user: "admin", password: "pw", authzid: "bob" };
  const io = new FakeIO(["235 ok"]);
  await login(io, "LOGIN CRAM-MD5 PLAIN", asBob);
  assert.deepEqual(io.sent, [`AUTH PLAIN ${b64("bob\0admin\0pw")}`]);
  const none = new FakeIO([]);
  await assert.rejects(login(none, "LOGIN CRAM-MD5 XOAUTH2", { ...asBob, token: "tok" }), { message: "No suitable authentication method found." });
  assert.deepEqual(none.sent, []);
  // An empty authzid is none: every mechanism may run.
  const empty = new FakeIO([`334 ${b64("<1.2@h>")}`, "235 ok"]);
  await login(empty, "CRAM-MD5 PLAIN", { ...asBob, authzid: "" });
  assert.equal(empty.sent[0], "AUTH CRAM-MD5");
});

test("authenticateWith: a mechanism that cannot carry the authzid is a TypeError before anything is sent", async () => {
  for (const mech of [cramMd5Mechanism, loginMechanism, xoauth2Mechanism]) {
    const io = new FakeIO([]);
    await assert.rejects(authenticateWith(io, mech, { user: "admin", password: "pw", token: "tok", authzid: "bob" }), (err: unknown) => {
      assert.ok(err instanceof TypeError);
      assert.match(err.message, new RegExp(`^${mech.name} cannot carry an authorization identity`));
      assert.doesNotMatch(err.message, /bob|admin/);
      return true;
    });
    assert.deepEqual(io.sent, []);
  }
});

test("login: SCRAM-SHA-256 carries the authzid in its gs2 header (saslname-escaped), which the server's check of c= covers", async () => {
  const server = new ScramServerExchange({ password: "pencil", offersPlus: false });
  const io = scramServerIO(server);
  await login(io, "CRAM-MD5 SCRAM-SHA-256", { user: "user", password: "pencil", authzid: "bob,x=y" });
  assert.equal(server.gs2Header, "n,a=bob=2Cx=3Dy,");
  assert.deepEqual(io.sent.slice(2), [""], "the server's signature verified: an empty answer, then 235");
});

test("registry: the wrapper of a lower-case name keeps the binding type, so login() asks the connection for that binding", async () => {
  const endPoint = createScramSha256Mechanism({ plus: true, channelBinding: "tls-server-end-point", nonce: () => "abc" });
  const reg = new AuthRegistry([{ ...endPoint, name: "scram-sha-256-plus" }]);
  assert.equal(reg.get("SCRAM-SHA-256-PLUS")?.channelBindingType, "tls-server-end-point");
  // A TLS 1.2 connection: a tls-server-end-point binding, no tls-exporter one.
  const asked: (string | undefined)[] = [];
  const io = new FakeIO(["535 5.7.8 no"], { binding: { type: "tls-server-end-point", data: Buffer.alloc(32, 7) } });
  io.channelBinding = (type?: string) => (asked.push(type), type === "tls-server-end-point" ? { type, data: Buffer.alloc(32, 7) } : null);
  await assert.rejects(login(io, "SCRAM-SHA-256-PLUS", creds, { registry: reg }), { smtpCode: 535 });
  assert.ok(asked.every((type) => type === "tls-server-end-point"), `asked for ${asked.join(", ")}`);
  assert.deepEqual(io.sent, [`AUTH SCRAM-SHA-256-PLUS ${b64("p=tls-server-end-point,,n=u,r=abc")}`]);
});

test("login: when a channel-binding mechanism was skipped for want of a binding, 'No suitable authentication method found.' says so", async () => {
  const plusOnly = new AuthRegistry([createScramSha256Mechanism({ plus: true })]);
  const io = new FakeIO([]); // an encrypted link without a tls-exporter binding: TLS 1.2
  await assert.rejects(login(io, "SCRAM-SHA-256-PLUS PLAIN", creds, { registry: plusOnly }), (err: unknown) => {
    assert.ok(err instanceof SMTPException && !(err instanceof SMTPAuthenticationError));
    assert.equal(err.message, "No suitable authentication method found. SCRAM-SHA-256-PLUS was not tried: it needs a channel binding this connection lacks (tls-exporter: TLS 1.3 only).");
    return true;
  });
  assert.deepEqual(io.sent, []);
  // Not offered by the server: nothing to explain.
  await assert.rejects(login(new FakeIO([]), "PLAIN", creds, { registry: plusOnly }), { message: "No suitable authentication method found." });
});

test("registry: a mechanism registered before itself keeps its place (making one most preferred twice does not move it to the back)", () => {
  const reg = defaultRegistry();
  const scram = reg.get("SCRAM-SHA-256")!;
  reg.register(scram, { before: reg.names()[0]! });
  const once = reg.names();
  assert.equal(once[0], "SCRAM-SHA-256");
  reg.register(scram, { before: reg.names()[0]! });
  assert.deepEqual(reg.names(), once);
  reg.register(plainMechanism, { before: "plain" });
  assert.deepEqual(reg.names(), once);
});

test("login: an OAuth token on an insecure link: OAUTHBEARER and XOAUTH2 refused by name, nothing sent, the token function never called", async () => {
  let calls = 0;
  const io = new FakeIO([], { encrypted: false, host: "smtp.example.net" });
  await assert.rejects(login(io, "XOAUTH2 OAUTHBEARER", { user: "u", token: () => { calls++; return "tok"; } }), (err: unknown) => {
    assert.ok(err instanceof SMTPException && !(err instanceof SMTPAuthenticationError));
    assert.match(err.message, /Refusing AUTH OAUTHBEARER, XOAUTH2 to smtp\.example\.net: the connection is not encrypted/);
    return true;
  });
  assert.deepEqual(io.sent, []);
  assert.equal(calls, 0);
});
