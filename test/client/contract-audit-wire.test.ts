/**
 * A second audit of API.md and Python's smtplib documentation, byte for byte against a
 * scripted server (see contract-audit.test.ts): 421 to the low-level methods and to a
 * lock-step transaction, the low-level data() and send() with bytes, the empty message,
 * reply caps raised by `limits`, SMTPUTF8 asked of a server that took only HELO, and the
 * default debug output.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  SMTP, SMTPDataError, SMTPNotSupportedError, SMTPRecipientsRefused, SMTPResponseException, SMTPServerDisconnected,
} from "../../src/index.js";
import { greeting, HELO_ONLY, LOCK_STEP_TO_DATA, withScript } from "../helpers/client.js";

const GREET = "S: 220 mx.test ESMTP\n";
const EHLO_PLAIN = greeting([]);

/** The reply a 421 "bye" script line gives. */
const BYE = { code: 421, message: "4.3.2 bye", lines: ["4.3.2 bye"], enhancedStatus: "4.3.2" };

for (const [name, wire, call] of [
  ["mail()", "MAIL FROM:<a@x.test>", (c: SMTP) => c.mail("a@x.test")],
  ["rcpt()", "RCPT TO:<b@x.test>", (c: SMTP) => c.rcpt("b@x.test")],
  ["verify()", "VRFY b@x.test", (c: SMTP) => c.verify("b@x.test")],
  ["expn()", "EXPN list", (c: SMTP) => c.expn("list")],
  ["rset()", "RSET", (c: SMTP) => c.rset()],
  ["docmd()", "XFOO bar", (c: SMTP) => c.docmd("XFOO", "bar")],
  ["putcmd() + getreply()", "XFOO", async (c: SMTP) => { await c.putcmd("XFOO"); return c.getreply(); }],
  ["quit()", "QUIT", (c: SMTP) => c.quit()],
  ["data()'s end of data", "DATA\nS: 354 go\nC: x\nC: .", (c: SMTP) => c.data("x")],
] as const) {
  test(`421 to ${name}: the reply is returned, and the connection closed (RFC 5321 §3.8)`, async () => {
    await withScript(`${GREET}C: ${wire}\nS: 421 4.3.2 bye\n`, async (client) => {
      assert.deepEqual(await call(client), BYE);
      assert.equal(client.connected, false);
      await assert.rejects(client.noop(), SMTPServerDisconnected);
    });
  });
}

test("421 to help(): its text is returned, and the connection closed", async () => {
  await withScript(`${GREET}C: HELP\nS: 421 4.3.2 bye\n`, async (client) => {
    assert.equal(await client.help(), "4.3.2 bye");
    assert.equal(client.connected, false);
  });
});

test("data(): DATA refused with 421 closes without RSET; refused otherwise, RSET follows; SMTPDataError either way", async () => {
  await withScript(`${GREET}C: DATA\nS: 421 4.3.2 bye\n`, async (client) => {
    await assert.rejects(client.data("x"), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 421);
    assert.equal(client.connected, false);
  });
  await withScript(`${GREET}C: DATA\nS: 554 5.5.1 no valid recipients\nC: RSET\nS: 250 ok\nC: NOOP\nS: 250 ok\n`, async (client) => {
    await assert.rejects(client.data("x"), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 554 && err.enhancedStatus === "5.5.1");
    assert.equal((await client.noop()).code, 250);
  });
});

test("lock-step sendmail: 421 to a RCPT closes without RSET; nobody got the message (SMTPRecipientsRefused)", async () => {
  const script = `${EHLO_PLAIN}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: RCPT TO:<c@y.test>\nS: 421 4.3.2 bye\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], "x"), (err: unknown) =>
      err instanceof SMTPRecipientsRefused && err.recipients.get("c@y.test")?.code === 421);
    assert.equal(client.connected, false);
  });
});

test("lock-step sendmail: 421 to the first of two RCPTs closes without RSET and the second RCPT is never written (SMTPRecipientsRefused with the 421)", async () => {
  const script = `${EHLO_PLAIN}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 421 4.3.2 bye\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], "x"), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused, String(err));
      assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code]), [["b@y.test", 421]]);
      assert.equal(err.command, "RCPT");
      return true;
    });
    assert.equal(client.connected, false);
  });
});

test("lock-step sendmail: 421 to DATA closes without RSET (SMTPDataError 421)", async () => {
  await withScript(`${EHLO_PLAIN}${LOCK_STEP_TO_DATA.replace("S: 354 go", "S: 421 4.3.2 bye")}`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "x"), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 421);
    assert.equal(client.connected, false);
  });
});

test("data() with bytes: lone CR and LF become CRLF and leading dots are doubled, as for a string", async () => {
  const script = `${GREET}C: DATA\nS: 354 go\nC: a\nC: ..b\nC: c\nC: ..\nC: .\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    assert.equal((await client.data(new Uint8Array(Buffer.from("a\n.b\rc\r\n.")))).code, 250);
  });
});

test("an empty message is sent as CRLF . CRLF, by sendmail() and by data(), as Python does", async () => {
  const script = `${EHLO_PLAIN}${LOCK_STEP_TO_DATA}C: \nC: .\nS: 250 ok\nC: DATA\nS: 354 go\nC: \nC: .\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", "")).size, 0);
    assert.equal((await client.data(new Uint8Array(0))).code, 250);
  });
});

