// showBytes: a command line's bytes as the transcript shows them (valid UTF-8 as text, any
// other byte as \xNN), for each length of UTF-8 sequence.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { showBytes } from "../../src/server/transcript.js";

test("showBytes: 2-, 3- and 4-byte UTF-8 sequences shown as text next to bytes that are not UTF-8", () => {
  const bytes = (...parts: (string | number[])[]): Buffer => Buffer.concat(parts.map((p) => typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p)));
  assert.equal(showBytes(bytes("MAIL FROM:<", [0xff], "caf\u00e9\u20ac\u{1f600}", [0x80], ">")), "MAIL FROM:<\\xffcaf\u00e9\u20ac\u{1f600}\\x80>");
  // a sequence cut short, overlong forms and surrogates are bytes, not text
  assert.equal(showBytes(bytes([0xf0, 0x9f, 0x98], "x", [0xc0, 0xaf], [0xed, 0xa0, 0x80])), "\\xf0\\x9f\\x98x\\xc0\\xaf\\xed\\xa0\\x80");
  assert.equal(showBytes(bytes("\u{50000}\u{10ffff}", [0xf4, 0x90, 0x80, 0x80])), "\u{50000}\u{10ffff}\\xf4\\x90\\x80\\x80");
});
