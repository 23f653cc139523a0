/**
 * onProgress counts a string's UTF-8 bytes with CRLF line ends (SendMessageOptions), a
 * string stream's as a whole string's: over DATA, as over BDAT, a chunk's lone CR or LF
 * counts as the CRLF that goes, also when the CR and its LF are in two chunks. Byte chunks
 * are counted as given.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { SMTP } from "../../src/index.js";
import { messageSink } from "../helpers/message-sink.js";
import { assertProgress, progressLog, quiesce } from "../helpers/progress-log.js";

const WAYS: [string, string[]][] = [
  ["DATA, pipelined", ["PIPELINING"]],
  ["DATA, lock-step", []],
  ["BDAT, pipelined", ["PIPELINING", "CHUNKING"]],
  ["BDAT, lock-step", ["CHUNKING"]],
];

/** Text with lone LFs and CRs, a CR ending one chunk and its LF beginning the next; it ends in a line end. */
const CHUNKS = ["Subject: x\n\nline one\n", "line two\r", "\nline three\rline four\n"];
const AS_SENT = CHUNKS.join("").replace(/\r\n|\r|\n/g, "\r\n");

for (const [way, extensions] of WAYS) {
  test(`onProgress (${way}): a string stream with lone line ends is counted with CRLF line ends, as the whole string is`, async () => {
    const sink = await messageSink(extensions);
    try {
      const client = await SMTP.connect("127.0.0.1", sink.port);
      const stream = progressLog();
      async function* chunks(): AsyncGenerator<string> {
        yield* CHUNKS;
      }
      await stream.watch(client.sendmail("a@x.test", "b@y.test", chunks(), [], [], { onProgress: stream.onProgress }));
      const whole = progressLog();
      await whole.watch(client.sendmail("a@x.test", "b@y.test", CHUNKS.join(""), [], [], { onProgress: whole.onProgress }));
      await client.quit();
      await quiesce();
      assertProgress(stream, AS_SENT.length, true, way);
      assert.deepEqual(whole.told, [AS_SENT.length], way);
      assert.equal(sink.messages.length, 2);
    } finally {
      await sink.close();
    }
  });
}

test("onProgress over DATA: the bytes sent are the same with it and without it, and a string stream is counted as the whole string is (property)", async () => {
  const sink = await messageSink(["PIPELINING", "8BITMIME"]);
  const client = await SMTP.connect("127.0.0.1", sink.port);
  try {
    const piece = fc.constantFrom("a", ".", "\r", "\n", "\r\n", "x.y", "..", "é");
    const text = fc.array(piece, { maxLength: 6 }).map((p) => p.join(""));
    const chunk = fc.oneof(text, text.map((t) => Buffer.from(t)));
    await fc.assert(fc.asyncProperty(fc.array(chunk, { maxLength: 7 }), async (chunks) => {
      async function* stream(): AsyncGenerator<string | Buffer> {
        yield* chunks;
      }
      await client.sendmail("a@x.test", "b@y.test", stream());
      const plain = sink.messages.at(-1)!.raw;
      const told: number[] = [];
      await client.sendmail("a@x.test", "b@y.test", stream(), [], [], { onProgress: (n) => told.push(n) });
      assert.deepEqual(sink.messages.at(-1)!.raw, plain);
      if (chunks.every((c) => typeof c === "string")) {
        assert.equal(told.at(-1), Buffer.byteLength(chunks.join("").replace(/\r\n|\r|\n/g, "\r\n")));
      }
    }), { numRuns: 300 });
    await client.quit();
  } finally {
    client.close();
    await sink.close();
  }
});

test("onProgress over DATA: a string chunk's CR followed by a byte chunk counts the LF the CR is sent with (the total is the bytes sent)", async () => {
  const sink = await messageSink(["PIPELINING"]);
  const client = await SMTP.connect("127.0.0.1", sink.port);
  try {
    async function* stream(): AsyncGenerator<string | Buffer> {
      yield "a\r";
      yield Buffer.from("b");
    }
    const told: number[] = [];
    await client.sendmail("a@x.test", "b@y.test", stream(), [], [], { onProgress: (n) => told.push(n) });
    await client.quit();
    assert.equal(sink.messages.at(-1)!.raw.toString("latin1"), "a\r\nb\r\n");
    assert.equal(told.at(-1), "a\r\nb".length);
  } finally {
    client.close();
    await sink.close();
  }
});
