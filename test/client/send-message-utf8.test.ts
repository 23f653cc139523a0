/**
 * sendMessage and internationalized headers (RFC 6532 §3, RFC 6531 §3.4) byte for byte:
 * UTF-8 in the header section asks for SMTPUTF8 where the server offers it, even when every
 * address is ASCII; elsewhere it goes as 8-bit data, as before. An 8-bit body alone never
 * asks for SMTPUTF8, and sendmail (the caller's options, as in Python) is unchanged.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPNotSupportedError } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const UTF8_SUBJECT = "From: a@x.test\r\nTo: b@y.test\r\nSubject: Grüße, Zoë\r\n\r\nhi\r\n";

/** The rest of a lock-step transaction a@x.test -> b@y.test after MAIL's reply, with `msg`'s lines. */
function afterMail(msg: string, final = "S: 250 ok"): string {
  const lines = msg.replace(/\r\n$/, "").split("\r\n").map((l) => `C: ${l}`.trimEnd());
  return `C: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\n${lines.join("\n")}\nC: .\n${final}\n`;
}

test("sendMessage: a UTF-8 Subject with ASCII addresses asks for SMTPUTF8 and BODY=8BITMIME where SMTPUTF8 is offered", async () => {
  const script = `${greeting(["8BITMIME", "SMTPUTF8"])}C: MAIL FROM:<a@x.test> SMTPUTF8 BODY=8BITMIME\nS: 250 ok\n${afterMail(UTF8_SUBJECT)}`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendMessage(UTF8_SUBJECT)).size, 0);
  });
});

test("sendMessage: a UTF-8 Subject with ASCII addresses goes with BODY=8BITMIME alone where SMTPUTF8 is not offered", async () => {
  const script = `${greeting(["8BITMIME"])}C: MAIL FROM:<a@x.test> BODY=8BITMIME\nS: 250 ok\n${afterMail(UTF8_SUBJECT)}`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendMessage(UTF8_SUBJECT)).size, 0);
  });
  // Neither extension: refused before MAIL, as any 8-bit message is; a caller's SMTPUTF8 is
  // refused where it is not offered, rather than dropped.
  await withScript(greeting(["8BITMIME"]), async (client) => {
    await client.ehlo();
    await assert.rejects(client.sendMessage(UTF8_SUBJECT, undefined, undefined, ["SMTPUTF8"]), SMTPNotSupportedError);
  });
  await withScript(greeting(["SIZE"]), async (client) => {
    await client.ehlo();
    await assert.rejects(client.sendMessage(UTF8_SUBJECT), SMTPNotSupportedError);
  });
});

test("sendMessage: ASCII headers with an 8-bit body stay BODY=8BITMIME, without SMTPUTF8, even where it is offered", async () => {
  const msg = "From: a@x.test\r\nTo: b@y.test\r\nBcc: Zoë <b@y.test>\r\nSubject: plain\r\n\r\nGrüße\r\n";
  const sent = "From: a@x.test\r\nTo: b@y.test\r\nSubject: plain\r\n\r\nGrüße\r\n";
  const script = `${greeting(["8BITMIME", "SMTPUTF8"])}C: MAIL FROM:<a@x.test> BODY=8BITMIME\nS: 250 ok\n${afterMail(sent).replace("C: DATA", "C: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA")}`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendMessage(msg)).size, 0);
  });
});

test("sendmail is unchanged: the caller's options only, whatever the headers hold", async () => {
  const script = `${greeting(["8BITMIME", "SMTPUTF8"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\n${afterMail(UTF8_SUBJECT)}`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", UTF8_SUBJECT)).size, 0);
  });
});

test("LMTP sendMessage: a UTF-8 Subject asks for SMTPUTF8 where LHLO offers it; one reply per recipient", async () => {
  const script = `${greeting(["8BITMIME", "SMTPUTF8"], "LHLO")}C: MAIL FROM:<a@x.test> SMTPUTF8 BODY=8BITMIME\nS: 250 ok\n${afterMail(UTF8_SUBJECT, "S: 250 2.0.0 <b@y.test> delivered")}`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendMessage(UTF8_SUBJECT)).size, 0);
  }, {}, LMTP);
});
