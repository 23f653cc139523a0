/**
 * Contract points found by an audit against API.md, each byte-exact against a scripted
 * server: raw AUTH through docmd/putcmd is masked in traces, caller mistakes are refused
 * before a byte is sent (and always as a rejected promise), EHLO/HELO end the UTF-8
 * encoding of a transaction, 8-bit mail is never sent to a HELO-only server, SIZE= counts
 * what DATA sends, and SMTPRecipientsRefused holds whole replies.
 */

import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import { test } from "node:test";
import { SMTP, SMTPNotSupportedError, SMTPRecipientsRefused, type SMTPOptions } from "../../src/index.js";
import { authenticate } from "../../src/client/authenticate.js";
import { FakeIO } from "../auth/fake-io.js";
import { greeting, HELO_ONLY, withScript } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

const debug = (lines: string[]): SMTPOptions => ({ debugLevel: 1, debugOutput: (l) => lines.push(l) });
const GREET_ONLY = "\nS: 220 mx.test ESMTP\n";

/** Script lines: the password challenge answered with `pass`, accepted, then a NOOP (traced unmasked again). */
const passwordThenNoop = (pass: string): string => `S: 334 UGFzc3dvcmQ6\nC: ${pass}\nS: 235 ok\nC: NOOP\nS: 250 ok\n`;

test("docmd/putcmd: an AUTH command's arguments and the lines answering its challenges are masked in traces", async () => {
  const lines: string[] = [];
  const initial = Buffer.from("\0user\0hunter2").toString("base64");
  const user = Buffer.from("user").toString("base64");
  const pass = Buffer.from("hunter2").toString("base64");
  const script = `${greeting(["AUTH PLAIN LOGIN"])}C: AUTH PLAIN ${initial}
S: 235 ok
C: auth login
S: 334 VXNlcm5hbWU6
C: ${user}
${passwordThenNoop(pass)}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.docmd("AUTH", `PLAIN ${initial}`);
    await client.putcmd("auth login");
    assert.equal((await client.getreply()).code, 334);
    assert.equal((await client.docmd(user)).code, 334);
    await client.putcmd(pass);
    assert.equal((await client.getreply()).code, 235);
    await client.noop();
  }, debug(lines));
  const all = lines.join("\n");
  for (const secret of [initial, user, pass, "hunter2"]) assert.ok(!all.includes(secret), all);
  assert.ok(lines.includes("C: AUTH PLAIN ****"), all);
  assert.ok(lines.includes("C: auth login"), all);
  assert.equal(lines.filter((l) => l === "C: ****").length, 2, all);
  assert.ok(lines.includes("C: NOOP"), "a reply other than 334 ends the masking");
});

test("every method reports a caller's mistake as a rejected promise, never a synchronous throw", async () => {
  const client = new SMTP({ localHostname: "client.test" });
  const calls: [string, () => Promise<unknown>][] = [
    ["mail", () => client.mail("a\r\nb@x.test")],
    ["rcpt", () => client.rcpt("a\r\nb@x.test")],
    ["data", () => client.data(42 as unknown as string)],
    ["deliver", () => client.deliver("a@x.test", "b@x.test", "x", [], [], { size: -1 })],
    ["sendmail", () => client.sendmail("a@x.test", [], "x")],
    ["sendMessage", () => client.sendMessage("Subject: no addresses\r\n\r\nx")],
    ["verify", () => client.verify("a\r\nb")],
    ["docmd", () => client.docmd("NOOP\r\nQUIT")],
    ["helo", () => client.helo("bad\r\nname")],
  ];
  for (const [name, call] of calls) {
    let promise: Promise<unknown> | undefined;
    assert.doesNotThrow(() => { promise = call(); }, name);
    await assert.rejects(promise!, Error, name);
  }
});

test("login() refuses a user name or password with CR, LF or NUL before EHLO; auth() with a built-in object before AUTH", async () => {
  await withScript("S: 220 mx.test ESMTP\n", async (client) => {
    await assert.rejects(client.login("user\r\nRSET", "pw"), TypeError);
    await assert.rejects(client.login("user", "pw\0"), TypeError);
    client.user = "user";
    client.password = "pw\r\nRSET";
    await assert.rejects(client.auth("CRAM-MD5", client.authCramMd5, { initialResponseOk: false }), TypeError);
    await assert.rejects(client.auth("PLAIN", client.authPlain, { initialResponseOk: false }), TypeError);
  });
});

test("auth() with authPlain or authLogin under another mechanism name still counts as revealing the password", async () => {
  const io = new FakeIO(["235 ok"], { encrypted: false, loopback: false });
  const plain = (): string => "\0u\0p";
  await assert.rejects(authenticate(io, "X-PLAIN", plain, { revealsSecret: true }), /Refusing AUTH X-PLAIN/);
  assert.deepEqual(io.sent, []);
  await authenticate(io, "X-PLAIN", plain); // an object the library does not know: judged by its name
  assert.equal(io.sent.length, 1);
});

test("ehlo() and helo() end an SMTPUTF8 transaction's UTF-8 encoding; a refused EHLO name leaves the greeting as it was", async () => {
  const script = `${greeting(["SMTPUTF8", "PIPELINING"])}C: MAIL FROM:<a@x.test> SMTPUTF8
S: 250 ok
C: EHLO client.test
S: 250-mx.test
S: 250 SMTPUTF8
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test", ["SMTPUTF8"]);
    await assert.rejects(client.ehlo("bad\r\nname"), TypeError);
    assert.equal(client.hasExtn("pipelining"), true, "greeting state untouched by a name refused before sending");
    await client.ehlo();
    await assert.rejects(client.verify("jö@x.test"), TypeError, "ASCII again after EHLO");
  });
});

