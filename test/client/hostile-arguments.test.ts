/**
 * What a caller without a type checker may pass, against the contract: a TypeError or
 * RangeError that names the mistake, thrown before a single byte is sent, never a crash
 * deep inside ("Cannot read properties of null"), a value silently taken for another
 * (`allowInsecureAuth: "false"` as true, a misspelt `requireTls` ignored), or one that
 * quietly means "none" (`signal: 0`, `helo(NaN)`). Each call runs against a server that
 * only greets: the script fails if anything at all is sent.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { quotedata, SMTP, SMTPServerDisconnected, SMTPTimeoutError, type SMTPOptions } from "../../src/index.js";
import { withScript } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

const GREET_ONLY = "S: 220 mx.test ESMTP\n";

/** Client options a JavaScript caller might get wrong, and the error each must give at construction. */
const BAD_OPTIONS: readonly (readonly [string, unknown, ErrorConstructor, RegExp])[] = [
  ["null options", null, TypeError, /SMTP options must be an object, got null/],
  ["a number for options", 5, TypeError, /SMTP options must be an object/],
  ["a misspelt requireTLS", { requireTls: true }, TypeError, /unknown SMTP option "requireTls" \(did you mean "requireTLS"\?\)/],
  ["an unknown key", { sigal: AbortSignal.abort() }, TypeError, /unknown SMTP option "sigal"/],
  // Nodemailer's transport options, as a first-time user passes them: what to do instead
  ["Nodemailer's secure", { secure: true }, TypeError, /^unknown SMTP option "secure" \(Nodemailer's: for TLS from the first byte \(port 465\) use the SMTP_SSL class; for STARTTLS set requireTLS: true\); known: /],
  ["Nodemailer's auth", { auth: { user: "bob", pass: "pw" } }, TypeError, /^unknown SMTP option "auth" \(Nodemailer's: call login\(user, password\) once connected\); known: /],
  ["Nodemailer's host", { host: "mx.example.org" }, TypeError, /^unknown SMTP option "host" \(give the host and port to SMTP\.connect\(host, port, options\)\)/],
  ["Nodemailer's greetingTimeout", { greetingTimeout: 5000 }, TypeError, /^unknown SMTP option "greetingTimeout" \(Nodemailer's: timeouts: \{ greeting \}\)/],
  ["allowInsecureAuth as the string \"false\"", { allowInsecureAuth: "false" }, TypeError, /allowInsecureAuth must be true or false, got the string "false"/],
  ["requireTLS as 1", { requireTLS: 1 }, TypeError, /requireTLS must be true or false/],
  ["pipelining as 0", { pipelining: 0 }, TypeError, /pipelining must be true or false/],
  ["a numeric localHostname", { localHostname: 42 }, TypeError, /localHostname must be a string, got number 42/],
  ["a non-ASCII localHostname", { localHostname: "héllo.example" }, TypeError, /localHostname must be ASCII: .*"xn--hllo-bpa\.example"/],
  ["a signal that is not one", { signal: {} }, TypeError, /signal must be an AbortSignal/],
  ["a debugOutput that is not a function", { debugOutput: "stderr" }, TypeError, /debugOutput must be a function/],
  ["timeouts as a number", { timeouts: 5 }, TypeError, /timeouts must be an object/],
  ["timeouts naming no phase but a key every object inherits", { timeouts: { constructor: 5 } }, TypeError, /unknown timeout phase "constructor"/],
  ["a misspelt timeout phase", { timeouts: { dataBlok: 5 } }, TypeError, /unknown timeout phase "dataBlok"/],
  ["tls as a string", { tls: "yes" }, TypeError, /tls must be an object/],
  // Node applies servername once the socket is connecting (its TypeError left that socket to crash the process)...
  ["tls.servername as a number", { tls: { servername: 5 } }, TypeError, /tls\.servername must be a string, got number 5/],
  // ...and sends it as SNI in the handshake's first bytes: no CR/LF or other control, no whitespace.
  ["tls.servername an IPv6 address in brackets (sent as SNI, not taken for an address)", { tls: { servername: "[::1]" } }, TypeError, /^tls\.servername "\[::1\]" is in brackets: give the address without brackets, "::1" \(no SNI is sent for an IP address; the certificate is checked against it\)$/],
  ["tls.servername an IPv4 address in brackets", { tls: { servername: "[192.0.2.1]" } }, TypeError, /^tls\.servername "\[192\.0\.2\.1\]" is in brackets: give the address without brackets, "192\.0\.2\.1"/],
  ["tls.servername an RFC 5321 IPv6 literal", { tls: { servername: "[IPv6:2001:db8::1]" } }, TypeError, /give the address without brackets, "2001:db8::1"/],
  ["tls.servername a name in brackets", { tls: { servername: "[mx.example.org]" } }, TypeError, /^tls\.servername "\[mx\.example\.org\]" is in brackets: a host name holds no brackets$/],
  ["tls.servername with CR LF", { tls: { servername: "mail.example.org\r\nX" } }, TypeError, /tls\.servername must be a host name, without whitespace or control characters: "mail\.example\.org\\r\\nX"/],
  ["tls.servername with a space", { tls: { servername: "mail example.org" } }, TypeError, /tls\.servername must be a host name/],
  ["tls.servername with a NUL", { tls: { servername: "mail.example.org\u0000" } }, TypeError, /tls\.servername must be a host name/],
  // ...and calls checkServerIdentity in the middle of the handshake (a crash there too).
  ["tls.ALPNProtocols a string (Node reads it once connected)", { tls: { ALPNProtocols: "smtp" } }, TypeError, /^tls\.ALPNProtocols must be an array/],
  ["tls.checkServerIdentity that is not a function", { tls: { checkServerIdentity: true } }, TypeError, /tls\.checkServerIdentity must be a function/],
  ["limits with a misspelt key", { limits: { maxLineLenght: 100_000 } }, TypeError, /unknown limits key "maxLineLenght"/],
  ["sourceAddress as a string", { sourceAddress: "10.0.0.1" }, TypeError, /sourceAddress must be an object/],
  ["sourceAddress.host a host name", { sourceAddress: { host: "localhost" } }, TypeError, /sourceAddress\.host must be an IP address of this host \(a name is not looked up\), got "localhost"/],
  ["sourceAddress.port out of range", { sourceAddress: { port: 70_000 } }, RangeError, /sourceAddress.port must be an integer from 0 to 65535/],
  ["an authRegistry that is not one", { authRegistry: [] }, TypeError, /authRegistry must be an AuthRegistry/],
];

for (const [name, options, type, message] of BAD_OPTIONS) {
  test(`new SMTP() with ${name}: ${type.name} at construction`, () => {
    assert.throws(() => new SMTP(options as SMTPOptions), (err: unknown) => err instanceof type && message.test((err as Error).message));
  });
}

test("SMTP.connect() with null options: a TypeError that says so, before connecting", async () => {
  await assert.rejects(SMTP.connect("127.0.0.1", 1, null as unknown as SMTPOptions), /SMTP options must be an object, got null/);
});

test("an option set to null is one not given (Python's None): the computed name, no TLS options, no signal, the default timeouts", async () => {
  const options = { tls: null, signal: null, timeouts: null, pipelining: null } as unknown as SMTPOptions;
  await withScript(`${GREET_ONLY}C: NOOP\nS: 250 ok\n`, async (client) => {
    assert.equal((await client.noop()).code, 250);
  }, options);
  assert.equal(new SMTP({ localHostname: null } as unknown as SMTPOptions).localHostname, null);
});

test("a timeout phase set to undefined or null is one not given ({ command: config.commandTimeout }): `timeout`, else the default, applies (it was a TypeError)", async () => {
  const options = { timeout: 300, timeouts: { command: undefined, greeting: null } } as unknown as SMTPOptions;
  await withScript(`${GREET_ONLY}C: NOOP\n`, async (client) => {
    await assert.rejects(client.noop(), (err: unknown) => err instanceof SMTPTimeoutError && err.phase === "command" && err.timeout === 300);
  }, options);
  assert.doesNotThrow(() => new SMTP({ timeouts: { dataBlock: undefined } }));
});

test("a call option set to null is one not given: deliver's and sendmail's { size: null } send (it was a RangeError)", async () => {
  const script = `${GREET_ONLY}C: EHLO client.test\nS: 250-mx.test\nS: 250 SIZE 1000\n` +
    "C: MAIL FROM:<a@x.test> SIZE=4\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\nC: hi\nC: .\nS: 250 queued\n".repeat(2);
  await withScript(script, async (client) => {
    const none = { size: null, signal: null, onProgress: null } as never;
    assert.deepEqual((await client.deliver("a@x.test", "b@y.test", "hi\r\n", [], [], none)).refused, new Map());
    assert.deepEqual(await client.sendmail("a@x.test", "b@y.test", "hi\r\n", [], [], none), new Map());
  });
});

/** A Readable destroyed before it is given (as a failed call leaves the stream it read). */
const destroyed = (): Readable => Readable.from([Buffer.from("hi\r\n")]).destroy();
/** A Readable whose every byte was read, and whose end was seen. */
async function drained(): Promise<Readable> {
  const stream = Readable.from([Buffer.from("hi\r\n")]);
  stream.resume();
  await new Promise((resolve) => stream.once("end", resolve));
  return stream;
}
/** A Web stream with a reader holding it. */
function locked(): ReadableStream<Uint8Array> {
  const stream = new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(new Uint8Array([104, 105])); c.close(); } });
  stream.getReader();
  return stream;
}

/** Calls with a bad argument the contract does not let through; each is refused with nothing sent. */
const BAD_CALLS: readonly (readonly [string, (c: SMTP) => Promise<unknown>, ErrorConstructor, RegExp])[] = [
  ["sendmail, null call options", (c) => c.sendmail("a@x.test", "b@y.test", "hi\r\n", [], [], null as never), TypeError, /call options must be an object, got null/],
  ["sendmail, a number for call options", (c) => c.sendmail("a@x.test", "b@y.test", "hi\r\n", [], [], 5 as never), TypeError, /call options must be an object/],
  ["sendmail, a misspelt signal", (c) => c.sendmail("a@x.test", "b@y.test", "hi\r\n", [], [], { sigal: AbortSignal.abort() } as never), TypeError, /unknown call option "sigal"/],
  ["sendmail, a signal that is a number", (c) => c.sendmail("a@x.test", "b@y.test", "hi\r\n", [], [], { signal: 5 } as never), TypeError, /signal must be an AbortSignal, got number 5/],
  ["sendmail, a null message", (c) => c.sendmail("a@x.test", "b@y.test", null as never), TypeError, /^message must be a string, bytes, a Readable or an AsyncIterable, got null$/],
  ["sendMessage, a null message", (c) => c.sendMessage(null as never), TypeError, /^msg must be a string, a Uint8Array or an object with asRaw\(\), got null$/],
  ["sendmail, an ESMTP option that is a number", (c) => c.sendmail("a@x.test", "b@y.test", "hi\r\n", [5 as never]), TypeError, /ESMTP option must be a string, got a number$/],
  ["deliver, a signal that is an empty string", (c) => c.deliver("a@x.test", "b@y.test", "hi\r\n", [], [], { signal: "" } as never), TypeError, /signal must be an AbortSignal/],
  // a size read from a config as a string was a RangeError that showed it as a number ("got 25")
  ["deliver, a size that is a string", (c) => c.deliver("a@x.test", "b@y.test", "hi\r\n", [], [], { size: "25" } as never), TypeError, /^size must be a number, got the string "25"$/],
  ["sendmail, a size that is a bigint", (c) => c.sendmail("a@x.test", "b@y.test", "hi\r\n", [], [], { size: 25n } as never), TypeError, /^size must be a number, got bigint 25$/],
  ["deliver, a size that is negative", (c) => c.deliver("a@x.test", "b@y.test", "hi\r\n", [], [], { size: -1 }), RangeError, /^size must be a whole number of bytes, got -1$/],
  ["sendMessage, a size it does not take", (c) => c.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n", undefined, undefined, [], [], { size: 5 } as never), TypeError, /unknown call option "size"/],
  ["login, no password", (c) => c.login("user", undefined as never), TypeError, /password must be a string/],
  // Nodemailer's call shapes: the message says how smtplib takes them
  ["sendmail with one object, as Nodemailer's sendMail", (c) => c.sendmail({ from: "a@x.test", to: "b@y.test", text: "hi" } as never, undefined as never, undefined as never), TypeError,
    /^sender must be a string, got an object: sendmail\(from, to, msg\) takes the sender, the recipients and the message as arguments, not one object as Nodemailer's sendMail\(\{ from, to, text \}\) does/],
  ["login with one object, as Nodemailer's auth", (c) => c.login({ user: "u", pass: "pw" } as never, undefined as never), TypeError,
    /^login\(user, password\) takes two strings, got an object: credentials as one object go to loginWith\(\{ user, password \}\)$/],
  ["login, null options", (c) => c.login("user", "pw", null as never), TypeError, /login options must be an object, got null/],
  ["login, initialResponseOk as the string \"no\"", (c) => c.login("user", "pw", { initialResponseOk: "no" } as never), TypeError, /initialResponseOk must be true or false/],
  ["login, a misspelt option", (c) => c.login("user", "pw", { initialResponseOK: false } as never), TypeError, /unknown login option "initialResponseOK" \(did you mean "initialResponseOk"\?\)/],
  ["loginWith, no credentials", (c) => c.loginWith(undefined as never), TypeError, /credentials must be an object, got undefined/],
  ["loginWith, null credentials", (c) => c.loginWith(null as never), TypeError, /credentials must be an object, got null/],
  ["loginWith, a token that is a number", (c) => c.loginWith({ user: "u", token: 5 } as never), TypeError, /token must be a string or a function/],
  ["loginWith, a misspelt password key", (c) => c.loginWith({ user: "u", pasword: "pw" } as never), TypeError, /unknown credentials key "pasword"/],
  ["auth, an authobject that is not a function", (c) => c.auth("PLAIN", "AHUAcA==" as never), TypeError, /authobject must be a function/],
  ["send, an array", (c) => c.send(["a"] as never), TypeError, /data must be a string or a Uint8Array, got an array/],
  ["send, an ArrayBuffer", (c) => c.send(new ArrayBuffer(4) as never), TypeError, /data must be a string or a Uint8Array/],
  ["helo, NaN for the name", (c) => c.helo(NaN as never), TypeError, /name must be a string, got number NaN/],
  ["helo, a non-ASCII name (EHLO is never in an SMTPUTF8 transaction)", (c) => c.helo("héllo.example"), TypeError, /name must be ASCII/],
  ["helo, a name with a space", (c) => c.helo("a b"), TypeError, /name must not contain whitespace/],
  ["ehlo after localHostname was set to a name with a space", async (c) => { c.localHostname = "a b"; return c.ehlo(); }, TypeError, /localHostname must not contain whitespace/],
  ["helo, a name with an ESC (a server would log it raw)", (c) => c.helo("a\u001b]0;x\u0007.example"), TypeError, /name must not contain control characters/],
  ["ehlo, a name with DEL", (c) => c.ehlo("a\u007fb.example"), TypeError, /name must not contain control characters/],
  ["ehlo after localHostname was set to a name with a C0 control", async (c) => { c.localHostname = "a\u0001b.example"; return c.ehlo(); }, TypeError, /localHostname must not contain control characters/],
  ["ehlo after localHostname was set to a number", async (c) => { c.localHostname = 5 as never; return c.ehlo(); }, TypeError, /localHostname must be a string, got number 5/],
  ["ehlo, 0 for the name", (c) => c.ehlo(0 as never), TypeError, /name must be a string, got number 0/],
  ["sendmail, a Readable already destroyed", (c) => c.sendmail("a@x.test", "b@y.test", destroyed()), TypeError, /message is a stream that was destroyed/],
  ["sendmail, a Readable already read to its end", async (c) => c.sendmail("a@x.test", "b@y.test", await drained()), TypeError, /message is a stream already read to its end/],
  ["deliver, a ReadableStream that a reader holds", (c) => c.deliver("a@x.test", "b@y.test", locked()), TypeError, /ReadableStream that is locked/],
  ["starttls, a string for the TLS options", (c) => c.starttls("tls" as never), TypeError, /tls options must be an object/],
  ["starttls, a number for tls.servername", (c) => c.starttls({ servername: 5 } as never), TypeError, /tls\.servername must be a string, got number 5/],
  ["starttls, a tls.servername in brackets", (c) => c.starttls({ servername: "[::1]" }), TypeError, /tls\.servername "\[::1\]" is in brackets: give the address without brackets, "::1"/],
  // read by tls.connect outside the context: after the server's 220, the connection was lost with Node's own words
  ["starttls, tls.ALPNProtocols a number", (c) => c.starttls({ ALPNProtocols: 5 } as never), TypeError, /^tls\.ALPNProtocols must be an array of protocol names \(strings\), or bytes in the ALPN wire format \(each name after its length in one byte\), got number 5$/],
  ["starttls, tls.ALPNProtocols with a number in it", (c) => c.starttls({ ALPNProtocols: ["smtp", 5] } as never), TypeError, /^tls\.ALPNProtocols must be an array/],
  ["starttls, tls.session a string", (c) => c.starttls({ session: "abc" } as never), TypeError, /^tls\.session must be bytes \(a Buffer from a session event\), got the string "abc"$/],
  ["starttls, tls.minDHSize a string (an assertion of Node's)", (c) => c.starttls({ minDHSize: "2048" } as never), TypeError, /^tls\.minDHSize must be a number, got the string "2048"$/],
  ["starttls, tls.minDHSize 0", (c) => c.starttls({ minDHSize: 0 }), RangeError, /^tls\.minDHSize must be a positive number of bits, got 0$/],
  ["starttls, tls.secureContext a plain object", (c) => c.starttls({ secureContext: {} } as never), TypeError, /^tls\.secureContext must be a context made by tls\.createSecureContext\(\), got object$/],
  ["starttls, tls.rejectUnauthorized the string \"false\"", (c) => c.starttls({ rejectUnauthorized: "false" } as never), TypeError, /^tls\.rejectUnauthorized must be true or false, got the string "false"$/],
  // a non-ASCII name goes as its A-labels ("é.test" as "xn--9ca.test"); one with none went as it was
  ["starttls, a tls.servername with a lone surrogate (sent as U+FFFD)", (c) => c.starttls({ servername: "a\uD800.test" }), TypeError, /^tls\.servername is no internationalised domain name \(it has no A-label form to send as SNI\): "a\\ud800\.test"$/],
  ["starttls, a non-ASCII tls.servername that is no domain name", (c) => c.starttls({ servername: "a%b.\u00e9" }), TypeError, /^tls\.servername is no internationalised domain name/],
  ["starttls, a tls.servername with LF", (c) => c.starttls({ servername: "a.example\nb" }), TypeError, /tls\.servername must be a host name/],
];

for (const [name, call, type, message] of BAD_CALLS) {
  test(`${name}: ${type.name} with nothing sent`, async () => {
    await withScript(GREET_ONLY, async (client) => {
      await assert.rejects(call(client), (err: unknown) => err instanceof type && message.test((err as Error).message));
    });
  });
}

test("connect() with a string port: a TypeError that names its type, not \"got 25\" as a range error; checked for a Unix socket path too", async () => {
  const client = new SMTP();
  await assert.rejects(client.connect("127.0.0.1", "25" as never), (err: unknown) => err instanceof TypeError && /port must be a number, got the string "25"/.test(err.message));
  await assert.rejects(client.connect("/nonexistent/lmtp.sock", "x" as never), TypeError);
  await assert.rejects(client.connect("127.0.0.1", Symbol("p") as never), (err: unknown) => err instanceof TypeError && /port must be a number, got symbol/.test(err.message));
});

test("connect() with the options where the host or the port goes (Nodemailer's shape): a TypeError that says where they go", async () => {
  await assert.rejects(SMTP.connect({ host: "127.0.0.1", port: 25 } as never), {
    name: "TypeError", message: "host must be a string, got an object: SMTP.connect(host, port, options) takes the host and the port as arguments, not in an object",
  });
  await assert.rejects(SMTP.connect("127.0.0.1", { timeout: 5000 } as never), {
    name: "TypeError", message: "port must be a number, got an object: options come third, SMTP.connect(host, port, options), or go to new SMTP(options)",
  });
});

test("hasExtn() of anything but a string: a TypeError naming it (a number was false, as for an extension not advertised)", async () => {
  await withScript(`S: 220 mx.test ESMTP\nC: EHLO client.test\nS: 250-mx.test\nS: 250 SIZE 1000\n`, async (client) => {
    await client.ehloOrHeloIfNeeded();
    assert.equal(client.hasExtn("size"), true);
    for (const [name, message] of [[5, /^name must be a string, got number 5$/], [null, /^name must be a string, got null$/], [["size"], /^name must be a string, got an array$/]] as const) {
      assert.throws(() => client.hasExtn(name as never), (err: unknown) => err instanceof TypeError && message.test(err.message));
    }
  });
});

test("quotedata() of anything but a string: a TypeError that says so", () => {
  assert.throws(() => quotedata(undefined as never), /data must be a string, got undefined/);
  assert.throws(() => quotedata(42 as never), /data must be a string, got number/);
  assert.equal(quotedata(".a\nb"), "..a\r\nb");
});

test("localHostname, writable as in Python, takes a name or null (the computed one) and refuses anything else at the assignment", () => {
  const client = new SMTP();
  client.localHostname = "client.example";
  assert.equal(client.localHostname, "client.example");
  client.localHostname = null;
  assert.equal(client.localHostname, null);
  assert.throws(() => { client.localHostname = "a\r\nQUIT"; }, TypeError);
  assert.equal(client.localHostname, null);
});

test("setDebugLevel() with a string: the TypeError shows it is a string (\"got 1\" read as a contradiction)", () => {
  assert.throws(() => new SMTP().setDebugLevel("1" as never), /debug level must be 0, 1 or 2, got the string "1"/);
});

test("close() while connect() is still opening the connection: connect rejects with SMTPServerDisconnected and no connection is left open (it used to open after close(), and stay open)", async () => {
  // A server that greets every connection: whether the aborted attempt reached it or not.
  const server = await lineServer(() => undefined);
  try {
    const client = new SMTP({ localHostname: "client.test" });
    const connecting = client.connect("127.0.0.1", server.port);
    client.close();
    await assert.rejects(connecting, (err: unknown) => err instanceof SMTPServerDisconnected && /close\(\) was called while connecting/.test(err.message));
    assert.equal(client.connected, false);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
    // The client can still connect afterwards.
    await client.connect("127.0.0.1", server.port);
    assert.equal(client.connected, true);
    client.close();
  } finally {
    await server.close();
  }
});

test("tls.servername an address without brackets, or a host name, is taken", () => {
  for (const servername of ["::1", "192.0.2.1", "mx.example.org"]) assert.doesNotThrow(() => new SMTP({ tls: { servername } }));
});
