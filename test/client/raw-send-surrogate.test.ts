/**
 * A raw `send()` of text with a lone surrogate (half of a UTF-16 pair), which has no UTF-8
 * form, is a TypeError before a byte is sent, as everywhere else (commands, addresses,
 * credentials, messages): not U+FFFD on the wire. The error does not quote the text (a raw
 * send may carry a credential).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { greeting, withScript } from "../helpers/client.js";

test("send() with a lone surrogate is a TypeError, nothing sent; the session goes on", async () => {
  await withScript(`${greeting([])}C: NOOP\nS: 250 ok\n`, async (client) => {
    await client.ehlo();
    for (const text of ["NOOP \uD800\r\n", "AUTH PLAIN secret\uDC00\r\n", "\uD83D"]) {
      await assert.rejects(client.send(text), (err: unknown) => err instanceof TypeError && /lone surrogate/.test(err.message) && !/secret/.test(err.message));
    }
    assert.equal((await client.docmd("NOOP")).code, 250);
  });
});

test("send() of a well-formed pair goes as its UTF-8 bytes", async () => {
  await withScript(`${greeting([])}C: NOOP \u{1F600}\nS: 250 ok\n`, async (client) => {
    await client.ehlo();
    await client.send("NOOP \uD83D\uDE00\r\n");
    assert.equal((await client.getreply()).code, 250);
  });
});

test("putcmd() and docmd() with a lone surrogate are a TypeError, in ASCII and in an SMTPUTF8 transaction", async () => {
  await withScript(`${greeting(["SMTPUTF8"])}C: MAIL FROM:<a@x.test> SMTPUTF8\nS: 250 ok\n`, async (client) => {
    await client.ehlo();
    await assert.rejects(client.docmd("NOOP", "\uD800"), /lone surrogate/);
    await assert.rejects(client.putcmd("NOOP \uDFFF"), /lone surrogate/);
    await client.mail("a@x.test", ["SMTPUTF8"]);
    await assert.rejects(client.docmd("RCPT", "TO:<\uD800@y.test>"), /lone surrogate/);
    await assert.rejects(client.putcmd("RCPT TO:<\uDFFF@y.test>"), /lone surrogate/);
  });
});