test("sendMessage: 8-bit data to a server that only accepted HELO is SMTPNotSupportedError before MAIL", async () => {
  await withScript(HELO_ONLY, async (client) => {
    await assert.rejects(
      client.sendMessage("From: a@x.test\r\nTo: b@x.test\r\nSubject: hi\r\n\r\nb\u00f6dy\r\n"),
      (err: unknown) => err instanceof SMTPNotSupportedError && /8-bit data.*8BITMIME/.test(err.message),
    );
  });
});

test("SIZE= counts the lone line endings DATA will turn into CRLF; BDAT sends bytes as given", async () => {
  const bytes = Buffer.from("a\n.\nb\r.x\r\n"); // 10 bytes; 13 once every line ends in CRLF
  const script = `${greeting(["SIZE 1000", "PIPELINING"])}C: MAIL FROM:<a@x.test> SIZE=13
C: RCPT TO:<b@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 354 go
C: a\\r\\n..\\r\\nb\\r\\n..x\\r\\n.
S: 250 queued
`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", bytes)).size, 0);
  });
  const bdat = `${greeting(["SIZE 1000", "PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test> SIZE=10
C: RCPT TO:<b@y.test>
C: BDAT 10 LAST
C! a\\n.\\nb\\r.x\\r\\n
S: 250 ok
S: 250 ok
S: 250 queued
`;
  await withScript(bdat, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", bytes)).size, 0);
  });
});

test("SMTPRecipientsRefused: bare { code, message } entries become whole replies (lines, enhanced status)", () => {
  const err = new SMTPRecipientsRefused(new Map([["x@y", { code: 550, message: "5.1.1 no such user\nsecond line" }]]));
  assert.deepEqual(err.recipients.get("x@y"), { code: 550, message: "5.1.1 no such user\nsecond line", lines: ["5.1.1 no such user", "second line"], enhancedStatus: "5.1.1" });
  const whole = new Map([["a@b", { code: 550, message: "no", lines: ["no"] }]]);
  assert.equal(new SMTPRecipientsRefused(whole).recipients, whole, "whole replies are kept as given");
});

test("raw AUTH masking follows the AUTH exchange's own replies: a reply to a command sent before it does not end it", async () => {
  const lines: string[] = [];
  const user = Buffer.from("user").toString("base64");
  const pass = Buffer.from("s3cret").toString("base64");
  const script = `${greeting(["AUTH LOGIN"])}C: NOOP
C: AUTH LOGIN
S: 250 ok
S: 334 VXNlcm5hbWU6
C: ${user}
S: 334 UGFzc3dvcmQ6
C: ${pass}
S: 235 ok
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.putcmd("NOOP");
    await client.putcmd("AUTH", "LOGIN");
    assert.equal((await client.getreply()).code, 250, "NOOP's reply: the exchange goes on");
    assert.equal((await client.getreply()).code, 334);
    assert.equal((await client.docmd(user)).code, 334);
    assert.equal((await client.docmd(pass)).code, 235);
  }, debug(lines));
  const all = lines.join("\n");
  assert.ok(!all.includes(user) && !all.includes(pass), all);
});

test("raw AUTH masking: tab-separated arguments, and AUTH sent with send() then answered with docmd", async () => {
  const lines: string[] = [];
  const secret = Buffer.from("\0user\0s3cret").toString("base64");
  const pass = Buffer.from("s3cret").toString("base64");
  const script = `${greeting(["AUTH PLAIN LOGIN"])}C: AUTH PLAIN\\t${secret}
S: 235 ok
C: AUTH LOGIN
${passwordThenNoop(pass)}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.docmd("AUTH", `PLAIN\t${secret}`);
    await client.send("AUTH LOGIN\r\n");
    assert.equal((await client.getreply()).code, 334);
    assert.equal((await client.docmd(pass)).code, 235);
    await client.noop();
  }, debug(lines));
  const all = lines.join("\n");
  assert.ok(!all.includes(secret) && !all.includes(pass), all);
  assert.ok(lines.includes("C: AUTH PLAIN ****"), all);
  assert.ok(lines.includes("C: NOOP"), all);
});

