// Folding header lines over 998 octets (RFC 5322 §2.1.1) so that every field unfolds unchanged.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { foldLongHeaderLines, MAX_LINE_OCTETS } from "../../src/protocol/fold.js";
import { headerValue, parseHeaderSection } from "../../src/protocol/message.js";

const b = (s: string): Buffer => Buffer.from(s, "latin1");
const lines = (s: string): string[] => s.split("\r\n");
/** Each field as name and unfolded value. */
const fieldsOf = (data: Buffer): string[] => parseHeaderSection(data).fields.map((f) => `${f.name}:${headerValue(data, f)}`);

describe("foldLongHeaderLines", () => {
  it("folds a long To line before spaces, each line at most 998 octets, the field unchanged", () => {
    const to = `To: ${Array.from({ length: 300 }, (_, i) => `user${i}@example.test`).join(", ")}`;
    const input = b(`From: a@b\r\n${to}\r\nSubject: s\r\n\r\nbody\r\n`);
    const out = foldLongHeaderLines(input);
    const text = out.toString("latin1");
    for (const line of lines(text)) assert.ok(line.length <= MAX_LINE_OCTETS, `${line.length}`);
    assert.ok(lines(text).length > lines(input.toString("latin1")).length);
    assert.deepEqual(fieldsOf(out), fieldsOf(input));
    assert.ok(text.endsWith("\r\nSubject: s\r\n\r\nbody\r\n"));
  });
  it("returns the data itself when no line is too long; a word too long for any line gets a line of its own", () => {
    const short = b("To: a@b\r\n\r\nbody\r\n");
    assert.equal(foldLongHeaderLines(short), short);
    const word = `Subject: ${"x".repeat(2000)}\r\n\r\n`;
    assert.equal(foldLongHeaderLines(b(word)).toString("latin1"), `Subject:\r\n ${"x".repeat(2000)}\r\n\r\n`);
    const bare = b(`Subject:${"x".repeat(2000)}\r\n\r\n`);
    assert.equal(foldLongHeaderLines(bare), bare); // nowhere to fold
  });
  it("never leaves a blank line: trailing whitespace is no place to fold", () => {
    const input = b(`Subject:${"x".repeat(1200)}${" ".repeat(50)}\r\n\r\n`);
    assert.equal(foldLongHeaderLines(input), input);
    const late = b(`Subject:${"x".repeat(1200)} y${" ".repeat(20)}\r\n\r\n`);
    assert.equal(foldLongHeaderLines(late).toString("latin1"), `Subject:${"x".repeat(1200)}\r\n y${" ".repeat(20)}\r\n\r\n`);
  });
  it("leaves the body and lines outside header fields alone", () => {
    const long = `${"w ".repeat(700)}`;
    const input = b(`To: a@b\r\n\r\n${long}\r\n`);
    assert.equal(foldLongHeaderLines(input), input);
  });
  it("folds a continuation line and a last line without line end too", () => {
    const words = "word ".repeat(300).trim();
    const out = foldLongHeaderLines(b(`X: a\r\n ${words}\r\nY: ${words}`)).toString("latin1");
    for (const line of lines(out)) assert.ok(line.length <= MAX_LINE_OCTETS, `${line.length}`);
    assert.deepEqual(fieldsOf(b(out)), [`X:a ${words}`, `Y:${words}`]);
  });
  it("never folds between a field name and its colon (obsolete `Subject :`): the fields after it stay fields", () => {
    const input = b(`From: a@b\r\nSubject \t:${"x".repeat(2000)} y\r\nTo: c@d\r\n\r\nbody`);
    const out = foldLongHeaderLines(input);
    assert.deepEqual(fieldsOf(out), fieldsOf(input));
    assert.equal(out.toString("latin1"), `From: a@b\r\nSubject \t:${"x".repeat(2000)}\r\n y\r\nTo: c@d\r\n\r\nbody`);
    const one = b(`Subject :${"x".repeat(2000)} y\r\n\r\n`);
    assert.equal(foldLongHeaderLines(one).toString("latin1"), `Subject :${"x".repeat(2000)}\r\n y\r\n\r\n`);
  });
  it("folds at the latest place that fits, and leaves a rest of exactly 998 octets whole", () => {
    const input = b(`X: ${"a".repeat(995)} ${"b".repeat(500)} ${"c".repeat(496)}\r\n\r\n`);
    assert.equal(foldLongHeaderLines(input).toString("latin1"), `X: ${"a".repeat(995)}\r\n ${"b".repeat(500)} ${"c".repeat(496)}\r\n\r\n`);
  });
  it("leaves a line of exactly 998 octets (CRLF not counted) as it is", () => {
    const input = b(`X: ${"a".repeat(495)} ${"b".repeat(499)}\r\nY: ${"c".repeat(400)} d\r\n\r\n`);
    assert.equal(foldLongHeaderLines(input), input);
  });
  it("folds before a run of blanks, never inside it", () => {
    const input = b(`X: ${"a".repeat(990)}  ${"b".repeat(20)}\r\n\r\n`);
    assert.equal(foldLongHeaderLines(input).toString("latin1"), `X: ${"a".repeat(990)}\r\n  ${"b".repeat(20)}\r\n\r\n`);
  });
  it("a field name past 998 octets: folds at the first place after its colon, never before it", () => {
    const input = b(`${"X".repeat(1000)} : ${"y".repeat(10)}\r\n\r\n`);
    assert.equal(foldLongHeaderLines(input).toString("latin1"), `${"X".repeat(1000)} :\r\n ${"y".repeat(10)}\r\n\r\n`);
  });
  it("folds a continuation line of 999 octets, its leading blank counted", () => {
    const input = b(`X: a\r\n ${"b".repeat(500)} ${"c".repeat(497)}\r\n\r\n`);
    assert.equal(foldLongHeaderLines(input).toString("latin1"), `X: a\r\n ${"b".repeat(500)}\r\n ${"c".repeat(497)}\r\n\r\n`);
  });
  it("with no place within 998 octets, folds at the first place after (even the 999th octet), before a whole run of blanks", () => {
    const at999 = b(`X:${"a".repeat(997)} ${"b".repeat(10)}\r\n\r\n`);
    assert.equal(foldLongHeaderLines(at999).toString("latin1"), `X:${"a".repeat(997)}\r\n ${"b".repeat(10)}\r\n\r\n`);
    const run = b(`X:${"a".repeat(1000)} \t ${"b".repeat(10)}\r\n\r\n`);
    assert.equal(foldLongHeaderLines(run).toString("latin1"), `X:${"a".repeat(1000)}\r\n \t ${"b".repeat(10)}\r\n\r\n`);
  });
  it("property: every field unfolds unchanged, the body is untouched, and a line is over 998 only where it has no place to fold", () => {
    const word = fc.constantFrom("a", "bb", "x".repeat(300), "y".repeat(990), ",", "\"q\"", "é".repeat(5));
    const ws = fc.constantFrom(" ", "\t", "  ");
    const value = fc.array(fc.tuple(ws, word).map(([w, x]) => w + x), { maxLength: 12 }).map((a) => a.join(""));
    const field = fc.tuple(fc.constantFrom("To", "Subject", "X-Long"), value).map(([n, v]) => `${n}:${v}`);
    fc.assert(fc.property(fc.array(field, { maxLength: 4 }), fc.string(), (fields, body) => {
      const input = Buffer.from(`${fields.map((f) => `${f}\r\n`).join("")}\r\n${body.replace(/\r|\n/g, "")}`);
      const out = foldLongHeaderLines(input);
      assert.deepEqual(fieldsOf(out), fieldsOf(input));
      const [head, ...rest] = out.toString("latin1").split("\r\n\r\n");
      assert.equal(rest.join("\r\n\r\n"), input.toString("latin1").split("\r\n\r\n").slice(1).join("\r\n\r\n"));
      for (const line of lines(head!)) {
        if (line.length <= MAX_LINE_OCTETS) continue;
        // too long only when no space or tab after text (and before more text) in its first 999 octets
        assert.doesNotMatch(line.slice(1, MAX_LINE_OCTETS + 1).replace(/[ \t]+$/, ""), /[^ \t][ \t]/, line.slice(0, 40));
      }
    }), { numRuns: 500 });
  });
});
