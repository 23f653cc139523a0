import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { allocFromSlab } from "../../src/protocol/slab.js";

describe("allocFromSlab", () => {
  it("gives exactly the length asked, and no two live buffers share a byte (property)", () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 300 * 1024 }), { minLength: 1, maxLength: 40 }), (lengths) => {
      const bufs = lengths.map((n, i) => {
        const b = allocFromSlab(n);
        assert.equal(b.length, n);
        b.fill(i & 0xff);
        return b;
      });
      bufs.forEach((b, i) => assert.ok(b.every((x) => x === (i & 0xff)), `buffer ${i} was overwritten`));
    }), { numRuns: 200 });
  });

  /** A view at the start of a new slab (the slab in use is shared, so its fill is unknown). */
  function freshSlab(): Buffer {
    const first = allocFromSlab(128 * 1024);
    for (;;) {
      const view = allocFromSlab(128 * 1024);
      if (view.buffer !== first.buffer) return view;
    }
  }

  it("middle sizes share one slab; small and large ones do not", () => {
    freshSlab();
    const a = allocFromSlab(64 * 1024);
    const b = allocFromSlab(64 * 1024);
    assert.equal(a.buffer, b.buffer, "two 64 KiB views of one slab");
    assert.equal(a.buffer.byteLength, 1024 * 1024);
    assert.notEqual(allocFromSlab(200 * 1024).buffer, a.buffer, "over 128 KiB: a buffer of its own");
    assert.notEqual(allocFromSlab(100).buffer, a.buffer, "under 4 KiB: Node.js's own pool");
  });

  it("starts a new slab when the current one cannot hold the next view", () => {
    const first = freshSlab();
    for (let i = 1; i < 8; i++) assert.equal(allocFromSlab(128 * 1024).buffer, first.buffer, "eight 128 KiB views fill one slab");
    assert.notEqual(allocFromSlab(128 * 1024).buffer, first.buffer);
  });
});
