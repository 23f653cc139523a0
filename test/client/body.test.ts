/**
 * Stream bodies of string chunks: each chunk is UTF-16 text, and a caller cutting its text
 * at arbitrary indexes may cut a surrogate pair (an emoji, say) in two. The bytes sent must
 * be the UTF-8 of the whole text, on the wire (DATA and BDAT) as from `streamChunks`.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { streamChunks } from "../../src/client/body.js";
import { greeting, LOCK_STEP_TO_DATA, withScript } from "../helpers/client.js";
import { scriptEscape } from "../helpers/flow-trace.js";

/** `text` cut at `cuts` (UTF-16 indexes, taken modulo its length + 1, in order). */
function cutText(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let prev = 0;
  for (const i of at) {
    parts.push(text.slice(prev, i));
    prev = i;
  }
  parts.push(text.slice(prev));
  return parts;
}

async function* yieldAll<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const chunk of chunks) out.push(chunk);
  return Buffer.concat(out);
}

test("streamChunks: string chunks cut anywhere (inside a surrogate pair too) give the UTF-8 of the whole text; one with a lone surrogate is a TypeError (property)", async () => {
  // Any code point (pairs, to cut), and now and then a lone surrogate.
  const unit = fc.oneof({ arbitrary: fc.string({ unit: "binary" }), weight: 9 }, { arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), weight: 1 });
  const text = fc.array(unit, { maxLength: 8 }).map((parts) => parts.join("").slice(0, 40));
  await fc.assert(fc.asyncProperty(text, fc.array(fc.nat(), { maxLength: 6 }), async (whole, cuts) => {
    const sent = collect(streamChunks(yieldAll(cutText(whole, cuts))));
    if (/\p{Surrogate}/u.test(whole)) await assert.rejects(sent, TypeError);
    else assert.deepEqual(await sent, Buffer.from(whole, "utf8"));
  }), { numRuns: 2000 });
});

test("streamChunks: a high surrogate that ends a string chunk followed by bytes, or the stream, is lone: a TypeError, as in a whole string", async () => {
  await assert.rejects(collect(streamChunks(yieldAll<string | Uint8Array>(["a\ud83d", Buffer.from("b")]))), /lone surrogate/);
  await assert.rejects(collect(streamChunks(yieldAll<string | Uint8Array>(["a", Buffer.from("b"), "\ud83d"]))), /lone surrogate/);
});

const EMOJI = "Subject: \u{1f600}\r\n\r\nsmile \u{1f600}\u{1f600}\r\n";
/** {@link EMOJI} cut inside each of its three surrogate pairs. */
function emojiChunks(): string[] {
  const parts: string[] = [];
  let prev = 0;
  for (let i = EMOJI.indexOf("\ud83d"); i !== -1; i = EMOJI.indexOf("\ud83d", i + 1)) {
    parts.push(EMOJI.slice(prev, i + 1));
    prev = i + 1;
  }
  parts.push(EMOJI.slice(prev));
  assert.equal(parts.length, 4);
  return parts;
}

test("a string stream cut inside surrogate pairs: DATA and BDAT carry the UTF-8 of the whole text", async () => {
  // Scripts are UTF-8: the text itself is what the wire must carry, byte for byte.
  const wire = EMOJI;
  const script = `${greeting(["8BITMIME"])}
${LOCK_STEP_TO_DATA}C! ${scriptEscape(`${wire}.\r\n`)}
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", yieldAll(emojiChunks()));
  });
  const bdat = `${greeting(["CHUNKING", "8BITMIME"])}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C! BDAT ${Buffer.byteLength(EMOJI)} LAST\\r\\n${scriptEscape(wire)}
S: 250 queued
`;
  await withScript(bdat, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", yieldAll(emojiChunks()));
  });
});
