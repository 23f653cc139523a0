/**
 * Properties of streamed bodies on the wire, for any body and any chunking (chunks cut
 * anywhere: empty ones, one ending in CR or CR LF, Buffers, plain Uint8Array views into a
 * larger buffer, ASCII strings; bodies past BDAT's 256 KiB chunk and the stuffer's piece):
 *
 * - DATA: what the server reads, un-stuffed, is the body with every lone CR and lone LF made
 *   CRLF, and a final CRLF when it had none; the data has no lone CR or LF, and no line
 *   that is "." before its end.
 * - BDAT: the chunks, joined, are the body's bytes exactly, each chunk as long as its
 *   command said, except for text: string chunks get CRLF line ends (a CR ending one and an
 *   LF starting the next are one line end), and a body that ends in text (its last
 *   non-empty chunk a string) without a final CRLF gets one, as DATA ends it.
 */

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { SMTP } from "../../src/index.js";
import { messageSink, type MessageSink } from "../helpers/message-sink.js";

/** A body as parts: short runs of the bytes that matter, and long runs of filler. */
const partArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.constantFrom(0x0d, 0x0a, 0x2e, 0x61, 0xe9), { maxLength: 12 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 * 1024 }).map((n) => Buffer.alloc(n, 0x78)) },
);

/** How each chunk is given to the client. */
type Shape = "buffer" | "view" | "string";

/** A body, the cuts that make its chunks (fractions of its length), and each chunk's shape. */
const caseArb = fc.record({
  parts: fc.array(partArb, { maxLength: 8 }),
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
  shapes: fc.array(fc.constantFrom<Shape>("buffer", "view", "string"), { minLength: 1, maxLength: 4 }),
});

/** `body` cut at `cuts` (empty chunks where two cuts meet), each chunk in a shape from `shapes`. */
function chunksOf(body: Buffer, cuts: readonly number[], shapes: readonly Shape[]): (Uint8Array | string)[] {
  const at = cuts.map((c) => Math.floor(c * body.length)).sort((a, b) => a - b);
  const chunks: (Uint8Array | string)[] = [];
  let prev = 0;
  for (const [i, end] of [...at, body.length].entries()) {
    const bytes = body.subarray(prev, end);
    prev = end;
    const shape = shapes[i % shapes.length]!;
    const ascii = bytes.every((b) => b < 0x80);
    if (shape === "string" && ascii) chunks.push(bytes.toString("latin1"));
    else if (shape === "view") {
      // A plain Uint8Array at an offset into a larger buffer, with bytes either side.
      const backing = new Uint8Array(bytes.length + 2).fill(0x2e);
      backing.set(bytes, 1);
      chunks.push(backing.subarray(1, 1 + bytes.length));
    } else chunks.push(Buffer.from(bytes));
  }
  return chunks;
}

async function* yieldAll<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** DATA's data (up to the CRLF before the final "."), un-stuffed; asserts it is well formed. */
function unstuff(raw: Buffer): string {
  const text = raw.toString("latin1");
  assert.doesNotMatch(text, /\r(?!\n)|(?<!\r)\n/, "no lone CR or LF in the data");
  assert.ok(text.endsWith("\r\n"), "the data ends with CRLF");
  const lines = text.slice(0, -2).split("\r\n");
  assert.ok(!lines.includes("."), "no line is '.' before the end");
  return `${lines.map((l) => (l.startsWith(".") ? l.slice(1) : l)).join("\r\n")}\r\n`;
}

/**
 * The body as BDAT must deliver it: bytes as they are, text with CRLF line ends and its last
 * line ended; an empty body (however given) as `BDAT 0 LAST`, nothing added (README: empty
 * messages).
 */
function asBdat(chunks: readonly (Uint8Array | string)[]): Buffer {
  let out = "";
  let afterCr = false;
  for (const chunk of chunks) {
    if (typeof chunk !== "string") {
      out += Buffer.from(chunk).toString("latin1");
      if (chunk.length > 0) afterCr = false;
      continue;
    }
    if (chunk === "") continue;
    const rest: string = afterCr && chunk.startsWith("\n") ? chunk.slice(1) : chunk;
    afterCr = rest.endsWith("\r");
    out += rest.replace(/\r\n|\r|\n/g, "\r\n");
  }
  const filled = chunks.filter((c) => c.length > 0);
  const text = filled.length ? typeof filled[filled.length - 1] === "string" : chunks.some((c) => typeof c === "string");
  return Buffer.from(text && out !== "" && !out.endsWith("\r\n") ? `${out}\r\n` : out, "latin1");
}

/** The body as DATA must deliver it: lone CR and LF made CRLF, and a final CRLF. */
function normalised(body: Buffer): string {
  const text = body.toString("latin1").replace(/\r\n|\r|\n/g, "\r\n");
  return text.endsWith("\r\n") ? text : `${text}\r\n`;
}

let sink: MessageSink;
before(async () => {
  sink = await messageSink(["PIPELINING", "CHUNKING", "8BITMIME"]);
});
after(async () => {
  await sink.close();
});

for (const path of ["DATA", "BDAT"] as const) {
  test(`${path}: any body, cut into chunks of any size and shape, arrives as documented (property)`, { timeout: 120_000 }, async () => {
    await fc.assert(fc.asyncProperty(caseArb, async ({ parts, cuts, shapes }) => {
      const body = Buffer.concat(parts);
      // A connection per case: a failed case cannot leave the next one out of step (a
      // shrunk counterexample then fails for its own sake).
      const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 10_000, chunking: path === "BDAT" });
      try {
        const count = sink.messages.length;
        const chunks = chunksOf(body, cuts, shapes);
        await client.sendmail("a@x.test", "b@y.test", yieldAll(chunks));
        assert.equal(sink.messages.length, count + 1);
        const got = sink.messages[count]!;
        if (path === "DATA") {
          assert.equal(got.kind, "data");
          assert.equal(unstuff(got.raw), normalised(body));
        } else {
          assert.equal(got.kind, "bdat");
          const sent = asBdat(chunks);
          assert.ok(got.raw.equals(sent), "BDAT carries the body's bytes exactly (text's lines ended)");
          assert.equal(got.chunks.reduce((a, b) => a + b, 0), sent.length);
        }
      } finally {
        client.close();
      }
    }), { numRuns: 300 });
  });
}
