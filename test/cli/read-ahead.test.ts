// ReadAhead (src/cli/read-ahead.ts): a pipe's first bytes read before MAIL, bounded, then
// sent with the rest as if nothing had been read.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { ReadAhead } from "../../src/cli/read-ahead.js";

async function* pieces(n: number, size: number, fail?: Error): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < n; i++) yield Buffer.alloc(size, 0x61 + i);
  if (fail !== undefined) throw fail;
}

async function all(source: AsyncIterable<Uint8Array>): Promise<string> {
  const out: Uint8Array[] = [];
  for await (const chunk of source) out.push(chunk);
  return Buffer.concat(out).toString("latin1");
}

test("fill stops once `limit` bytes came (the chunk that passes it included), and iterating gives every byte once, in order", async () => {
  let pulled = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of pieces(10, 4)) {
      pulled++;
      yield chunk;
    }
  }
  const ahead = new ReadAhead(counted());
  const scan = await ahead.fill(10, new AbortController().signal);
  assert.deepEqual([scan.ended, scan.chunks.length, pulled], [false, 3, 3]);
  assert.equal(await all(ahead), "aaaabbbbccccddddeeeeffffgggghhhhiiiijjjj");
});

test("a stream that ends within the limit: ended, and nothing read twice", async () => {
  const ahead = new ReadAhead(pieces(2, 3));
  const scan = await ahead.fill(100, new AbortController().signal);
  assert.deepEqual([scan.ended, Buffer.concat(scan.chunks).toString()], [true, "aaabbb"]);
  assert.equal(await all(ahead), "aaabbb");
});

test("stopped while a read is pending: that read gives the next chunk, none lost", async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  async function* slow(): AsyncGenerator<Uint8Array> {
    yield Buffer.from("first ");
    await gate;
    yield Buffer.from("second");
  }
  const ahead = new ReadAhead(slow());
  const stop = new AbortController();
  const filling = ahead.fill(100, stop.signal);
  setImmediate(() => stop.abort());
  const scan = await filling;
  assert.deepEqual([scan.ended, Buffer.concat(scan.chunks).toString()], [false, "first "]);
  release();
  assert.equal(await all(ahead), "first second");
});

test("a read error while reading ahead comes after the chunks read before it, as it would have", async () => {
  const ahead = new ReadAhead(pieces(2, 2, new Error("EIO")));
  const scan = await ahead.fill(100, new AbortController().signal);
  assert.equal(scan.ended, false);
  const seen: string[] = [];
  await assert.rejects(async () => {
    for await (const chunk of ahead) seen.push(Buffer.from(chunk).toString());
  }, /EIO/);
  assert.deepEqual(seen, ["aa", "bb"]);
});
