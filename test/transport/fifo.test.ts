/**
 * The FIFO behind the reply queue: behaves as an array used with push/shift (checked
 * against one, over any sequence of operations, across its compaction of the spent head).
 */

import assert from "node:assert/strict";
import { it } from "node:test";
import fc from "fast-check";
import { Fifo } from "../../src/transport/fifo.js";

it("property: push, shift, first, length and drain match an array's push, shift, [0], length and splice(0)", () => {
  const op = fc.oneof(
    fc.record({ op: fc.constant("push" as const), n: fc.integer({ min: 1, max: 3000 }) }),
    fc.record({ op: fc.constant("shift" as const), n: fc.integer({ min: 1, max: 3000 }) }),
    fc.record({ op: fc.constant("drain" as const), n: fc.constant(0) }),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
    const fifo = new Fifo<number>();
    const model: number[] = [];
    let next = 0;
    for (const { op: kind, n } of ops) {
      if (kind === "drain") assert.deepEqual(fifo.drain(), model.splice(0));
      for (let i = 0; i < n; i++) {
        if (kind === "push") { fifo.push(next); model.push(next); next++; } else assert.equal(fifo.shift(), model.shift());
      }
      assert.equal(fifo.length, model.length);
      assert.equal(fifo.first, model[0]);
    }
  }), { numRuns: 200 });
});

it("at(i) is the item i places after the oldest, across the spent head's compaction; undefined past the newest", () => {
  const fifo = new Fifo<number>();
  for (let i = 0; i < 3000; i++) fifo.push(i);
  for (let i = 0; i < 1500; i++) fifo.shift();
  assert.equal(fifo.at(0), 1500);
  assert.equal(fifo.at(1), 1501);
  assert.equal(fifo.at(1499), 2999);
  assert.equal(fifo.at(1500), undefined);
  fifo.shift();
  assert.equal(fifo.at(0), 1501);
});
