// The byte helpers shared by the protocol modules: countLines (how many replies the lines a
// client sends may draw) and asBuffer (a view, never a copy).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { asBuffer, countLines } from "../../src/protocol/bytes.js";

describe("countLines", () => {
  it("counts the LF bytes, wherever they are, and nothing else", () => {
    const cases: Array<[string, number]> = [["", 0], ["NOOP", 0], ["\n", 1], ["NOOP\r\n", 1], ["\n\n", 2], ["a\nb\r\nc", 2], ["\r\r", 0], ["\n\u000b\n", 2]];
    for (const [text, lines] of cases) assert.equal(countLines(Buffer.from(text, "latin1")), lines, JSON.stringify(text));
  });
  it("property: equals the number of 0x0a bytes", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }).map((a) => a.map((b) => (b % 3 === 0 ? 0x0a : b))), (bytes) => {
      assert.equal(countLines(Buffer.from(bytes)), bytes.filter((b) => b === 0x0a).length);
    }));
  });
});

describe("asBuffer", () => {
  it("views a Uint8Array's own bytes (offset and length kept) without copying; a Buffer is returned itself", () => {
    const backing = new Uint8Array([1, 2, 3, 4, 5]);
    const view = asBuffer(backing.subarray(1, 4));
    assert.deepEqual([...view], [2, 3, 4]);
    backing[2] = 9;
    assert.equal(view[1], 9);
    const buf = Buffer.from("x");
    assert.equal(asBuffer(buf), buf);
  });
});
