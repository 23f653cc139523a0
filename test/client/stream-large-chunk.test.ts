/**
 * A body stream whose chunks are large (a whole file read at once, `Readable.from([buffer])`):
 * each chunk goes to the socket in pieces, as an in-memory body does, so that each wait for
 * the socket to drain (one `dataBlock` limit each) is for a bounded number of bytes. A slow
 * but steady link is then not timed out while the message is still flowing.
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { createServer } from "node:net";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { onCommands } from "../helpers/lines.js";
import { messageSink } from "../helpers/message-sink.js";

/** The most message bytes the client may hand to the socket at once (two BDAT chunks of 256 KiB). */
const AT_ONCE = 512 * 1024;

/** `size` bytes of 78-character lines: nothing for DATA to stuff or fix. */
function lines(size: number): Buffer {
  const line = Buffer.from(`${"x".repeat(78)}\r\n`);
  const out = Buffer.alloc(Math.floor(size / line.length) * line.length);
  for (let at = 0; at < out.length; at += line.length) line.copy(out, at);
  return out;
}

async function* yieldAll<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** Runs `fn`, returning the largest write the client made meanwhile (`smtplib.send`). */
async function largestWrite(fn: () => Promise<unknown>): Promise<number> {
  let largest = 0;
  const onSend = (message: unknown): void => {
    largest = Math.max(largest, (message as { data: Buffer }).data.length);
  };
  diagnostics.subscribe("smtplib.send", onSend);
  try {
    await fn();
  } finally {
    diagnostics.unsubscribe("smtplib.send", onSend);
  }
  return largest;
}

test("a stream chunk larger than a write goes in pieces (DATA; BDAT chunk and LAST, pipelined and lock-step), and arrives whole", async () => {
  const big = lines(1024 * 1024);
  const small = lines(1000);
  const sink = await messageSink(["PIPELINING", "CHUNKING"]);
  const cases = [
    { name: "DATA, pipelined", options: { chunking: false }, chunks: [big] },
    { name: "DATA, lock-step", options: { chunking: false, pipelining: false }, chunks: [big] },
    { name: "BDAT, pipelined, a large chunk before LAST", options: {}, chunks: [big, small] },
    { name: "BDAT, pipelined, a large chunk with LAST", options: {}, chunks: [small, big] },
    { name: "BDAT, lock-step, a large chunk before LAST", options: { pipelining: false }, chunks: [big, small] },
    { name: "BDAT, lock-step, a large chunk with LAST", options: { pipelining: false }, chunks: [small, big] },
  ];
  try {
    for (const { name, options, chunks } of cases) {
      const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 10_000, ...options });
      try {
        const largest = await largestWrite(() => client.sendmail("a@x.test", "b@y.test", yieldAll(chunks)));
        assert.ok(largest <= AT_ONCE, `${name}: a write of ${largest} bytes`);
        const body = Buffer.concat(chunks);
        const got = sink.messages[sink.messages.length - 1]!;
        assert.ok(got.raw.equals(body), `${name}: the message arrives whole`);
      } finally {
        client.close();
      }
    }
  } finally {
    await sink.close();
  }
});

test("DATA: one 64 MiB stream chunk to a slow but steady reader is sent; each stall has its own dataBlock limit, not the whole chunk", { timeout: 60_000 }, async () => {
  // The whole chunk takes several seconds to drain here; one 128 KiB piece, one turn of the
  // reader (~100 ms): the 2 s limit leaves a wide margin on a loaded machine. (The first
  // test checks the pieces themselves, without any timing.)
  const body = lines(64 * 1024 * 1024);
  let received = 0;
  let throttle: ReturnType<typeof setInterval> | undefined;
  // Reads for one turn of the event loop every 100 ms: slower than the client can write
  // (the message takes over a second), but never a second without reading.
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 slow.test ESMTP\r\n");
    let inData = false;
    onCommands(sock, (line) => {
      if (inData) {
        received += line.length + 2;
        if (line === ".") {
          inData = false;
          sock.write("250 queued\r\n");
        }
      } else if (/^DATA/i.test(line)) {
        inData = true;
        sock.pause();
        throttle = setInterval(() => { sock.resume(); setImmediate(() => sock.pause()); }, 100);
        sock.write("354 go\r\n");
      } else if (/^EHLO/i.test(line)) sock.write("250-slow.test\r\n250 PIPELINING\r\n");
      else sock.write("250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = await SMTP.connect("127.0.0.1", (server.address() as { port: number }).port, { localHostname: "client.test", timeout: 30_000, timeouts: { dataBlock: 2000 } });
  try {
    await client.sendmail("a@x.test", "b@x.test", yieldAll([body]));
    assert.equal(received, body.length + 3); // and the "." line
  } finally {
    clearInterval(throttle);
    client.close();
    server.close();
  }
});
