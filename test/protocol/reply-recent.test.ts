/**
 * The reply parser's memory of recent one-line replies, past its size: more distinct
 * replies than it keeps, cycled and interleaved, each still parse as a parser without
 * memory parses it (the least recently seen one is replaced, never a wrong one kept).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ReplyParser } from "../../src/protocol/reply.js";

const DISTINCT = ["250 2.1.0 Ok", "250 2.1.5 Ok", "451 4.3.0 try later", "550 5.1.1 no such user", "354 go ahead", "221 2.0.0 Bye", "252 2.1.5 cannot verify"];

test("more distinct one-line replies than the parser remembers, in cycles and back to back: each parses as it does alone", () => {
  const order: string[] = [];
  // forwards, backwards (the least recently seen comes back first), then each twice in a row
  for (const pass of [DISTINCT, [...DISTINCT].reverse(), DISTINCT.flatMap((line) => [line, line]), DISTINCT.slice(0, 5), DISTINCT.slice(2)]) order.push(...pass);
  const parser = new ReplyParser();
  const got = order.flatMap((line) => parser.push(Buffer.from(`${line}\r\n`)));
  const alone = order.flatMap((line) => new ReplyParser().push(Buffer.from(`${line}\r\n`)));
  assert.equal(got.length, order.length);
  assert.deepEqual(got, alone);
  // all in one chunk too
  const once = new ReplyParser().push(Buffer.from(order.map((line) => `${line}\r\n`).join("")));
  assert.deepEqual(once, alone);
});
