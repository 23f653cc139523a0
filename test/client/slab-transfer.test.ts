/**
 * A stuffed message from 4 KiB to 128 KiB is a view of a shared slab (src/protocol/slab.ts),
 * shown as it is to `smtplib.send` subscribers. A subscriber may hand the bytes it was shown
 * to a worker by transferring their `.buffer` (`postMessage(data, [data.buffer])`), as it
 * may any buffer it was given. Node.js's own pool is untransferable for that reason (the
 * transfer copies it instead); so must the slab be: transferred, it was detached, so the
 * message being written went as no bytes at all, and every later message of those sizes in
 * the process failed ("Cannot perform Construct on a detached ArrayBuffer"). So must the
 * buffers reused for a streamed message's stuffed pieces (src/client/write-buffers.ts): the
 * piece went as no bytes, and the server stored the message without it.
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { allocFromSlab } from "../../src/protocol/slab.js";
import { messageSink } from "../helpers/message-sink.js";

/** A message of about 8 KiB whose lines begin with a dot: stuffing changes it, so it goes as a slab view. */
function dotted(tag: string): string {
  return Array.from({ length: 120 }, (_, i) => `.${tag} line ${i} ${"x".repeat(50)}\r\n`).join("");
}

test("allocFromSlab: a view's .buffer transferred is copied, never detached: the view and later views stay whole", () => {
  const view = allocFromSlab(8192);
  view.fill(7);
  const memory = view.buffer as ArrayBuffer;
  structuredClone(memory, { transfer: [memory] });
  assert.equal(view.length, 8192);
  assert.ok(view.every((b) => b === 7));
  assert.equal(allocFromSlab(8192).length, 8192);
});

test("an smtplib.send subscriber that transfers the bytes it is shown: the message goes whole, and so does the next", async () => {
  const sink = await messageSink([]);
  const onSend = (message: unknown): void => {
    const { data } = message as { data: Buffer };
    const memory = data.buffer as ArrayBuffer;
    if (memory.byteLength === 1024 * 1024) structuredClone(memory, { transfer: [memory] });
  };
  diagnostics.subscribe("smtplib.send", onSend);
  const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 5000 });
  try {
    for (const tag of ["one", "two"]) await client.sendmail("a@x.test", ["b@y.test"], dotted(tag));
    assert.deepEqual(sink.messages.map((m) => m.raw.toString("latin1")), ["one", "two"].map((tag) => `.${dotted(tag).replaceAll("\r\n.", "\r\n..")}`));
  } finally {
    diagnostics.unsubscribe("smtplib.send", onSend);
    client.close();
    await sink.close();
  }
});

test("a streamed message: an smtplib.send subscriber that transfers the bytes it is shown (a reused write buffer) leaves the message whole", async () => {
  const sink = await messageSink([]);
  const onSend = (message: unknown): void => {
    const { data } = message as { data: Buffer };
    const memory = data.buffer as ArrayBuffer;
    if (memory.byteLength >= 64 * 1024) structuredClone(memory, { transfer: [memory] });
  };
  diagnostics.subscribe("smtplib.send", onSend);
  const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 5000 });
  try {
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from(dotted("one"));
      yield Buffer.from(dotted("two"));
    }
    await client.sendmail("a@x.test", ["b@y.test"], body());
    assert.equal(sink.messages[0]?.raw.toString("latin1"), `.${(dotted("one") + dotted("two")).replaceAll("\r\n.", "\r\n..")}`);
  } finally {
    diagnostics.unsubscribe("smtplib.send", onSend);
    client.close();
    await sink.close();
  }
});
