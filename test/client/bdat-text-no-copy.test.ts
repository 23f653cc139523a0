/**
 * A text body (a string, a `sendMessage` message) whose last line has no CRLF goes over BDAT
 * with that CRLF as a piece of its own: the message is not copied whole just to append two
 * bytes. What the server reads is the same: the message, then CRLF, in one counted LAST.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { messageSink } from "../helpers/message-sink.js";

/**
 * Runs `fn`, returning the length of the largest buffer `Buffer.concat` made meanwhile for
 * the library (called from its code: not the sink's, in this process too).
 */
async function largestConcat(fn: () => Promise<unknown>): Promise<number> {
  const concat = Buffer.concat;
  let largest = 0;
  Buffer.concat = ((list: readonly Uint8Array[], total?: number): Buffer => {
    const out = concat(list, total);
    if (new Error().stack?.includes("/build/src/") === true) largest = Math.max(largest, out.length);
    return out;
  }) as typeof Buffer.concat;
  try {
    await fn();
  } finally {
    Buffer.concat = concat;
  }
  return largest;
}

for (const extensions of [["CHUNKING"], ["CHUNKING", "PIPELINING"]]) {
  const how = extensions.length > 1 ? "pipelined" : "lock-step";
  test(`BDAT (${how}): a large string or message without a final CRLF is not copied to end it, and arrives ended`, async () => {
    const sink = await messageSink(extensions);
    const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 10_000 });
    try {
      const text = `Subject: big\r\n\r\n${"x".repeat(78).concat("\r\n").repeat(4000)}last`;
      const message = `From: a@x.test\r\nTo: b@y.test\r\n${text}`;
      const largest = await largestConcat(async () => {
        await client.sendmail("a@x.test", "b@y.test", text);
        await client.sendMessage(message);
      });
      assert.ok(largest < text.length, `no copy of the message (largest Buffer.concat: ${largest} bytes)`);
      assert.deepEqual(sink.messages.map((m) => [m.kind, m.raw.toString("latin1")]), [["bdat", `${text}\r\n`], ["bdat", `${message}\r\n`]]);
    } finally {
      client.close();
      await sink.close();
    }
  });
}
