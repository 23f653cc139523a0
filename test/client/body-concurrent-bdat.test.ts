/**
 * Concurrent calls on one pipelined BDAT connection, SMTP and LMTP, mixing in-memory
 * bodies (small, and over 64 KiB: written after their command line, in pieces) with streams
 * whose chunks are small, gathered, or over 512 KiB (a chunk written after its command line,
 * in pieces): every message arrives whole and once, each BDAT chunk as long as its command
 * said, no call's bytes inside another's chunk.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP } from "../../src/index.js";
import { messageSink } from "../helpers/message-sink.js";

const KIB = 1024;

/** A body whose every byte says which message it is (and where): a chunk of another's would show. */
function bodyOf(index: number, size: number): Buffer {
  const line = `message ${index} `.padEnd(62, "x");
  return Buffer.from(`${line}\r\n`.repeat(Math.ceil(size / 64)).slice(0, size), "latin1");
}

async function* inChunks(whole: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let off = 0; off < whole.length; off += size) {
    await new Promise((resolve) => setImmediate(resolve));
    yield whole.subarray(off, off + size);
  }
}

for (const lmtp of [false, true]) {
  test(`${lmtp ? "LMTP" : "SMTP"} pipelined BDAT: concurrent in-memory and streamed bodies of every size class arrive whole, once, in true-length chunks`, { timeout: 60_000 }, async () => {
    const sink = await messageSink(["PIPELINING", "CHUNKING", "8BITMIME"], { lmtp });
    const client = lmtp ? new LMTP() : new SMTP();
    try {
      await client.connect("127.0.0.1", sink.port);
      const bodies: Buffer[] = [];
      const calls: Promise<unknown>[] = [];
      const shapes = [
        { size: 100, stream: 0 }, { size: 100 * KIB, stream: 0 }, { size: 700 * KIB, stream: 0 },
        { size: 900 * KIB, stream: 10 * KIB }, { size: 1500 * KIB, stream: 1500 * KIB }, { size: 700 * KIB, stream: 600 * KIB },
        { size: 300 * KIB, stream: 256 * KIB }, { size: 0, stream: 1 },
      ];
      for (let i = 0; i < 24; i++) {
        const { size, stream } = shapes[i % shapes.length]!;
        const whole = bodyOf(i, size);
        bodies.push(whole);
        calls.push(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], stream === 0 ? whole : inChunks(whole, stream)));
      }
      await Promise.all(calls);
      assert.equal(sink.messages.length, bodies.length);
      const got = sink.messages.map((m) => {
        assert.equal(m.kind, "bdat");
        assert.equal(m.chunks.reduce((a, b) => a + b, 0), m.raw.length, "the chunk lengths are the bytes read");
        return m.raw.toString("latin1");
      }).sort();
      assert.deepEqual(got, bodies.map((b) => b.toString("latin1")).sort());
    } finally {
      client.close();
      await sink.close();
    }
  });
}
