// SessionLines (serve --print-max 0): whole lines after the session's id, a line being
// received held back, but never more than HELD_LINE_MAX characters of it.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { HELD_LINE_MAX, SessionLines } from "../../src/cli/session-lines.js";

test("SessionLines: pieces become whole prefixed lines; the rest of a line comes with its end", () => {
  const lines = new SessionLines("s1");
  assert.equal(lines.push("a\r\nb"), "[s1] a\r\n");
  assert.equal(lines.push("c\r\n\r\nd"), "[s1] bc\r\n[s1] \r\n");
  assert.equal(lines.end(), "[s1] d\n");
  assert.equal(lines.end(), "");
});

test("SessionLines: a line with no end (binary data) is written in pieces of HELD_LINE_MAX, the later ones marked [id]+", () => {
  const lines = new SessionLines("s1");
  let out = "";
  for (let i = 0; i < 25; i++) out += lines.push("x".repeat(1000));
  out += lines.push("y\r\nz\r\n");
  assert.deepEqual(out.split("\n").map((l) => l.length), [HELD_LINE_MAX + 5, HELD_LINE_MAX + 6, HELD_LINE_MAX + 6, HELD_LINE_MAX + 6, HELD_LINE_MAX + 6, HELD_LINE_MAX + 6, 25_000 - 6 * HELD_LINE_MAX + 8, 7, 0]);
  assert.match(out, /^\[s1\] x+\n(\[s1\]\+ x+\n){5}\[s1\]\+ x+y\r\n\[s1\] z\r\n$/);
  // a surrogate pair at the cut is not split
  const emoji = new SessionLines("s1");
  const piece = emoji.push(`${"x".repeat(HELD_LINE_MAX - 1)}\u{1f600}`);
  assert.equal(piece, `[s1] ${"x".repeat(HELD_LINE_MAX - 1)}\n`);
  assert.equal(emoji.end(), "[s1]+ \u{1f600}\n");
});
