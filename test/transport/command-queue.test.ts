/**
 * The reply queue on its own (no socket): replies fill slots strictly in the order the
 * slots were opened, a reply completed while no slot is open is discarded and never
 * reaches a later slot, and none of this depends on how the bytes were chunked.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import type { SMTPReply } from "../../src/protocol/reply.js";
import { CommandQueue, type Slot, type SlotKind } from "../../src/transport/command-queue.js";

const KIND: SlotKind = { timeout: 60_000, phase: "command" };

/** A reply's last line (each reply in these tests names itself there). */
function lastLine(reply: SMTPReply): string {
  return reply.lines[reply.lines.length - 1]!;
}

/** One step: open a slot, or feed the next `bytes` bytes of the server's stream. */
type Step = { open: true } | { open: false; bytes: number };

/** A queue that records, for each reply parsed, its text and whether a slot took it. */
function recordingQueue(): { queue: CommandQueue; seen: { text: string; matched: boolean }[]; fatal: Error[] } {
  const seen: { text: string; matched: boolean }[] = [];
  const fatal: Error[] = [];
  const queue = new CommandQueue({
    reply: (reply: SMTPReply, matched: boolean) => seen.push({ text: lastLine(reply), matched }),
    fatal: (error) => fatal.push(error),
  });
  return { queue, seen, fatal };
}

describe("CommandQueue: pairing replies with slots", () => {
  it("property: each slot gets the first reply completed while it heads the queue; replies completed with no slot open are discarded, however the bytes are chunked", () => {
    const reply = fc.record({
      id: fc.nat({ max: 9999 }),
      multi: fc.boolean(),
    }).map(({ id, multi }) => (multi ? `250-first ${id}\r\n250 r${id}\r\n` : `250 r${id}\r\n`));
    fc.assert(fc.property(
      fc.array(reply, { minLength: 1, maxLength: 12 }),
      fc.array(fc.oneof(fc.constant<Step>({ open: true }), fc.nat({ max: 40 }).map((bytes): Step => ({ open: false, bytes }))), { maxLength: 40 }),
      (replies, steps) => {
        const stream = Buffer.from(replies.join(""), "latin1");
        // Where each reply's last byte is: the reply completes in the feed that holds it.
        const ends: number[] = [];
        let offset = 0;
        for (const r of replies) ends.push((offset += r.length));
        const texts = replies.map((r) => /^250 (r\d+)/m.exec(r)![1]!);

        const { queue, seen, fatal } = recordingQueue();
        const slots: Slot[] = [];
        const expected = new Map<Slot, string>();
        const waiting: Slot[] = [];
        const discarded: string[] = [];
        let fed = 0;
        let next = 0;
        const feed = (count: number): void => {
          const to = Math.min(stream.length, fed + count);
          queue.feed(stream.subarray(fed, to));
          fed = to;
          for (; next < replies.length && ends[next]! <= fed; next++) {
            const head = waiting.shift();
            if (head === undefined) discarded.push(texts[next]!);
            else expected.set(head, texts[next]!);
          }
        };
        for (const step of steps) {
          if (step.open) {
            const slot = queue.expect(KIND, "NOOP");
            slots.push(slot);
            waiting.push(slot);
          } else {
            feed(step.bytes);
          }
        }
        feed(stream.length);

        assert.deepEqual(fatal, []);
        for (const slot of slots) assert.equal(slot.reply === undefined ? undefined : lastLine(slot.reply), expected.get(slot));
        assert.deepEqual(seen.filter((s) => !s.matched).map((s) => s.text), discarded);
        assert.deepEqual(seen.map((s) => s.text), texts);
      },
    ), { numRuns: 500 });
  });

  it("a reply that completes in the feed after its slot opened goes to that slot, not the one before", () => {
    const { queue } = recordingQueue();
    const first = queue.expect(KIND, "NOOP");
    queue.feed(Buffer.from("250 one\r\n250-tw"));
    const second = queue.expect(KIND, "NOOP");
    queue.feed(Buffer.from("o\r\n250 two\r\n"));
    assert.equal(first.reply?.message, "one");
    assert.deepEqual(second.reply?.lines, ["two", "two"]);
  });
});


describe("CommandQueue: replies held after a raw send()", () => {
  /** Feeds `n` replies that no slot waits for; returns how many the queue held. */
  function heldAfter(queue: CommandQueue, n: number): number {
    queue.feed(Buffer.from("250 ok\r\n".repeat(n)));
    let held = 0;
    while (queue.takeHeld() !== undefined) held++;
    return held;
  }

  it("holds 100 replies, plus one per line written raw whose reply has not been taken; taken replies no longer count", () => {
    const { queue } = recordingQueue();
    queue.holdUnsolicited(150);
    assert.equal(heldAfter(queue, 300), 250);
    // The 150 raw lines have had their replies taken: they no longer widen the bound.
    queue.expect(KIND, "NOOP");
    queue.feed(Buffer.from("250 noop\r\n"));
    queue.holdUnsolicited(0);
    assert.equal(heldAfter(queue, 300), 100);
  });
});
