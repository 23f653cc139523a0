// A server that drips a reply line a few bytes at a time (each its own read) made the parser
// copy the whole unfinished line on every read: n reads of a line of L bytes copied about
// n * L / 2 bytes (for an 8 KiB line sent byte by byte, 33 million; with a raised
// maxLineLength, quadratically more). The work is counted here, not timed: the parser copies
// text only through Buffer.from (its flat copy of an unfinished line, and the UTF-8 decoding
// of a line with 8-bit bytes), so the characters handed to Buffer.from are what it copied.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { ReplyParser } from "../../src/protocol/reply.js";

type From = (...args: unknown[]) => Buffer;

/** Runs `body` and returns how many characters of strings it passed to Buffer.from. */
function charsCopied(body: () => void): number {
  const buffer = Buffer as unknown as { from: From };
  const original = buffer.from;
  let chars = 0;
  buffer.from = function (this: unknown, ...args: unknown[]): Buffer {
    if (typeof args[0] === "string") chars += args[0].length;
    return original.apply(this, args);
  };
  try {
    body();
  } finally {
    buffer.from = original;
  }
  return chars;
}

/** `wire` pushed `size` bytes at a time; the replies it gave. */
function dripped(parser: ReplyParser, wire: Buffer, size: number): unknown[] {
  const replies: unknown[] = [];
  for (let i = 0; i < wire.length; i += size) replies.push(...parser.push(wire.subarray(i, i + size)));
  return replies;
}

test("a line dripped byte by byte is copied about once, not once per byte (regression: quadratic)", () => {
  const text = "x".repeat(8000);
  const wire = Buffer.from(`250-${text}\r\n250 ${text}\r\n`, "latin1");
  let replies: unknown[] = [];
  const copied = charsCopied(() => {
    replies = dripped(new ReplyParser(), wire, 1);
  });
  assert.deepEqual(replies, [{ code: 250, message: `${text}\n${text}`, lines: [text, text] }]);
  assert.ok(copied <= 2 * wire.length, `copied ${copied} chars for ${wire.length} bytes`);
});

test("the same with a raised line cap and 100-byte reads, and with 8-bit text", () => {
  const text = "\u00e9".repeat(100_000); // é: its UTF-8 bytes are two Latin-1 chars each
  const wire = Buffer.from(`250 ${text}\r\n`, "utf8");
  let replies: unknown[] = [];
  const copied = charsCopied(() => {
    replies = dripped(new ReplyParser({ maxLineLength: 1 << 20, maxReplyBytes: 1 << 20 }), wire, 100);
  });
  assert.deepEqual(replies, [{ code: 250, message: text, lines: [text] }]);
  assert.ok(copied <= 2 * wire.length, `copied ${copied} chars for ${wire.length} bytes`);
});

test("a dripped line over the cap fails at the same byte as when whole, and nothing of it is kept", () => {
  const parser = new ReplyParser({ maxLineLength: 100 });
  const wire = Buffer.from(`250 ${"y".repeat(200)}`, "latin1");
  let failedAt = -1;
  for (let i = 0; i < wire.length && failedAt === -1; i++) {
    try {
      parser.push(wire.subarray(i, i + 1));
    } catch (err) {
      assert.equal((err as { smtpCode?: number }).smtpCode, 500);
      failedAt = i;
    }
  }
  // the 100th byte without an LF: any line end makes 101
  assert.equal(failedAt, 99);
  assert.equal(parser.inProgress, false);
  assert.throws(() => parser.push(Buffer.from("250 ok\r\n")), /Line too long/);
});

/** The replies and the error (code and message) of `chunks` fed in order. */
function outcome(chunks: Uint8Array[], limits: ConstructorParameters<typeof ReplyParser>[0]): unknown[] {
  const parser = new ReplyParser(limits);
  const out: unknown[] = [];
  try {
    for (const chunk of chunks) out.push(...parser.push(chunk));
  } catch (err) {
    out.push(["error", (err as { smtpCode?: number }).smtpCode, (err as Error).message]);
    return out;
  }
  const failure = parser.failure;
  out.push(failure === null ? ["inProgress", parser.inProgress] : ["error", failure.smtpCode, failure.message]);
  return out;
}

test("property: cut into many pieces (empty ones too), any bytes parse as when whole, caps and errors included", () => {
  const piece = fc.oneof(
    fc.constantFrom("250-", "250 ", "220 ", "550 5.7.8 ", "\r\n", "\n", "\r", "ok", "x".repeat(15), "\u00e9", "\u0000", "25", " "),
    fc.string({ maxLength: 6 }),
  );
  const limits = fc.constantFrom({}, { maxLineLength: 16, maxReplyBytes: 40, maxReplyLines: 3 }, { maxLineLength: 8 }, { maxReplyBytes: 12 });
  fc.assert(fc.property(fc.array(piece, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 12 }), limits, (parts, cutAt, caps) => {
    const wire = Buffer.from(parts.join(""), "utf8");
    const cuts = [...new Set(cutAt.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
    const chunks: Uint8Array[] = [];
    let from = 0;
    for (const cut of [...cuts, wire.length]) {
      chunks.push(wire.subarray(from, cut));
      if (cut === from) chunks.push(new Uint8Array(0));
      from = cut;
    }
    assert.deepEqual(outcome(chunks, caps), outcome([wire], caps));
  }), { numRuns: 500 });
});
