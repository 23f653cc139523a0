/**
 * An ESMTP parameter value in an SMTPUTF8 transaction may hold UTF-8 (RFC 6531 §3.3), but
 * not what a path may not hold: Unicode white space, zero-width space and word joiner, bidi
 * embeddings, overrides and isolates, U+2028/U+2029. Each is a TypeError naming the
 * character by code point, before any byte is sent (the script holds only the greeting), from
 * every call that takes options: sendmail, deliver, mail, rcpt, sendMessage and the pool.
 * ZWNJ and ZWJ pass, as they do in an address.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { GREET, greeting, withScript } from "../helpers/client.js";
import { acceptingServer } from "../helpers/line-server.js";

const BODY = "Subject: t\r\n\r\nhi\r\n";
const MESSAGE = "From: a@x.test\r\nTo: b@y.test\r\nSubject: t\r\n\r\nhi\r\n";

/** Each refused character, and the code point the error names. */
const REFUSED: readonly (readonly [string, string])[] = [
  ["\u200b", "U+200B"], ["\u2060", "U+2060"], ["\ufeff", "U+FEFF"], ["\u00a0", "U+00A0"], ["\u3000", "U+3000"],
  ["\u202e", "U+202E"], ["\u202a", "U+202A"], ["\u2066", "U+2066"], ["\u2069", "U+2069"], ["\u200e", "U+200E"], ["\u200f", "U+200F"], ["\u061c", "U+061C"], ["\u00ad", "U+00AD"], ["\u180e", "U+180E"], ["\u2063", "U+2063"], ["\u206a", "U+206A"], ["\u2028", "U+2028"], ["\u2029", "U+2029"],
];

const named = (code: string): RegExp => new RegExp(`^Invalid ESMTP option ".*" \\(it holds ${code.replace("+", "\\+")}: ${
  code === "U+2028" || code === "U+2029" ? "a Unicode line separator" : "Unicode white space, a zero-width, invisible or bidi control character"}\\)`);

test("an invisible character in an ESMTP value, SMTPUTF8 asked for: a TypeError naming it by code point, nothing sent", async () => {
  await withScript(GREET, async (client) => {
    for (const [c, code] of REFUSED) {
      const envid = `ENVID=a${c}b`;
      const orcpt = `ORCPT=utf-8;j\u00fcrgen${c}@y.test`;
      const checks: readonly (readonly [string, () => Promise<unknown>])[] = [
        ["sendmail MAIL option", () => client.sendmail("a@x.test", "b@y.test", BODY, ["SMTPUTF8", envid])],
        ["sendmail RCPT option", () => client.sendmail("a@x.test", "b@y.test", BODY, ["SMTPUTF8"], [orcpt])],
        ["deliver RCPT option", () => client.deliver("j\u00fcrgen@x.test", "b@y.test", BODY, [], [orcpt])],
        ["mail()", () => client.mail("a@x.test", ["SMTPUTF8", envid])],
        ["rcpt()", () => client.rcpt("b@y.test", [orcpt])],
        ["sendMessage MAIL option", () => client.sendMessage(MESSAGE, undefined, undefined, ["SMTPUTF8", envid])],
        ["sendMessage RCPT option", () => client.sendMessage(MESSAGE, undefined, undefined, ["SMTPUTF8"], [orcpt])],
      ];
      for (const [what, call] of checks) await assert.rejects(call(), (err: unknown) => err instanceof TypeError && named(code).test(err.message), `${what} ${code}`);
    }
  });
});

test("ZWNJ and ZWJ in an ESMTP value pass in an SMTPUTF8 transaction (Persian and Indic words need them), as in an address", async () => {
  const orcpt = "ORCPT=utf-8;\u0645\u06cc\u200c\u0631\u0648\u200d@y.test";
  const script = `${greeting(["SMTPUTF8", "DSN"])}C: MAIL FROM:<a@x.test> SMTPUTF8\nS: 250 ok\nC: RCPT TO:<b@y.test> ${orcpt}\nS: 250 ok\n`
    + "C: DATA\nS: 354 go\nC: Subject: t\nC:\nC: hi\nC: .\nS: 250 ok\n";
  await withScript(script, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", BODY, ["SMTPUTF8"], [orcpt])).size, 0);
  });
});

test("pool: an invisible character in an ESMTP value is the client's TypeError; no connection opened", async () => {
  const server = await acceptingServer();
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
  try {
    await assert.rejects(pool.sendmail("a@x.test", "b@y.test", BODY, ["SMTPUTF8", "ENVID=a\u200bb"]), (err: unknown) => err instanceof TypeError && named("U+200B").test(err.message));
    await assert.rejects(pool.sendMessage(MESSAGE, undefined, undefined, ["SMTPUTF8"], ["ORCPT=utf-8;b\u2066@y.test"]), (err: unknown) => err instanceof TypeError && named("U+2066").test(err.message));
    assert.equal(server.connections(), 0);
    assert.deepEqual(server.mails, []);
  } finally {
    await pool.close();
    await server.close();
  }
});
