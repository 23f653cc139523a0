/**
 * The low-level data() with text beyond ASCII: encoded as UTF-8 it is 8-bit data, which
 * goes only in a transaction whose MAIL declared it (BODY=8BITMIME or BINARYMIME, or
 * SMTPUTF8). Otherwise a whole string is SMTPNotSupportedError before DATA is sent
 * (Python's data() raises UnicodeEncodeError for it, after DATA), and a stream's string
 * chunk closes the connection before the final "." (the message was not sent). Bytes go
 * as given, as in Python.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPNotSupportedError } from "../../src/index.js";
import type { ScriptServer } from "../helpers/script-server.js";
import { greeting, withScript } from "../helpers/client.js";

const TEXT = "Subject: hi\r\n\r\nGrüße\r\n";
const ENVELOPE = "C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\n";
const MESSAGE = "C: DATA\nS: 354 go\nC: Subject: hi\nC:\nC: Grüße\nC: .\nS: 250 queued\n";

const refused = (err: unknown): boolean => err instanceof SMTPNotSupportedError && /BODY=8BITMIME/.test(err.message) && /the message was not sent$/.test(err.message) && err.delivery === "not-delivered";

test("data(): a non-ASCII string after a MAIL that declared no 8-bit data is SMTPNotSupportedError, DATA not sent; the transaction can go on", async () => {
  await withScript(`${greeting(["8BITMIME"])}${ENVELOPE}C: RSET\nS: 250 ok\n`, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("b@y.test");
    await assert.rejects(client.data(TEXT), refused);
    assert.equal((await client.rset()).code, 250);
  });
});

test("data(): a non-ASCII string goes after MAIL with BODY=8BITMIME or SMTPUTF8; bytes go after any MAIL", async () => {
  for (const [ext, option] of [["8BITMIME", "BODY=8BITMIME"], ["SMTPUTF8", "SMTPUTF8"]] as const) {
    await withScript(`${greeting([ext])}${ENVELOPE.replace("<a@x.test>", `<a@x.test> ${option}`)}${MESSAGE}`, async (client) => {
      await client.ehlo();
    await client.mail("a@x.test", [option]);
      await client.rcpt("b@y.test");
      assert.equal((await client.data(TEXT)).code, 250);
    });
  }
  await withScript(`${greeting(["8BITMIME"])}${ENVELOPE}${MESSAGE}`, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("b@y.test");
    assert.equal((await client.data(Buffer.from(TEXT))).code, 250);
  });
});

test("data(): the declaration lasts one transaction: after RSET, a MAIL without it refuses the text again", async () => {
  const script = `${greeting(["8BITMIME"])}${ENVELOPE.replace("<a@x.test>", "<a@x.test> BODY=8BITMIME")}C: RSET\nS: 250 ok\n${ENVELOPE}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test", ["BODY=8BITMIME"]);
    await client.rcpt("b@y.test");
    await client.rset();
    await client.mail("a@x.test");
    await client.rcpt("b@y.test");
    await assert.rejects(client.data(TEXT), refused);
  });
});

/** The header section, then (once the server has it) a non-ASCII line. */
async function* stream(server: ScriptServer): AsyncGenerator<string> {
  yield "Subject: hi\r\n\r\n";
  while (!server.received().includes("Subject: hi")) await new Promise((resolve) => setImmediate(resolve));
  yield "Grüße\r\n";
}

test("data(): a stream's non-ASCII string chunk after a MAIL that declared no 8-bit data closes the connection before the end of data", async () => {
  await withScript(`${greeting(["8BITMIME"])}${ENVELOPE}C: DATA\nS: 354 go\nC: Subject: hi\nC:\n`, async (client, server) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("b@y.test");
    await assert.rejects(client.data(stream(server)), refused);
    assert.equal(client.connected, false);
  });
});
