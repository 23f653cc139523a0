/**
 * For the ReplyParser tests: reply literals, and feeding a wire text every way (whole, byte
 * by byte, split in two at every index) with the same outcome asserted for each.
 */

import assert from "node:assert/strict";
import { ReplyParser, type ReplyLimits, type SMTPReply } from "../../src/protocol/reply.js";
import { SMTPResponseException } from "../../src/errors.js";

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** A reply literal built without makeReply, so the expectations do not share its code. */
export function r(code: number, lines: string[], enhancedStatus?: string): SMTPReply {
  const reply: SMTPReply = { code, message: lines.join("\n"), lines };
  if (enhancedStatus !== undefined) reply.enhancedStatus = enhancedStatus;
  return reply;
}

interface Outcome {
  replies: SMTPReply[];
  error?: { code: number; message: string };
  /** The parser after the run, to check that it stays failed. */
  parser: ReplyParser;
}

/** Feeds `chunks` to a new parser; the replies, or the error it failed with. */
export function run(chunks: readonly Uint8Array[], limits?: ReplyLimits): Outcome {
  const parser = new ReplyParser(limits);
  const replies: SMTPReply[] = [];
  try {
    for (const c of chunks) replies.push(...parser.push(c));
    if (parser.failure) throw parser.failure;
  } catch (err) {
    assert.ok(err instanceof SMTPResponseException, `expected SMTPResponseException, got ${String(err)}`);
    return { replies, error: { code: err.smtpCode, message: err.smtpError }, parser };
  }
  return { replies, parser };
}

function bytes(wire: string | Uint8Array): Buffer {
  return typeof wire === "string" ? Buffer.from(wire, "utf8") : Buffer.from(wire);
}

/**
 * Split points to try: every index for inputs up to `every` bytes (10 kB unless a test of
 * many short lines asks for less, to keep the run short), else a stride plus both edges.
 */
export function splitIndices(n: number, every = 10_000): number[] {
  if (n <= every) return Array.from({ length: n + 1 }, (_, i) => i);
  const out = new Set<number>();
  for (let i = 0; i <= 64; i++) { out.add(i); out.add(n - i); }
  for (let i = 0; i <= n; i += 997) out.add(i);
  return [...out].sort((a, b) => a - b);
}

/**
 * Feeds `wire` whole, byte by byte and split in two at every index, and asserts that
 * every run gives the same replies (or the same error). Returns the byte-by-byte outcome.
 * For an error, the replies completed before the bad bytes are the same too: a chunk that
 * completes replies and then hits a bad line returns them and keeps the error in
 * `failure`.
 */
export function parseAllWays(wire: string | Uint8Array, limits?: ReplyLimits, every?: number): Outcome {
  const buf = bytes(wire);
  const bytewise = run([...buf].map((b) => Uint8Array.of(b)), limits);
  const runs: Array<[string, Outcome]> = [["whole", run([buf], limits)]];
  for (const i of splitIndices(buf.length, every)) runs.push([`split at ${i}`, run([buf.subarray(0, i), buf.subarray(i)], limits)]);
  for (const [name, outcome] of runs) {
    assert.deepEqual(outcome.error, bytewise.error, `${name}: error differs from byte-by-byte`);
    assert.deepEqual(outcome.replies, bytewise.replies, `${name}: replies differ from byte-by-byte`);
  }
  if (bytewise.error) assertStaysFailed(bytewise.parser, bytewise.error);
  return bytewise;
}

/** `wire`, fed every way, gives exactly `expected` and leaves nothing in progress. */
export function expectReplies(wire: string | Uint8Array, expected: SMTPReply[], limits?: ReplyLimits): void {
  const outcome = parseAllWays(wire, limits);
  assert.equal(outcome.error, undefined, `unexpected error ${JSON.stringify(outcome.error)}`);
  assert.deepEqual(outcome.replies, expected);
  assert.equal(outcome.parser.inProgress, false);
}

/** `wire`, fed every way, fails with `code` and `message` after the replies `before`. */
export function expectError(
  wire: string | Uint8Array, code: number, message: RegExp | string, limits?: ReplyLimits, before: SMTPReply[] = [],
  every?: number,
): void {
  const outcome = parseAllWays(wire, limits, every);
  assert.ok(outcome.error, "expected an error");
  assert.equal(outcome.error.code, code);
  if (typeof message === "string") assert.equal(outcome.error.message, message);
  else assert.match(outcome.error.message, message);
  assert.deepEqual(outcome.replies, before);
}

/** A failed parser throws the same error again for anything more it is given. */
export function assertStaysFailed(parser: ReplyParser, error: { code: number; message: string }): void {
  for (const more of ["250 ok\r\n", "", "\r\n"]) {
    assert.throws(() => parser.push(Buffer.from(more)), (err: unknown) => {
      assert.ok(err instanceof SMTPResponseException);
      assert.equal(err.smtpCode, error.code);
      assert.equal(err.smtpError, error.message);
      return true;
    });
  }
  assert.equal(parser.inProgress, false);
}
