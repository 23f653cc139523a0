// An error made from a reply carries the reply's enhanced status code: both read it from
// the first line, whatever follows (property, over replies parsed from the wire).

import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ReplyParser } from "../../src/protocol/reply.js";
import { SMTPResponseException, SMTPSenderRefused } from "../../src/errors.js";

test("a multi-line reply whose first line is only the enhanced code: the error has it, as the reply does", () => {
  const [reply] = new ReplyParser().push(Buffer.from("550-5.7.1\r\n550 5.7.1 go away\r\n"));
  assert.equal(reply!.enhancedStatus, "5.7.1");
  assert.equal(new SMTPResponseException(reply!.code, reply!.message).enhancedStatus, "5.7.1");
  assert.equal(new SMTPSenderRefused(reply!.code, reply!.message, "a@x.test").enhancedStatus, "5.7.1");
});

test("property: new SMTPResponseException(reply.code, reply.message).enhancedStatus is reply.enhancedStatus", () => {
  const first = fc.oneof(
    fc.constantFrom("5.7.1", "2.1.5", "4.4.1", "5.1.10", "5.1.1000", "2.0", "5.7.1 text", "5.7.1\ttab", "5.7.1x", ""),
    fc.string({ unit: fc.constantFrom("2", "4", "5", "1", ".", " ", "x"), maxLength: 10 }),
  );
  const line = fc.string({ unit: "grapheme-ascii", maxLength: 12 });
  fc.assert(fc.property(fc.constantFrom(250, 450, 550, 354), first, fc.array(line, { maxLength: 3 }), (code, head, rest) => {
    const lines = [head, ...rest];
    const wire = lines.map((l, i) => `${code}${i === lines.length - 1 ? " " : "-"}${l}\r\n`).join("");
    const [reply] = new ReplyParser().push(Buffer.from(wire, "latin1"));
    assert.equal(new SMTPResponseException(reply!.code, reply!.message).enhancedStatus, reply!.enhancedStatus, JSON.stringify(wire));
  }), { numRuns: 2000 });
});
