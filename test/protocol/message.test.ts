import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  findRecipients,
  findSender,
  hasEightBitData,
  headerValue,
  parseHeaderSection,
  removeHeaderFields,
  removeRanges,
  resentPrefix,
  unfoldHeader,
} from "../../src/protocol/message.js";
import { normalizeLineEndingBytes } from "../../src/protocol/dot-stuff.js";
import { FULL_PARSE_OVERHEAD, MAX_FULLY_PARSED } from "../../src/protocol/address-element.js";

const b = (s: string): Buffer => Buffer.from(s, "utf8");
const names = (data: string): string[] => parseHeaderSection(b(data)).fields.map((f) => f.name);

describe("normalizeLineEndingBytes", () => {
  const table: Array<[string, string]> = [
    ["a\nb", "a\r\nb"],
    ["a\rb", "a\r\nb"],
    ["a\r\nb", "a\r\nb"],
    ["\r\r\n\n\r", "\r\n\r\n\r\n\r\n"],
    ["", ""],
    ["no line end", "no line end"],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)}`, () => assert.equal(normalizeLineEndingBytes(b(input)).toString("latin1"), expected));
  }
  it("keeps bytes that are not line ends, 8-bit ones included", () => {
    const input = Buffer.from([0xff, 0x0a, 0x80, 0x0d, 0x00]);
    assert.deepEqual([...normalizeLineEndingBytes(input)], [0xff, 0x0d, 0x0a, 0x80, 0x0d, 0x0a, 0x00]);
  });
  it("works on a Uint8Array view with an offset", () => {
    const backing = Buffer.from("XXa\nbYY");
    assert.equal(normalizeLineEndingBytes(backing.subarray(2, 5)).toString(), "a\r\nb");
    assert.equal(normalizeLineEndingBytes(new Uint8Array(backing.buffer, backing.byteOffset + 2, 1)).toString(), "a");
  });
  it("property: no lone CR or LF, idempotent, and only line ends change", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(0x0d, 0x0a, 0x41, 0x2e, 0xc3), { maxLength: 50 }), (bytes) => {
        const out = normalizeLineEndingBytes(Uint8Array.from(bytes)).toString("latin1");
        assert.doesNotMatch(out, /\r(?!\n)|(?<!\r)\n/);
        assert.equal(normalizeLineEndingBytes(Buffer.from(out, "latin1")).toString("latin1"), out);
        assert.equal(out.replace(/\r\n/g, ""), Buffer.from(bytes).toString("latin1").replace(/[\r\n]/g, ""));
      }),
    );
  });
});

describe("parseHeaderSection", () => {
  it("finds fields and the body with CRLF", () => {
    const data = b("From: a@b\r\nTo: c@d\r\n\r\nbody\r\nX: not a header\r\n");
    const s = parseHeaderSection(data);
    assert.deepEqual(s.fields.map((f) => [f.name, f.key]), [["From", "from"], ["To", "to"]]);
    assert.equal(data.subarray(s.bodyStart).toString(), "body\r\nX: not a header\r\n");
    assert.equal(s.mboxLineEnd, 0);
  });
  it("finds fields and the body with bare LF", () => {
    const data = b("From: a@b\nTo: c@d\n\nbody\n");
    const s = parseHeaderSection(data);
    assert.deepEqual(s.fields.map((f) => f.name), ["From", "To"]);
    assert.equal(data.subarray(s.bodyStart).toString(), "body\n");
    assert.equal(headerValue(data, s.fields[1]), "c@d");
  });
  it("keeps folded continuation lines with their field", () => {
    const data = b("To: a@b,\r\n c@d,\r\n\te@f\r\nSubject: hi\r\n\r\n");
    const s = parseHeaderSection(data);
    assert.deepEqual(s.fields.map((f) => f.name), ["To", "Subject"]);
    const to = s.fields[0];
    assert.equal(data.subarray(to.start, to.end).toString(), "To: a@b,\r\n c@d,\r\n\te@f\r\n");
    assert.equal(headerValue(data, to), "a@b, c@d,\te@f");
  });
  it("ends the header section at a line that is not a field (as Python's parser does)", () => {
    const data = b("To: a@b\r\nthis is body text\r\nBcc: x@y\r\n");
    const s = parseHeaderSection(data);
    assert.deepEqual(s.fields.map((f) => f.name), ["To"]);
    assert.equal(data.subarray(s.bodyStart).toString(), "this is body text\r\nBcc: x@y\r\n");
  });
  it("skips a misplaced From_ line or a line with no field name, as Python's parser does, and goes on", () => {
    // CPython's feedparser takes both for header lines (its headerRE), notes a defect,
    // drops them and reads the fields after them: a Bcc there is a Bcc, never body text.
    for (const junk of ["From someone Sat Jan  3 01:05:34 1996", ":no name", ": x@y"]) {
      const data = b(`To: a@b\r\n${junk}\r\n continued\r\nBcc: x@y\r\n\r\nbody\r\n`);
      const s = parseHeaderSection(data);
      assert.deepEqual(s.fields.map((f) => f.name), ["To", "Bcc"], junk);
      assert.equal(data.subarray(s.fields[0].start, s.fields[0].end).toString(), "To: a@b\r\n", junk); // the continuation belongs to neither
      assert.equal(data.subarray(s.bodyStart).toString(), "body\r\n", junk);
    }
  });
  it("accepts obsolete whitespace before the colon (RFC 5322 §4.5)", () => {
    assert.deepEqual(names("Subject : hi\r\nBcc\t: x@y\r\n\r\n"), ["Subject", "Bcc"]);
  });
  it("a field name is printable US-ASCII but ':' (RFC 5322 ftext, '!' to '~'); DEL ends the header section", () => {
    assert.deepEqual(names("!X~: a\r\nBcc: b\r\n\r\n"), ["!X~", "Bcc"]);
    assert.deepEqual(names("X\x7f: a\r\nBcc: b\r\n\r\n"), []);
  });
  it("handles a message without body, without final line end, or empty", () => {
    assert.deepEqual(names("To: a@b"), ["To"]);
    assert.deepEqual(names(""), []);
    assert.equal(parseHeaderSection(b("To: a@b")).bodyStart, 7);
    assert.equal(parseHeaderSection(b("\r\nbody")).bodyStart, 2);
    assert.deepEqual(parseHeaderSection(b("\nBcc: x\n")), { fields: [], mboxLineEnd: 0, bodyStart: 1 });
  });
  it("ignores a continuation line before any field", () => {
    const s = parseHeaderSection(b(" stray\r\nTo: a@b\r\n\r\n"));
    assert.deepEqual(s.fields.map((f) => f.name), ["To"]);
  });
  it("recognises a leading mbox From_ line but not a From field", () => {
    const mbox = "From someone@example.com Sat Jan  3 01:05:34 1996\r\n";
    const s = parseHeaderSection(b(`${mbox}From: a@b\r\n\r\n`));
    assert.equal(s.mboxLineEnd, mbox.length);
    assert.deepEqual(s.fields.map((f) => f.name), ["From"]);
    assert.equal(parseHeaderSection(b("From : a@b\r\n\r\n")).mboxLineEnd, 0);
  });
  it("never throws and keeps field offsets inside the data (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("To", ": ", "a@b", "\r\n", "\n", " ", "\t", "X", "From ", "é"), { maxLength: 30 }), (parts) => {
        const data = b(parts.join(""));
        const s = parseHeaderSection(data);
        let last = s.mboxLineEnd;
        for (const f of s.fields) {
          assert.ok(f.start >= last && f.start < f.valueStart && f.valueStart <= f.valueEnd && f.valueEnd <= f.end && f.end <= data.length);
          last = f.end;
        }
        assert.ok(s.bodyStart >= last && s.bodyStart <= data.length);
      }),
    );
  });
});

describe("unfoldHeader", () => {
  const table: Array<[string, string]> = [
    ["a,\r\n b", "a, b"],
    ["a,\n\tb", "a,\tb"],
    ["a\r\n  b\r\n c", "a  b c"],
    ["a\r\nb", "a\r\nb"], // not a fold
    ["a\r\r\n b", "a b"],
    ["plain", "plain"],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)}`, () => assert.equal(unfoldHeader(input), expected));
  }
  it("property: idempotent, and no line break before whitespace remains", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("\r", "\n", "\r\n", " ", "\t", "a", ","), { maxLength: 40 }), (parts) => {
        const once = unfoldHeader(parts.join(""));
        assert.equal(unfoldHeader(once), once);
        assert.doesNotMatch(once, /[\r\n][ \t]/);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("headerValue", () => {
  it("decodes UTF-8 (RFC 6532)", () => {
    const data = b("From: Páolo <főo@bar.com>\r\n\r\n");
    assert.equal(headerValue(data, parseHeaderSection(data).fields[0]), "Páolo <főo@bar.com>");
  });
  it("refuses a value that is not UTF-8 rather than guess", () => {
    const data = Buffer.concat([b("To: J"), Buffer.from([0xe9]), b(" <j@x>\r\n\r\n")]);
    assert.throws(() => headerValue(data, parseHeaderSection(data).fields[0]), /To header is not valid UTF-8/);
  });
});

describe("removeHeaderFields / removeRanges", () => {
  const blind = new Set(["bcc", "resent-bcc"]);
  it("removes every Bcc and Resent-Bcc field with its continuation lines, byte for byte", () => {
    const data = b(
      "From: a@b\r\nBcc: x@y,\r\n z@w\r\nTo: c@d\r\nBCC: q@r\r\nResent-Bcc: s@t\r\nSubject: Bcc: not this\r\n\r\nBcc: body line stays\r\n",
    );
    const out = removeHeaderFields(data, parseHeaderSection(data), blind).toString();
    assert.equal(out, "From: a@b\r\nTo: c@d\r\nSubject: Bcc: not this\r\n\r\nBcc: body line stays\r\n");
  });
  it("removes a last Bcc field without line end", () => {
    const data = b("To: c@d\nBcc: x@y");
    assert.equal(removeHeaderFields(data, parseHeaderSection(data), blind).toString(), "To: c@d\n");
  });
  it("removes the mbox From_ line", () => {
    const data = b("From x@y Mon Jan 1 00:00:00 2024\r\nTo: c@d\r\n\r\nhi");
    assert.equal(removeHeaderFields(data, parseHeaderSection(data), blind).toString(), "To: c@d\r\n\r\nhi");
  });
  it("removeRanges keeps everything outside the ranges", () => {
    assert.equal(removeRanges(b("0123456789"), [[1, 3], [5, 6], [9, 10]]).toString(), "034678");
    assert.equal(removeRanges(b("abc"), []).toString(), "abc");
    const whole = b("no blind copies");
    assert.equal(removeRanges(whole, []), whole, "nothing removed: the same Buffer, no copy");
  });
  it("property: what remains is the input without exactly the Bcc fields", () => {
    const field = fc.tuple(fc.constantFrom("To", "Bcc", "bcc", "Resent-Bcc", "Subject", "X-Bcc"), fc.array(fc.constantFrom("a@b", ", ", "\r\n ", "\r\n\t"), { maxLength: 4 }));
    fc.assert(
      fc.property(fc.array(field, { maxLength: 8 }), fc.string({ maxLength: 20 }), (fields, body) => {
        const text = (keep: boolean) =>
          fields.filter(([n]) => keep || !blind.has(n.toLowerCase())).map(([n, v]) => `${n}: ${v.join("")}\r\n`).join("") + `\r\n${body}`;
        const data = b(text(true));
        assert.equal(removeHeaderFields(data, parseHeaderSection(data), blind).toString(), text(false));
      }),
    );
  });
});

describe("hasEightBitData", () => {
  it("finds bytes above 127", () => {
    assert.equal(hasEightBitData(b("plain ascii\r\n")), false);
    assert.equal(hasEightBitData(b("oh là là")), true);
    assert.equal(hasEightBitData(Uint8Array.from([0x7f, 0x00])), false);
    assert.equal(hasEightBitData(Uint8Array.from([0x80])), true);
  });
});

describe("resentPrefix and the envelope", () => {
  const section = (s: string) => parseHeaderSection(b(s));
  it("no Resent-* fields: the regular headers", () => {
    assert.equal(resentPrefix(section("From: a@b\r\nTo: c@d\r\n\r\n")), "");
  });
  it("one set: Resent-*", () => {
    assert.equal(resentPrefix(section("Resent-Date: x\r\nResent-From: a@b\r\nResent-To: c@d\r\n\r\n")), "resent-");
  });
  it("one set without Resent-Date still counts (Python would ignore it)", () => {
    assert.equal(resentPrefix(section("From: a@b\r\nResent-From: r@s\r\nResent-To: t@u\r\n\r\n")), "resent-");
  });
  it("two Resent-Date fields: more than one set (CPython's rule)", () => {
    assert.throws(
      () => resentPrefix(section("Resent-Date: 1\r\nResent-From: a@b\r\nResent-Date: 2\r\nResent-From: c@d\r\n\r\n")),
      (e: unknown) => e instanceof TypeError && /more than one set of Resent-\* headers/.test(e.message),
    );
  });
  it("one Resent-Date but two Resent-To fields: also more than one set, never half used", () => {
    assert.throws(() => resentPrefix(section("Resent-Date: 1\r\nResent-To: a@b\r\nResent-To: c@d\r\n\r\n")), /2 Resent-To fields/);
  });
  it("findSender prefers Sender, then From; takes the first address", () => {
    const data = b("From: Bernard, Bianca\r\nSender: the_rescuers@Rescue-Aid-Society.com\r\n\r\n");
    assert.equal(findSender(data, parseHeaderSection(data), ""), "the_rescuers@Rescue-Aid-Society.com");
    const data2 = b("From: Bernard, Bianca\r\n\r\n");
    assert.equal(findSender(data2, parseHeaderSection(data2), ""), "Bernard");
    const data3 = b("Sender: empty:;\r\nFrom: f@g\r\n\r\n");
    assert.equal(findSender(data3, parseHeaderSection(data3), ""), "f@g");
    const data4 = b("To: a@b\r\n\r\n");
    assert.equal(findSender(data4, parseHeaderSection(data4), ""), null);
  });
  it("findRecipients reads To, Bcc and Cc (CPython's order), every field of each, in that order", () => {
    const data = b("Bcc: z@z\r\nTo: a@a,\r\n b@b\r\nCc: c@c\r\nTo: d@d\r\nResent-To: no@no\r\n\r\nTo: body@body\r\n");
    assert.deepEqual(findRecipients(data, parseHeaderSection(data), ""), ["a@a", "b@b", "d@d", "z@z", "c@c"]);
    assert.deepEqual(findRecipients(data, parseHeaderSection(data), "resent-"), ["no@no"]);
  });
  it("findRecipients bounds the To, Cc and Bcc fields together: many fields are no way around the bound of one", () => {
    const rare = "x <@relay.test:a@x.test>"; // an obsolete route: the full parser reads it
    const fit = Math.floor(MAX_FULLY_PARSED / (rare.length + FULL_PARSE_OVERHEAD));
    const fields = (n: number): Buffer => b(`${Array.from({ length: n }, (_, i) => `${["To", "Cc", "Bcc"][i % 3]}: ${rare}\r\n`).join("")}\r\n`);
    assert.equal(findRecipients(fields(fit), parseHeaderSection(fields(fit)), "").length, fit);
    assert.throws(
      () => findRecipients(fields(fit + 1), parseHeaderSection(fields(fit + 1)), ""),
      (e: unknown) => e instanceof TypeError && /address list too complex to read: more than 4000 characters/.test(e.message),
    );
    // Common forms do not count, however many fields hold them.
    const common = b(`${"Cc: A <a@x.test>\r\n".repeat(5000)}\r\n`);
    assert.equal(findRecipients(common, parseHeaderSection(common), "").length, 5000);
  });
  it("findRecipients reads 150,000 addresses in one field, and in one group, without overflowing the stack", () => {
    const specs = Array.from({ length: 150_000 }, (_, i) => `u${i}@x.test`);
    for (const value of [specs.join(", "), `all: ${specs.join(", ")};`]) {
      const data = b(`From: a@x.test\r\nBcc: ${value}\r\n\r\nbody`);
      assert.deepEqual(findRecipients(data, parseHeaderSection(data), ""), specs);
    }
  });
  it("findRecipients names an address it cannot parse", () => {
    const data = b("To: ok@x, broken <\r\n\r\n");
    assert.throws(() => findRecipients(data, parseHeaderSection(data), ""), /cannot parse address "broken <"/);
  });
});
