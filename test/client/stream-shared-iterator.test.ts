/**
 * An iterable whose `[Symbol.asyncIterator]()` gives the same iterator each time (a wrapper
 * around one generator, a class that hands out its own cursor) can give its bytes once, as
 * the generator itself can: a second call given it, after the first read it whole, or while
 * the first reads it on another connection, must not send what is left (nothing: an empty
 * message reported delivered; or every other chunk). It fails with a TypeError and nothing
 * of it is delivered; the first call's message goes whole.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { messageSink } from "../helpers/message-sink.js";

const READ_TWICE = /message is a stream .*(another call has read or is reading|read)/;

/** An iterable that hands out one shared generator. */
function sharedIterable(lines: number): AsyncIterable<Buffer> {
  async function* gen(): AsyncGenerator<Buffer> {
    for (let i = 0; i < lines; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      yield Buffer.from(`line ${i}\r\n`);
    }
  }
  const it = gen();
  return { [Symbol.asyncIterator]: () => it };
}

const WHOLE = (lines: number): string => Array.from({ length: lines }, (_, i) => `line ${i}\r\n`).join("");

for (const [name, extensions] of [["DATA", ["PIPELINING"]], ["BDAT", ["PIPELINING", "CHUNKING"]], ["BDAT lock-step", ["CHUNKING"]]] as const) {
  test(`${name}: an iterable handing out one shared iterator, given to a second call after the first read it: TypeError, no (empty) message sent`, async () => {
    const sink = await messageSink(extensions);
    const client = new SMTP();
    try {
      await client.connect("127.0.0.1", sink.port);
      const body = sharedIterable(3);
      await client.sendmail("a@x.test", "b@y.test", body);
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", body), (err: unknown) => err instanceof TypeError && READ_TWICE.test(err.message));
      assert.deepEqual(sink.messages.map((m) => m.raw.toString()), [WHOLE(3)], "one message, whole; none empty");
    } finally {
      client.close();
      await sink.close();
    }
  });

  test(`${name}: an iterable handing out one shared iterator, read at once by calls on two connections: one sends it whole, the other is a TypeError (no message of every other chunk)`, async () => {
    const sink = await messageSink(extensions);
    const a = new SMTP();
    const b = new SMTP();
    try {
      await a.connect("127.0.0.1", sink.port);
      await b.connect("127.0.0.1", sink.port);
      const body = sharedIterable(40);
      const results = await Promise.allSettled([a.sendmail("a@x.test", "b@y.test", body), b.sendmail("a@x.test", "b@y.test", body)]);
      const rejected = results.filter((r) => r.status === "rejected");
      assert.equal(rejected.length, 1, JSON.stringify(results.map((r) => r.status)));
      const reason = (rejected[0] as PromiseRejectedResult).reason as unknown;
      assert.ok(reason instanceof TypeError && READ_TWICE.test(reason.message), String(reason));
      assert.deepEqual(sink.messages.map((m) => m.raw.toString()), [WHOLE(40)]);
    } finally {
      a.close();
      b.close();
      await sink.close();
    }
  });
}
