// What `serve` prints of a message (showData) and where --print-max cuts it (cutAt), by
// property: the terminal gets no control character but CRLF, TAB and the line break after
// a shown "\n"; valid UTF-8 is never shown as bytes, not even at the cut.

import { test } from "node:test";
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { cutAt, showData } from "../../src/cli/show-data.js";

/** Bytes rich in what matters: line ends, controls, UTF-8 of 2 to 4 bytes, stray 8-bit bytes. */
const data = fc.array(fc.oneof(
  fc.constantFrom("a", "\r\n", "\r", "\n", "\t", "\x1b[2J", "\x00", "\x7f", "é", "✓", "😀", "\u009b", "\u2028"),
  fc.integer({ min: 0x80, max: 0xff }).map((b) => String.fromCharCode(b)),
), { maxLength: 30 }).map((parts) => Buffer.concat(parts.map((p) => (p.length === 1 && p.charCodeAt(0) >= 0x80 && p.charCodeAt(0) <= 0xff && !"é".includes(p) ? Buffer.from([p.charCodeAt(0)]) : Buffer.from(p, "utf8")))));

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

test("property: showData leaves no control character for the terminal but CRLF, TAB and the break after a shown \\n", () => {
  fc.assert(fc.property(data, (bytes) => {
    const shown = showData(bytes);
    assert.ok(!CONTROL.test(shown.replace(/\r\n/g, "")), JSON.stringify(shown));
    assert.ok(!/\r(?!\n)/.test(shown) && !/(?<!\\n|\r)\n/.test(shown), JSON.stringify(shown));
  }), { numRuns: 3000 });
});

test("property: cutAt never cuts a UTF-8 character or a CRLF, and moves back at most 4 bytes", () => {
  fc.assert(fc.property(data, fc.nat(), (bytes, n) => {
    const max = n % (bytes.length + 2);
    const cut = cutAt(bytes, max);
    if (bytes.length <= max) return assert.equal(cut, bytes.length);
    assert.ok(cut <= max && cut >= max - 4, `${cut} for ${max}`);
    assert.ok(!(bytes[cut - 1] === 0x0d && bytes[cut] === 0x0a), "a CRLF cut");
    // Valid UTF-8 in the whole is valid UTF-8 in the part shown: no \xNN appears that the whole did not show.
    const whole = showData(bytes);
    const part = showData(bytes.subarray(0, cut));
    assert.equal((part.match(/\\x[0-9a-f]{2}/g) ?? []).length <= (whole.match(/\\x[0-9a-f]{2}/g) ?? []).length, true);
    assert.ok(whole.startsWith(part.replace(/\\n\n$/, "\\n\n")), JSON.stringify([whole, part]));
  }), { numRuns: 3000 });
});
