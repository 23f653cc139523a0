/**
 * A non-ASCII domain with an ASCII local part, to a server without SMTPUTF8: the error
 * (Python's "SMTPUTF8 not supported by server") says the domain can go in A-labels and
 * names that form; not when A-labels cannot help (a local part past ASCII).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPNotSupportedError } from "../../src/index.js";
import { smtputf8Refusal } from "../../src/client/smtputf8-refusal.js";
import { GREET, withScript } from "../helpers/client.js";

const NO_UTF8 = `${GREET}C: EHLO client.test\nS: 250-mx.test\nS: 250 8BITMIME`;

/** The message of the error `sendmail(from, to)` fails with, before MAIL, against a server without SMTPUTF8. */
async function refusal(from: string, to: string | string[]): Promise<string> {
  let message = "";
  await withScript(NO_UTF8, async (client) => {
    await assert.rejects(client.sendmail(from, to, "x"), (err: unknown) => {
      assert.ok(err instanceof SMTPNotSupportedError, String(err));
      message = err.message;
      return true;
    });
  });
  return message;
}

test("a recipient in U-labels with an ASCII local part: the error names its A-label form", async () => {
  assert.equal(await refusal("a@x.test", "j@bücher.test"), "SMTPUTF8 not supported by server: give the domain in A-labels: j@xn--bcher-kva.test");
});

test("the sender's domain, and others likewise: the first named, the rest counted", async () => {
  assert.equal(await refusal("a@Bücher.test", ["b@bücher.test", "c@x.test", "d@ü.test"]),
    "SMTPUTF8 not supported by server: give the domain in A-labels: a@xn--bcher-kva.test (and 2 more addresses likewise)");
});

test("a local part past ASCII: A-labels cannot help, and the message is Python's alone", async () => {
  assert.equal(await refusal("ü@x.test", "b@x.test"), "SMTPUTF8 not supported by server");
  // one such path among others that A-labels would fix: no advice either
  assert.equal(await refusal("a@bücher.test", ["jürgen@x.test"]), "SMTPUTF8 not supported by server");
});

test("smtputf8Refusal: a domain domainToASCII refuses gives no advice; before EHLO, the advice to greet", () => {
  assert.equal(smtputf8Refusal(true, "<a@x.test>", ["<j@xn--ü.test>"]).message, "SMTPUTF8 not supported by server");
  assert.equal(smtputf8Refusal(true, "<>", ["<j@x.test>"]).message, "SMTPUTF8 not supported by server", "asked for, every path ASCII");
  assert.equal(smtputf8Refusal(true, "<>", ["<j@ü.test>"]).message, "SMTPUTF8 not supported by server: give the domain in A-labels: j@xn--tda.test");
  assert.equal(smtputf8Refusal(false, "<a@x.test>", ["<j@ü.test>"]).message, "SMTPUTF8 not supported by server: no EHLO yet (call ehlo() before mail())");
});
