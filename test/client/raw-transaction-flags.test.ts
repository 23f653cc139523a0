/**
 * A transaction begun or ended by a raw command (`docmd`, `putcmd` + `getreply`) sets what
 * `mail()` sets: a raw MAIL's own SMTPUTF8 and BODY=8BITMIME/BINARYMIME declare UTF-8
 * commands and 8-bit data for its transaction, and a raw RSET, EHLO, HELO or LHLO ends
 * them. `data()` then neither refuses text the raw MAIL declared, nor lets text go after a
 * raw RSET ended the declaration.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPNotSupportedError } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const TEXT = "Subject: hi\r\n\r\nGrüße\r\n";
const MESSAGE = "C: DATA\nS: 354 go\nC: Subject: hi\nC:\nC: Grüße\nC: .\nS: 250 queued\n";
const RCPT = "C: RCPT TO:<b@y.test>\nS: 250 ok\n";

const refused = (err: unknown): boolean => err instanceof SMTPNotSupportedError && /not sent/.test(err.message);

test("raw RSET ends mail()'s SMTPUTF8: a raw MAIL without it, then data() of non-ASCII text, is refused before DATA", async () => {
  const script = `${greeting(["8BITMIME", "SMTPUTF8"])}C: MAIL FROM:<a@x.test> SMTPUTF8\nS: 250 ok\nC: RSET\nS: 250 ok\n`
    + `C: MAIL FROM:<a@x.test>\nS: 250 ok\n${RCPT}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test", ["SMTPUTF8"]);
    await client.docmd("RSET");
    await client.docmd("MAIL FROM:<a@x.test>");
    await client.rcpt("b@y.test");
    await assert.rejects(client.data(TEXT), refused);
    // Nor are commands UTF-8 any longer: a non-ASCII recipient needs an SMTPUTF8 transaction.
    await assert.rejects(client.rcpt("ü@y.test"), SMTPNotSupportedError);
    await assert.rejects(client.docmd("RCPT TO:<ü@y.test>"), TypeError);
  });
});

test("putcmd(RSET) + getreply() ends the declaration as docmd(RSET) does", async () => {
  const script = `${greeting(["8BITMIME"])}C: MAIL FROM:<a@x.test> BODY=8BITMIME\nS: 250 ok\nC: RSET\nS: 250 ok\n`
    + `C: MAIL FROM:<a@x.test>\nS: 250 ok\n${RCPT}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test", ["BODY=8BITMIME"]);
    await client.putcmd("RSET");
    await client.getreply();
    await client.putcmd("MAIL", "FROM:<a@x.test>");
    await client.getreply();
    await client.rcpt("b@y.test");
    await assert.rejects(client.data(TEXT), refused);
  });
});

test("a raw MAIL with BODY=8BITMIME or SMTPUTF8 lets data() send non-ASCII text", async () => {
  for (const option of ["BODY=8BITMIME", "body=binarymime", "SMTPUTF8"]) {
    const script = `${greeting(["8BITMIME", "SMTPUTF8"])}C: MAIL FROM:<a@x.test> ${option}\nS: 250 ok\n${RCPT}${MESSAGE}`;
    await withScript(script, async (client) => {
      await client.ehlo();
      await client.docmd(`MAIL FROM:<a@x.test> ${option}`);
      await client.rcpt("b@y.test");
      assert.equal((await client.data(TEXT)).code, 250);
    });
  }
});

test("a raw MAIL with SMTPUTF8 sends its own non-ASCII path, and makes its transaction's commands UTF-8", async () => {
  const script = `${greeting(["SMTPUTF8"])}C: MAIL FROM:<ä@x.test> SMTPUTF8\nS: 250 ok\nC: RCPT TO:<ü@y.test>\nS: 250 ok\nC: RCPT TO:<ö@y.test>\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.putcmd("MAIL FROM:<ä@x.test> SMTPUTF8");
    assert.equal((await client.getreply()).code, 250);
    assert.equal((await client.rcpt("ü@y.test")).code, 250);
    assert.equal((await client.docmd("RCPT TO:<ö@y.test>")).code, 250);
  });
});

test("a raw EHLO ends the transaction's declaration, as ehlo() does", async () => {
  const script = `${greeting(["8BITMIME"])}C: MAIL FROM:<a@x.test> BODY=8BITMIME\nS: 250 ok\nC: EHLO again.test\nS: 250 mx.test\n`
    + `C: MAIL FROM:<a@x.test>\nS: 250 ok\n${RCPT}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test", ["BODY=8BITMIME"]);
    await client.docmd("EHLO again.test");
    await client.docmd("MAIL FROM:<a@x.test>");
    await client.rcpt("b@y.test");
    await assert.rejects(client.data(TEXT), refused);
  });
});

test("a refused raw MAIL declares nothing, as a refused mail() does: data() of non-ASCII text is refused before DATA", async () => {
  const script = `${greeting(["8BITMIME"])}C: MAIL FROM:<a@x.test> BODY=8BITMIME\nS: 550 no\nC: MAIL FROM:<a@x.test> BODY=8BITMIME\nS: 550 no\n`;
  await withScript(script, async (client) => {
    await client.ehlo();
    assert.equal((await client.docmd("MAIL FROM:<a@x.test> BODY=8BITMIME")).code, 550);
    await assert.rejects(client.data(TEXT), refused);
    await client.putcmd("MAIL FROM:<a@x.test> BODY=8BITMIME");
    assert.equal((await client.getreply()).code, 550);
    await assert.rejects(client.data(TEXT), refused);
  });
});

test("a raw MAIL refused after a later mail() began: that mail()'s declaration stays", async () => {
  const script = `${greeting(["8BITMIME"])}C: MAIL FROM:<a@x.test>\nC: MAIL FROM:<a@x.test> BODY=8BITMIME\nS: 550 no\nS: 250 ok\n${RCPT}${MESSAGE}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.putcmd("MAIL FROM:<a@x.test>");
    const mail = client.mail("a@x.test", ["BODY=8BITMIME"]);
    assert.equal((await client.getreply()).code, 550);
    assert.equal((await mail).code, 250);
    await client.rcpt("b@y.test");
    assert.equal((await client.data(TEXT)).code, 250);
  });
});

test("a raw MAIL given all as arguments (docmd(\"\", \"MAIL ...\")) is read as a MAIL too: its BODY=8BITMIME lets data() send non-ASCII text", async () => {
  const script = `${greeting(["8BITMIME"])}C:  MAIL FROM:<a@x.test> BODY=8BITMIME\nS: 250 ok\n${RCPT}${MESSAGE}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.docmd("", "MAIL FROM:<a@x.test> BODY=8BITMIME");
    await client.rcpt("b@y.test");
    assert.equal((await client.data(TEXT)).code, 250);
  });
});

test("a raw MAIL whose quoted sender holds \"> BODY=8BITMIME\" declares nothing: data() of non-ASCII text is refused before DATA", async () => {
  const mail = 'MAIL FROM:<"a> BODY=8BITMIME b"@x.test>';
  const script = `${greeting(["8BITMIME"])}C: ${mail}\nS: 250 ok\n${RCPT}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.docmd(mail);
    await client.rcpt("b@y.test");
    await assert.rejects(client.data(TEXT), refused);
  });
});

test("a raw RSET alone ends mail()'s SMTPUTF8: a non-ASCII recipient after it is refused before it is sent", async () => {
  const script = `${greeting(["8BITMIME", "SMTPUTF8"])}C: MAIL FROM:<a@x.test> SMTPUTF8\nS: 250 ok\nC: RSET\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test", ["SMTPUTF8"]);
    await client.docmd("RSET");
    await assert.rejects(client.rcpt("ü@y.test"), SMTPNotSupportedError);
    await assert.rejects(client.docmd("RCPT TO:<ü@y.test>"), TypeError);
  });
});
