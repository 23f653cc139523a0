/**
 * The pool over CHUNKING + PIPELINING: many calls at once, in-memory messages written
 * whole and streamed ones in several chunks, mixed on shared connections; each message
 * arrives once, byte for byte, as BDAT chunks.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTPPool } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { messageSink } from "../helpers/message-sink.js";

const KIB = 1024;

/** Message `i`: its number, then filler, so that each is told apart and some need several chunks. */
function message(i: number): Buffer {
  const size = i % 5 === 0 ? 700 * KIB : 100 + i;
  const bytes = Buffer.alloc(size, 0x30 + (i % 10));
  bytes.write(`#${i}#`, 0, "latin1");
  return bytes;
}

test("pool, pipelined BDAT: 40 calls at once on 2 connections (every other one a stream, some of three chunks) -> each message arrives once, whole", { timeout: 30_000 }, async () => {
  const sink = await messageSink(["PIPELINING", "CHUNKING"]);
  const pool = new SMTPPool({ host: "127.0.0.1", port: sink.port, localHostname: LOCAL, maxConnections: 2, maxInFlight: 8, timeout: 10_000 });
  try {
    const sends = Array.from({ length: 40 }, (_, i) => {
      const bytes = message(i);
      const pieces: Buffer[] = [];
      for (let at = 0; at < bytes.length; at += 64 * KIB) pieces.push(bytes.subarray(at, at + 64 * KIB));
      const body = i % 2 === 0 ? bytes : Readable.from(pieces);
      return pool.sendmail("a@x.test", [`r${i}@y.test`], body);
    });
    const results = await Promise.all(sends);
    assert.ok(results.every((refused) => refused.size === 0));
  } finally {
    await pool.close();
    await sink.close();
  }
  assert.equal(sink.messages.length, 40);
  const seen = sink.messages.map((m) => {
    assert.equal(m.kind, "bdat");
    const i = Number(/^#(\d+)#/.exec(m.raw.toString("latin1"))![1]);
    assert.ok(m.raw.equals(message(i)), `message ${i} arrived changed`);
    if (i % 2 === 1 && m.raw.length > 512 * KIB) assert.ok(m.chunks.length > 1, `streamed message ${i} in one chunk`);
    return i;
  });
  assert.deepEqual(seen.sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
});
