/**
 * sendmail and deliver with a string body that is not ASCII: encoded as UTF-8 (API.md), so
 * 8-bit data, which goes only to a server that advertises 8BITMIME or SMTPUTF8 (RFC 6152),
 * as sendMessage's does: elsewhere SMTPNotSupportedError before MAIL (Python's sendmail
 * raises UnicodeEncodeError for any such string). Bytes go as given, as in Python.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPNotSupportedError } from "../../src/index.js";
import { greeting, HELO_ONLY, withScript } from "../helpers/client.js";

const BODY = "Subject: hi\r\n\r\nGrüße\r\n";

/** A lock-step transaction a@x.test -> b@y.test after the greeting, MAIL with `params`. */
function transaction(params = ""): string {
  return `C: MAIL FROM:<a@x.test>${params}\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\nC: Subject: hi\nC:\nC: Grüße\nC: .\nS: 250 ok\n`;
}

test("sendmail: a non-ASCII string body to a server without 8BITMIME or SMTPUTF8 is SMTPNotSupportedError, nothing sent", async () => {
  await withScript(greeting(["SIZE 1000"]), async (client) => {
    await client.ehlo();
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", BODY), (err: unknown) => {
      assert.ok(err instanceof SMTPNotSupportedError);
      assert.match(err.message, /8-bit data.*8BITMIME/);
      return true;
    });
    await assert.rejects(client.deliver("a@x.test", ["b@y.test"], BODY), SMTPNotSupportedError);
  });
  // A server that only took HELO has no extension at all.
  await withScript(HELO_ONLY, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", BODY), SMTPNotSupportedError);
  });
});

test("sendmail: a non-ASCII string body goes where 8BITMIME or SMTPUTF8 is offered, with the caller's options only", async () => {
  for (const ext of ["8BITMIME", "SMTPUTF8"]) {
    await withScript(`${greeting([ext])}${transaction()}`, async (client) => {
      assert.equal((await client.sendmail("a@x.test", "b@y.test", BODY)).size, 0);
    });
  }
});

test("sendmail: BODY=7BIT given with a non-ASCII string body is a TypeError before MAIL", async () => {
  await withScript(greeting(["8BITMIME"]), async (client) => {
    await client.ehlo();
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", BODY, ["BODY=7BIT"]), TypeError);
  });
});

test("sendmail: a bytes body goes as given to a server without 8BITMIME, as in Python; an ASCII string too", async () => {
  await withScript(`${greeting(["SIZE 1000"])}${transaction(" SIZE=24")}`, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", Buffer.from(BODY, "utf8"))).size, 0);
  });
  const ascii = transaction(" SIZE=24").replace("Grüße", "Gruesse");
  await withScript(`${greeting(["SIZE 1000"])}${ascii}`, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", BODY.replace("Grüße", "Gruesse"))).size, 0);
  });
});