test("send() writes a Uint8Array as given: no line-ending fix, no dot-stuffing", async () => {
  await withScript(`${GREET}C! NO\nC! OP\\r\\n.\\n\nS: 250 ok\n`, async (client) => {
    await client.send(Buffer.from("NO"));
    await client.send(new Uint8Array(Buffer.from("OP\r\n.\n")));
    assert.equal((await client.getreply()).code, 250);
  });
});

test("limits raise the reply caps: a 9,000-byte line and a 1,500-line reply are read whole", async () => {
  const long = "y".repeat(9000);
  const many = Array.from({ length: 1499 }, (_, i) => `S: 250-line ${i}`).join("\n");
  await withScript(`${GREET}C: NOOP\nS: 250 ${long}\nC: NOOP\n${many}\nS: 250 last\n`, async (client) => {
    assert.equal((await client.noop()).message, long);
    const reply = await client.noop();
    assert.equal(reply.lines.length, 1500);
    assert.equal(reply.lines[1499], "last");
  }, { limits: { maxLineLength: 16_384, maxReplyLines: 2000, maxReplyBytes: 1 << 20 } });
});

test("the default caps still refuse the same replies (SMTPResponseException, connection closed)", async () => {
  await withScript(`${GREET}C: NOOP\n${Array.from({ length: 1001 }, () => "S: 250-x").join("\n")}\nS: 250 last\n`, async (client) => {
    await assert.rejects(client.noop(), (err: unknown) => err instanceof SMTPResponseException && err.smtpCode === -1);
    assert.equal(client.connected, false);
  });
});

test("SMTPUTF8 asked of a server that took only HELO: SMTPNotSupportedError before MAIL (sendmail, sendMessage, mail), as Python's documentation says", async () => {
  await withScript(`${HELO_ONLY}C: NOOP\nS: 250 ok\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "x", ["SMTPUTF8"]), SMTPNotSupportedError);
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "x", ["smtputf8"]), SMTPNotSupportedError);
    await assert.rejects(client.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nx\r\n", undefined, undefined, ["SMTPUTF8"]), SMTPNotSupportedError);
    await assert.rejects(client.mail("a@x.test", ["SMTPUTF8"]), SMTPNotSupportedError);
    assert.equal((await client.noop()).code, 250, "nothing was sent: the connection is in step");
  });
});

test("SMTPUTF8 asked of an ESMTP server that does not offer it: SMTPNotSupportedError before MAIL", async () => {
  await withScript(`${EHLO_PLAIN}C: NOOP\nS: 250 ok\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "x", ["SMTPUTF8"]), SMTPNotSupportedError);
    await assert.rejects(client.mail("a@x.test", ["SMTPUTF8"]), SMTPNotSupportedError);
    assert.equal((await client.noop()).code, 250);
  });
});

test("other options to a server that took only HELO are still dropped, as Python does", async () => {
  await withScript(`${HELO_ONLY}C: MAIL FROM:<a@x.test>\nS: 250 ok\n`, async (client) => {
    await client.ehloOrHeloIfNeeded();
    assert.equal((await client.mail("a@x.test", ["BODY=8BITMIME"])).code, 250);
  });
});

test("debug output goes to process.stderr, a line each, when no debugOutput is given", async () => {
  const lines: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => { lines.push(String(chunk)); return true; }) as typeof process.stderr.write;
  try {
    await withScript(`${GREET}C: NOOP\nS: 250 ok\n`, async (client) => {
      await client.noop();
    }, { debugLevel: 1 });
  } finally {
    process.stderr.write = write;
  }
  assert.deepEqual(lines.slice(-2), ["C: NOOP\n", "S: 250 ok\n"]);
});

test("mail() with SMTPUTF8 before any EHLO (mail() does not greet, as Python's): SMTPNotSupportedError that says to call ehlo(), nothing sent", async () => {
  await withScript(`${greeting(["SMTPUTF8"])}C: MAIL FROM:<a@x.test> SMTPUTF8\nS: 250 ok\n`, async (client) => {
    await assert.rejects(client.mail("a@x.test", ["SMTPUTF8"]), (err: unknown) => err instanceof SMTPNotSupportedError && /no EHLO yet/.test(err.message));
    await client.ehlo();
    assert.equal((await client.mail("a@x.test", ["SMTPUTF8"])).code, 250);
  });
});

test("the caller's MAIL and RCPT options go to an ESMTP server as given, advertised or not (Python's code; see README)", async () => {
  const script = `${EHLO_PLAIN}C: MAIL FROM:<a@x.test> BODY=8BITMIME X-FOO=1\nS: 250 ok\nC: RCPT TO:<b@y.test> NOTIFY=NEVER\nS: 250 ok\nC: DATA\nS: 354 go\nC: x\nC: .\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", "x", ["BODY=8BITMIME", "X-FOO=1"], ["NOTIFY=NEVER"])).size, 0);
  });
});
