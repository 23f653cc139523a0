/**
 * A second audit of API.md and Python's smtplib documentation (see contract-audit.test.ts),
 * byte for byte against a scripted server: the greeting that login(), starttls() and
 * sendmail() run first, custom auth objects, upper-case keywords on the wire, the options
 * `signal` and `sourceAddress`, the default timeouts, and the keys of the refused map.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import {
  DEFAULT_TIMEOUTS, LMTP, SMTP, SMTPDataError, SMTPHeloError, SMTPNotSupportedError, SMTPRecipientsRefused,
} from "../../src/index.js";
import { localHostname } from "../../src/transport/local-name.js";
import { greeting, HELO_ONLY, LOCAL, withScript } from "../helpers/client.js";
import { expectedClientBytes, startScriptServer } from "../helpers/script-server.js";

const GREET = "S: 220 mx.test ESMTP\n";
const BOTH_REFUSED = `${GREET}C: EHLO client.test\nS: 500 5.5.1 no\nC: HELO client.test\nS: 501 5.5.4 no\n`;

for (const [name, call] of [
  ["login()", (c: SMTP) => c.login("u", "p")],
  ["starttls()", (c: SMTP) => c.starttls()],
  ["sendmail()", (c: SMTP) => c.sendmail("a@x.test", "b@y.test", "x")],
] as const) {
  test(`${name} says EHLO first, then HELO; both refused: SMTPHeloError with HELO's reply, nothing more sent`, async () => {
    await withScript(BOTH_REFUSED, async (client) => {
      await assert.rejects(call(client), (err: unknown) => err instanceof SMTPHeloError && err.smtpCode === 501 && err.enhancedStatus === "5.5.4");
    });
  });
}

test("login() and starttls() to a server that took only HELO: SMTPNotSupportedError (no AUTH, no STARTTLS), nothing sent", async () => {
  await withScript(HELO_ONLY, async (client) => {
    await assert.rejects(client.login("u", "p"), (err: unknown) => err instanceof SMTPNotSupportedError && /AUTH/.test(err.message));
    await assert.rejects(client.starttls(), (err: unknown) => err instanceof SMTPNotSupportedError && /STARTTLS/.test(err.message));
  });
});

test("auth() with a custom auth object: called first with no challenge (null: no initial response), then with each challenge as a Buffer; it may be async", async () => {
  const script = `${greeting(["AUTH X-TOKEN"])}C: AUTH X-TOKEN
S: 334 ${Buffer.from("who?").toString("base64")}
C: ${Buffer.from("me").toString("base64")}
S: 235 2.7.0 ok
`;
  const seen: unknown[] = [];
  await withScript(script, async (client) => {
    await client.ehlo();
    const reply = await client.auth("x-token", async (challenge?: Buffer) => {
      seen.push(challenge === undefined ? "no challenge" : [Buffer.isBuffer(challenge), challenge.toString()]);
      return challenge === undefined ? null : "me";
    });
    assert.equal(reply.code, 235);
  });
  assert.deepEqual(seen, ["no challenge", [true, "who?"]]);
});

test("auth(): an initial response goes on the AUTH line; with initialResponseOk false the object is only ever given challenges", async () => {
  const answer = Buffer.from("me").toString("base64");
  const script = `${greeting(["AUTH X-TOKEN"])}C: AUTH X-TOKEN ${answer}\nS: 235 ok\nC: AUTH X-TOKEN\nS: 334 \nC: ${answer}\nS: 235 ok\n`;
  const seen: (string | undefined)[] = [];
  const object = (challenge?: Buffer): string => {
    seen.push(challenge?.toString());
    return "me";
  };
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.auth("X-TOKEN", object);
    await client.auth("X-TOKEN", object, { initialResponseOk: false });
  });
  assert.deepEqual(seen, [undefined, ""]);
});

test("MAIL and RCPT parameter keywords go upper-case, their values as given; built-in verbs are upper-case", async () => {
  const script = `${greeting(["DSN", "SIZE 100"])}C: MAIL FROM:<a@x.test> SIZE=10 RET=hdrs
S: 250 ok
C: RCPT TO:<b@y.test> NOTIFY=never ORCPT=rfc822;b@y.test
S: 250 ok
C: VRFY b
S: 252 maybe
C: EXPN l
S: 550 no
C: HELP mail
S: 214 see RFC 5321
C: RSET
S: 250 ok
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test", ["size=10", "ret=hdrs"]);
    await client.rcpt("b@y.test", ["notify=never", "orcpt=rfc822;b@y.test"]);
    assert.equal((await client.verify("b")).code, 252);
    assert.equal((await client.expn("l")).code, 550);
    assert.equal(await client.help("mail"), "see RFC 5321");
    await client.rset();
  });
});

test("a signal already aborted: SMTP.connect rejects with its reason and nothing is read or sent", async () => {
  const server = await startScriptServer(`${GREET}C: NOOP\nS: 250 ok\n`);
  const reason = new Error("cancelled before connecting");
  try {
    await assert.rejects(SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, signal: AbortSignal.abort(reason) }), (err: unknown) => err === reason);
    assert.equal(server.received(), "");
  } finally {
    await server.close();
  }
});

test("sourceAddress with an empty host and port 0 leaves both to the system, as Python does", async () => {
  await withScript(`${GREET}C: NOOP\nS: 250 ok\n`, async (client) => {
    assert.equal((await client.noop()).code, 250);
  }, { sourceAddress: { host: "", port: 0 } });
});

test("the default timeouts are RFC 5321 §4.5.3.2's: 5 min for the greeting and commands, 2 for DATA, 3 per data block, 10 for the end of data", () => {
  assert.deepEqual({ ...DEFAULT_TIMEOUTS, connect: undefined }, {
    connect: undefined, greeting: 300_000, command: 300_000, dataInitiation: 120_000, dataBlock: 180_000, dataTermination: 600_000,
  });
  assert.ok(DEFAULT_TIMEOUTS.connect > 0 && DEFAULT_TIMEOUTS.connect <= 300_000);
});

test("refused recipients are keyed by the address as the caller gave it (a display-name form too), as Python's dict", async () => {
  const script = `${greeting([])}C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<j@x.org>
S: 550 5.1.1 unknown
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: x
C: .
S: 250 ok
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<j@x.org>
S: 550 5.1.1 unknown
C: RSET
S: 250 ok
`;
  await withScript(script, async (client) => {
    const refused = await client.sendmail("a@x.test", ["John <j@x.org>", "b@y.test"], "x");
    assert.deepEqual([...refused.keys()], ["John <j@x.org>"]);
    assert.equal(refused.get("John <j@x.org>")?.enhancedStatus, "5.1.1");
    await assert.rejects(client.sendmail("a@x.test", "John <j@x.org>", "x"), (err: unknown) =>
      err instanceof SMTPRecipientsRefused && [...err.recipients.keys()].join() === "John <j@x.org>");
  });
});

test("before any greeting: no extensions, heloResp and ehloResp null; helo(name) and ehlo(name) send the name given and keep the reply text", async () => {
  await withScript(`${GREET}C: HELO other.test\nS: 250 mx.test hello other\nC: EHLO other.test\nS: 250-mx.test\nS: 250 SIZE\n`, async (client) => {
    assert.deepEqual([client.hasExtn("size"), client.heloResp, client.ehloResp, client.doesEsmtp, client.esmtpFeatures.size], [false, null, null, false, 0]);
    await client.helo("other.test");
    assert.equal(client.heloResp, "mx.test hello other");
    await client.ehlo("other.test");
    assert.deepEqual([client.ehloResp, client.doesEsmtp, client.esmtpFeatures.get("size")], ["mx.test\nSIZE", true, ""]);
  });
});

test("verify() and expn() send the address alone, as Python's _addr_only: no display name, no brackets", async () => {
  const script = `${GREET}C: VRFY j@x.org\nS: 252 maybe\nC: EXPN list@x.org\nS: 550 no\nC: VRFY Sally\nS: 250 Sally <s@x.org>\n`;
  await withScript(script, async (client) => {
    assert.equal((await client.verify("John <j@x.org>")).code, 252);
    assert.equal((await client.expn("<list@x.org>")).code, 550);
    assert.equal((await client.verify("Sally")).message, "Sally <s@x.org>");
  });
});

test("SMTPUTF8 encoding ends with the transaction: after rset(), and after data() refused (then RSET)", async () => {
  const utf8Mail = "C: MAIL FROM:<a@x.test> SMTPUTF8\nS: 250 ok\n";
  const script = `${greeting(["SMTPUTF8"])}${utf8Mail}C: RSET\nS: 250 ok\n${utf8Mail}C: DATA\nS: 554 no\nC: RSET\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test", ["SMTPUTF8"]);
    await client.rset();
    await assert.rejects(client.rcpt("jö@x.test"), SMTPNotSupportedError);
    await client.mail("a@x.test", ["SMTPUTF8"]);
    await assert.rejects(client.data("x"), SMTPDataError);
    await assert.rejects(client.rcpt("jö@x.test"), SMTPNotSupportedError);
  });
});

test("LMTP over a Unix socket logs in with the regular mechanisms: LHLO, then AUTH PLAIN (a Unix socket counts as local)", async () => {
  const sock = path.join(tmpdir(), `smtplib-audit-${process.pid}-${randomBytes(4).toString("hex")}.sock`);
  const script = `${greeting(["AUTH PLAIN"], "LHLO")}C: AUTH PLAIN ${Buffer.from("\0u\0p").toString("base64")}\nS: 235 2.7.0 ok\n`;
  const server = await startScriptServer(script, { path: sock });
  let client: LMTP | undefined;
  try {
    client = await LMTP.connect(sock, 0, { localHostname: LOCAL, timeout: 5000 });
    assert.equal((await client.login("u", "p")).code, 235);
    await server.done;
    assert.equal(server.received(), expectedClientBytes(script));
  } finally {
    client?.close();
    await server.close();
  }
});

test("ehlo() with localHostname cleared (null or empty) sends the computed name, never null or nothing", async () => {
  const name = await localHostname();
  await withScript(`${GREET}C: EHLO ${name}\nS: 250 mx.test\nC: EHLO ${name}\nS: 250 mx.test\n`, async (client) => {
    client.localHostname = null;
    assert.equal((await client.ehlo()).code, 250);
    client.localHostname = "";
    assert.equal((await client.ehlo()).code, 250);
  });
});

test("authPlain, authLogin and authCramMd5 are bound to the instance: a detached reference works and reads user and password when called", async () => {
  const client = new SMTP();
  const { authPlain, authLogin, authCramMd5 } = client;
  assert.equal(authPlain, client.authPlain, "the same function each time");
  assert.throws(() => authPlain(), TypeError, "no user or password yet");
  client.user = "tim";
  client.password = "tanstaaftanstaaf";
  assert.equal(authPlain(), "\0tim\0tanstaaftanstaaf");
  assert.equal(await authLogin(), "tim");
  // RFC 2195's example.
  assert.equal(authCramMd5(Buffer.from("<1896.697170952@postoffice.reston.mci.net>")), "tim b913a602c7eda7a495b4e6e7334d3890");
  client.user = "other";
  assert.equal(authPlain(), "\0other\0tanstaaftanstaaf");
});
