/**
 * A message body given as a hand-written async iterable, held to the iterator protocol as
 * `for await` holds it: a `next()` that returns its `{ value, done }` itself, not in a
 * promise, is taken (`for await` and `Readable.from` take it; smtplib failed with "promise.then
 * is not a function" after DATA, closing the connection), and an iterable that is not one
 * (its `[Symbol.asyncIterator]()` gives null, its iterator has no `next()`, `next()` gives a
 * number) is a TypeError that says so, not "Invalid value used in weak set" or
 * "iterator.next is not a function", with the transaction ended as for any failing stream.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPServerDisconnected } from "../../src/index.js";
import { EHLO_CHUNKING } from "../helpers/bdat-scripts.js";
import { LOCK_STEP_TO_DATA, withScript, EHLO_SIZE_8BITMIME as EHLO } from "../helpers/client.js";

/** An async iterable whose `next()` returns each result as it is (no promise). */
function plainResults(chunks: readonly Uint8Array[]): AsyncIterable<Uint8Array> {
  return {
    [Symbol.asyncIterator]: () => {
      let i = 0;
      return { next: () => (i < chunks.length ? { value: chunks[i++]!, done: false } : { value: undefined, done: true }) } as unknown as AsyncIterator<Uint8Array>;
    },
  };
}

const HI = [Buffer.from("hi\r\n"), Buffer.from("there\r\n")];

test("a next() that returns { value, done } itself, as for await takes it: over DATA, the message goes whole", async () => {
  await withScript(`${EHLO}${LOCK_STEP_TO_DATA}C: hi\nC: there\nC: .\nS: 250 queued\n`, async (client) => {
    assert.deepEqual(await client.sendmail("a@x.test", "b@y.test", plainResults(HI)), new Map());
  });
});

test("a next() that returns { value, done } itself: over BDAT, the message goes whole", async () => {
  const script = `${EHLO_CHUNKING}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT 11 LAST\nC: hi\nC: there\nS: 250 queued\n`;
  await withScript(script, async (client) => {
    assert.deepEqual(await client.sendmail("a@x.test", "b@y.test", plainResults(HI)), new Map());
  });
});

/** Iterables that are not: each with the TypeError's message. */
const NOT_ITERATORS: readonly (readonly [string, () => unknown, RegExp])[] = [
  ["[Symbol.asyncIterator]() gives null", () => ({ [Symbol.asyncIterator]: () => null }), /^message stream's \[Symbol\.asyncIterator\]\(\) gave null, not an iterator$/],
  ["[Symbol.asyncIterator]() gives a string", () => ({ [Symbol.asyncIterator]: () => "abc" }), /^message stream's \[Symbol\.asyncIterator\]\(\) gave a string, not an iterator$/],
  ["iterator has no next()", () => ({ [Symbol.asyncIterator]: () => ({}) }), /^message stream's iterator has no next\(\) method$/],
  ["next() gives a number", () => ({ [Symbol.asyncIterator]: () => ({ next: () => 5 }) }), /^message stream's iterator gave a number from next\(\), not an iterator result \(\{ value, done \}\)$/],
  ["next() resolves to null", () => ({ [Symbol.asyncIterator]: () => ({ next: async () => null }) }), /^message stream's iterator gave null from next\(\), not an iterator result/],
];

for (const [name, body, message] of NOT_ITERATORS) {
  test(`over DATA, an iterable whose ${name}: a TypeError that says so, the connection closed before '.'`, async () => {
    await withScript(`${EHLO}${LOCK_STEP_TO_DATA}`, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", body() as AsyncIterable<Uint8Array>), (err: unknown) => err instanceof TypeError && message.test(err.message));
      await assert.rejects(client.noop(), SMTPServerDisconnected);
    });
  });

  test(`over BDAT, an iterable whose ${name}: a TypeError that says so, RSET, the connection kept`, async () => {
    const script = `${EHLO_CHUNKING}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: RSET\nS: 250 ok\nC: NOOP\nS: 250 ok\n`;
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", body() as AsyncIterable<Uint8Array>), (err: unknown) => err instanceof TypeError && message.test(err.message));
      assert.equal((await client.noop()).code, 250);
    });
  });
}