test("the signal option's listener lives only as long as a connection (a long-lived signal keeps no closed client alive)", async () => {
  const controller = new AbortController();
  const listeners = (): number => EventEmitter.getEventListeners(controller.signal, "abort").length;
  await withScript(`${GREET_ONLY}C: QUIT\nS: 221 bye\n`, async (client) => {
    assert.equal(listeners(), 1, "while connected");
    await client.quit();
    assert.equal(listeners(), 0, "after quit()");
  }, { signal: controller.signal });
  await withScript(`\nS: 554 go away\n`, async () => undefined, { signal: controller.signal }).catch(() => undefined);
  assert.equal(listeners(), 0, "after a refused greeting");
});

test("the signal option's listener goes when the connection goes by itself, without close(): a dropped client is not kept alive by a long-lived signal", async () => {
  const controller = new AbortController();
  const listeners = (): number => EventEmitter.getEventListeners(controller.signal, "abort").length;
  // The server answers 421 (which closes the connection), or hangs up unasked.
  await withScript(`${GREET_ONLY}C: NOOP\nS: 421 4.3.2 shutting down\n-- close\n`, async (client) => {
    assert.equal(listeners(), 1, "while connected");
    assert.equal((await client.noop()).code, 421);
    assert.equal(client.connected, false);
    assert.equal(listeners(), 0, "after a 421");
  }, { signal: controller.signal });
  await withScript(`${GREET_ONLY}-- close\n`, async (client) => {
    while (client.connected) await new Promise((r) => setTimeout(r, 5));
    assert.equal(listeners(), 0, "after the server hung up");
  }, { signal: controller.signal });
});

test("the signal option's listener goes at once when the connection is already closed by the time it is watched (no 'abort' event will come)", () => {
  /** Reaches the protected hooks that connect() calls. */
  class Watching extends SMTP {
    watch(closed: AbortSignal): void {
      this.watchSignal();
      this.unwatchSignalOnClose(closed);
    }
  }
  const controller = new AbortController();
  const listeners = (): number => EventEmitter.getEventListeners(controller.signal, "abort").length;
  const client = new Watching({ signal: controller.signal });
  const open = new AbortController();
  client.watch(open.signal);
  assert.equal(listeners(), 1, "kept while the connection is open");
  open.abort();
  assert.equal(listeners(), 0, "gone when it closes");
  client.watch(AbortSignal.abort());
  assert.equal(listeners(), 0, "never kept for a connection closed already");
});

test("a null port given to connect() is one not given (Python's None): \"host:port\" is split as for port 0", async () => {
  const server = await startScriptServer(`${GREET_ONLY}C: QUIT\nS: 221 bye\n`);
  try {
    const client = await SMTP.connect(`127.0.0.1:${server.port}`, null);
    assert.equal((await client.quit()).code, 221);
    await server.done;
  } finally {
    await server.close();
  }
  await assert.rejects(new SMTP().connect("127.0.0.1", "25" as never), /TypeError: port must be a number, got the string "25"/);
});

test("text beyond ASCII: the raw send() writes it as UTF-8; putcmd() and docmd() refuse it outside SMTPUTF8 before a byte is sent", async () => {
  const script = `${GREET_ONLY}C: NOOP é\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.putcmd("NOOP", "é"), TypeError);
    await assert.rejects(client.docmd("NOOP é"), TypeError);
    await client.send("NOOP é\r\n");
    assert.equal((await client.getreply()).code, 250);
  });
});
