/**
 * Properties of the line-end transforms that feed the stuffer and BDAT, for any text and
 * any cutting into pieces (CR/LF-heavy, pieces cut between a CR and its LF):
 *
 * - LineEndingFixer (BDAT's text chunks): the pieces fixed one by one, joined, are the
 *   whole text fixed at once.
 * - StuffedTextLines (DATA's text chunks with onProgress): the stuffer sends the very same
 *   bytes for the pieces as given and for the pieces as StuffedTextLines gives them (with
 *   the LFs it says are owed), and for text alone their lengths add up to the text with
 *   CRLF line ends: what onProgress is told.
 * - normalizeLineEndingBytes and normalizedLength agree: the length is that of the bytes.
 * - Stuffing then un-stuffing a mix of text and bytes gives the whole with CRLF line ends,
 *   whichever the pieces are.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import {
  DotStuffer, LineEndingFixer, normalizedLength, normalizeLineEndingBytes, normalizeLineEndings, StuffedTextLines,
} from "../../src/protocol/dot-stuff.js";
import { cutAtFractions } from "../helpers/cuts.js";

/** Text rich in what matters: CR, LF, CRLF, dots, letters. */
const textArb = fc.array(fc.constantFrom("a", ".", "\r", "\n", "\r\n", "\r\r", "\n\n", " "), { maxLength: 30 }).map((p) => p.join(""));

const cut = cutAtFractions;

const cutsArb = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });

/** A piece of a stream: text, or bytes (latin1 of the same characters). */
type Piece = { text: string } | { bytes: Buffer };

/** What DotStuffer sends for `chunks`, end marker included. */
function stuffed(chunks: readonly Buffer[]): string {
  const stuffer = new DotStuffer();
  const out = chunks.map((c) => stuffer.push(c).toString("latin1"));
  return out.join("") + stuffer.end().toString("latin1");
}

describe("line-end transforms: properties", () => {
  it("LineEndingFixer: pieces fixed one by one are the whole fixed at once, for any cutting", () => {
    fc.assert(fc.property(textArb, cutsArb, (text, cuts) => {
      const fixer = new LineEndingFixer();
      assert.equal(cut(text, cuts).map((p) => fixer.push(p)).join(""), normalizeLineEndings(text));
    }), { numRuns: 3000 });
  });

  it("LineEndingFixer.reset: bytes between text pieces end whatever line the text left open (a CR before them is its own line end)", () => {
    fc.assert(fc.property(textArb, textArb, (a, b) => {
      const fixer = new LineEndingFixer();
      const first = fixer.push(a);
      fixer.reset();
      assert.equal(first + fixer.push(b), normalizeLineEndings(a) + normalizeLineEndings(b));
    }), { numRuns: 1000 });
  });

  it("StuffedTextLines: the stuffer sends the same bytes for the pieces as given and as it gives them; text pieces' lengths add up to the text with CRLF line ends", () => {
    const pieceArb = fc.array(fc.record({ text: textArb, bytes: fc.boolean() }), { maxLength: 8 });
    fc.assert(fc.property(pieceArb, (given) => {
      const pieces: Piece[] = given.map(({ text, bytes }) => (bytes ? { bytes: Buffer.from(text, "latin1") } : { text }));
      const asGiven = pieces.map((p) => ("text" in p ? Buffer.from(p.text, "latin1") : p.bytes));
      const lines = new StuffedTextLines();
      const asTold: Buffer[] = [];
      let told = 0;
      for (const p of pieces) {
        if ("text" in p) {
          const t = lines.text(p.text);
          told += t.length;
          asTold.push(Buffer.from(t, "latin1"));
        } else {
          if (lines.bytes(p.bytes)) {
            asTold.push(Buffer.from("\n"));
            told += 1;
          }
          asTold.push(p.bytes);
          told += p.bytes.length;
        }
      }
      if (lines.end()) {
        asTold.push(Buffer.from("\n"));
        told += 1;
      }
      assert.equal(stuffed(asTold), stuffed(asGiven));
      if (pieces.every((p) => "text" in p)) {
        assert.equal(told, normalizeLineEndings(given.map((g) => g.text).join("")).length);
      }
    }), { numRuns: 3000 });
  });

  it("normalizedLength is the length of normalizeLineEndingBytes, which is normalizeLineEndings read one char per byte", () => {
    fc.assert(fc.property(fc.oneof(textArb.map((t) => Buffer.from(t, "latin1")), fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b))), (bytes) => {
      const fixed = normalizeLineEndingBytes(bytes);
      assert.equal(normalizedLength(bytes), fixed.length);
      assert.equal(fixed.toString("latin1"), normalizeLineEndings(bytes.toString("latin1")));
    }), { numRuns: 3000 });
  });

  it("stuff then un-stuff is the identity on text with CRLF line ends, for any cutting (a final CRLF added when missing)", () => {
    fc.assert(fc.property(textArb, cutsArb, (text, cuts) => {
      const wire = stuffed(cut(text, cuts).map((p) => Buffer.from(p, "latin1")));
      assert.ok(wire.endsWith("\r\n.\r\n"));
      const data = wire.slice(0, -3);
      const back = data.split("\r\n").map((l) => (l.startsWith(".") ? l.slice(1) : l)).join("\r\n");
      const normal = normalizeLineEndings(text);
      assert.equal(back, text === "" ? "\r\n" : normal.endsWith("\r\n") ? normal : `${normal}\r\n`);
    }), { numRuns: 3000 });
  });
});
