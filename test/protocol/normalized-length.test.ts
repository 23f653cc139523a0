// NormalizedLength: normalizedLength over pieces (a file read a piece at a time), which
// `smtplib send` declares as SIZE= for a file it sends with CRLF line ends.
import { describe, it } from "node:test";
import { strict as assert } from "node:assert";
import fc from "fast-check";
import { NormalizedLength, normalizedLength, normalizeLineEndingBytes } from "../../src/protocol/dot-stuff.js";

/** `data` cut at `cuts` (positions, any order), counted piece by piece. */
function counted(data: Buffer, cuts: number[]): NormalizedLength {
  const counter = new NormalizedLength();
  let from = 0;
  for (const at of [...cuts.map((c) => c % (data.length + 1)).sort((a, b) => a - b), data.length]) {
    counter.push(data.subarray(from, at));
    from = at;
  }
  return counter;
}

describe("NormalizedLength", () => {
  it("counts pieces as normalizedLength counts them whole, however they are cut (property, CR/LF-heavy bytes)", () => {
    const bytes = fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a.map((b) => [0x0d, 0x0a, 0x2e, 0x61][b % 4]!)));
    fc.assert(fc.property(bytes, fc.array(fc.nat(), { maxLength: 8 }), (b, cuts) => {
      const counter = counted(b, cuts);
      const whole = normalizeLineEndingBytes(b);
      const last = whole.length === 0 ? -1 : whole[whole.length - 1];
      return counter.length === normalizedLength(b) && counter.ended() === whole.length + (last === -1 || last === 0x0a ? 0 : 2);
    }), { numRuns: 2000 });
  });

  it("a CR ending one piece and an LF starting the next are one line end; an unended last line is ended", () => {
    const cases: [string[], number, number][] = [[[], 0, 0], [["a\r", "\nb"], 4, 6], [["a\r", "b"], 4, 6], [["a\r", "", "\n"], 3, 3], [["a\n", "\r"], 5, 5], [["a\r\nb"], 4, 6]];
    for (const [pieces, length, ended] of cases) {
      const counter = new NormalizedLength();
      for (const p of pieces) counter.push(Buffer.from(p, "latin1"));
      assert.equal(counter.length, length, JSON.stringify(pieces));
      assert.equal(counter.ended(), ended, JSON.stringify(pieces));
    }
  });
});
