/**
 * `rawTransactionStep` on its own: what a MAIL line written with the caller's own verb
 * declares (SMTPUTF8, BODY=8BITMIME or BINARYMIME) agrees with the parameters of the MAIL the
 * library builds, whatever the path (a quoted local part may hold blanks, `>` and
 * parameter-like words) and however the verb, `FROM:` and blanks are written; the verbs that
 * end a transaction do so in any case.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { quoteaddr } from "../../src/protocol/address.js";
import { mailText } from "../../src/protocol/commands.js";
import { rawTransactionStep } from "../../src/protocol/raw-transaction.js";

/** Words of a quoted local part: `>`, blanks and parameter-like words among them (escaped quotes too). */
const QTEXT = fc.array(fc.constantFrom("a", ">", "b>", "SMTPUTF8", "body=8bitmime", "BODY=BINARYMIME", "x\\\"y", "@", ":"), { minLength: 1, maxLength: 6 })
  .chain((words) => fc.constantFrom(" ", "  ").map((sep) => words.join(sep)));

/** A sender: a plain address, a quoted local part with blanks, `>` or parameter-like words, or the null path. */
const SENDER = fc.oneof(
  fc.constantFrom("a@x.test", "", "<>", "user.name@mx.example.test"),
  QTEXT.map((local) => `"${local}"@x.test`),
);

/** Parameters the library sends (one BODY at most), each possibly present, in any order. */
const PARAMS = fc.tuple(fc.subarray(["SMTPUTF8", "SIZE=1234", "RET=HDRS", "ENVID=x"]), fc.constantFrom([], ["BODY=7BIT"], ["BODY=8BITMIME"], ["BODY=BINARYMIME"]))
  .map(([others, body]) => [...others, ...body])
  .chain((params) => fc.shuffledSubarray(params, { minLength: params.length, maxLength: params.length }));

/** `text` with each letter's case chosen by `upper`. */
function recase(text: string, upper: boolean[]): string {
  return [...text].map((c, i) => (upper[i % upper.length] ? c.toUpperCase() : c.toLowerCase())).join("");
}

describe("rawTransactionStep", () => {
  it("property: on the MAIL the library builds, and on it written in any case and spacing, it reads exactly the declarations of its parameters and never throws", () => {
    fc.assert(fc.property(
      SENDER, PARAMS, fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
      fc.constantFrom(" ", "  ", "\t"), fc.constantFrom("", " ", "  "), fc.constantFrom("", " ", "\t "),
      (sender, params, upper, afterVerb, afterColon, lead) => {
        const path = quoteaddr(sender);
        const built = mailText(path, params).replace(/\r\n$/, "");
        const expected = {
          utf8: params.includes("SMTPUTF8"),
          eightBit: params.includes("BODY=8BITMIME") || params.includes("BODY=BINARYMIME"),
        };
        assert.deepEqual(rawTransactionStep(built), expected, built);
        const tail = params.length === 0 ? "" : ` ${params.map((p) => recase(p, upper)).join("  ")}`;
        const written = `${lead}${recase("MAIL", upper)}${afterVerb}${recase("FROM:", upper)}${afterColon}${path}${tail}`;
        assert.deepEqual(rawTransactionStep(written), expected, written);
      },
    ), { numRuns: 500 });
  });

  it("a quoted local part holding `>` and a parameter's word declares nothing", () => {
    assert.deepEqual(rawTransactionStep('MAIL FROM:<"a> SMTPUTF8 b"@x.test>'), { utf8: false, eightBit: false });
    assert.deepEqual(rawTransactionStep('MAIL FROM:<"a> BODY=8BITMIME b"@x.test> SIZE=10'), { utf8: false, eightBit: false });
    assert.deepEqual(rawTransactionStep('MAIL FROM:<"a\\" SMTPUTF8 >"@x.test> BODY=8BITMIME'), { utf8: false, eightBit: true });
  });

  it("RSET, EHLO, HELO and LHLO end the transaction in any case, with leading blanks; other verbs (RCPT, DATA, NOOP, MAILX) have no effect", () => {
    for (const line of ["RSET", "rset", " Rset", "EHLO client.test", "ehlo x", "HELO x", "\tlhlo x"]) assert.equal(rawTransactionStep(line), "end", line);
    for (const line of ["RCPT TO:<a@x.test> SMTPUTF8", "DATA", "NOOP", "MAILX FROM:<a@x.test> SMTPUTF8", "RSETX", ""]) assert.equal(rawTransactionStep(line), undefined, line);
  });
});
