/**
 * One stream body given to two calls. A `Readable` or an async generator can give its bytes
 * once: a call queued behind the one that read it must not send what is left (nothing, an
 * empty message), and two calls reading it at once on two connections must not each send
 * every other chunk. The call that finds it read is a TypeError; one that never began
 * reading it (refused before its data) leaves it to the caller.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { EHLO_SIZE_8BITMIME as EHLO, LOCK_STEP_TO_DATA, withScript } from "../helpers/client.js";
import { messageSink } from "../helpers/message-sink.js";

const ONE_MESSAGE = `${EHLO}${LOCK_STEP_TO_DATA}C: Subject: x
C:
C: hello
C: .
S: 250 queued
C: NOOP
S: 250 still here
`;

const READ_TWICE = /message is a stream (already read to its end|that another call has read or is reading)/;

test("the same Readable given to two queued calls: the second is a TypeError at its turn, nothing of it sent (no empty message)", async () => {
  await withScript(ONE_MESSAGE, async (client) => {
    const body = Readable.from([Buffer.from("Subject: x\r\n\r\nhello\r\n")]);
    const [first, second] = await Promise.allSettled([client.sendmail("a@x.test", "b@y.test", body), client.sendmail("a@x.test", "b@y.test", body)]);
    assert.equal(first.status, "fulfilled");
    assert.equal(second.status, "rejected");
    assert.ok(second.reason instanceof TypeError && READ_TWICE.test(second.reason.message), String(second.reason));
    assert.equal((await client.noop()).message, "still here");
  });
});

test("the same async generator given to two queued calls: the second is a TypeError at its turn, nothing of it sent (no empty message)", async () => {
  await withScript(ONE_MESSAGE, async (client) => {
    async function* gen(): AsyncGenerator<string> {
      yield "Subject: x\r\n\r\n";
      yield "hello\r\n";
    }
    const body = gen();
    const [first, second] = await Promise.allSettled([client.deliver("a@x.test", "b@y.test", body), client.deliver("a@x.test", "b@y.test", body)]);
    assert.equal(first.status, "fulfilled");
    assert.equal(second.status, "rejected");
    assert.ok(second.reason instanceof TypeError && READ_TWICE.test(second.reason.message), String(second.reason));
    assert.equal((await client.noop()).message, "still here");
  });
});

test("an async generator read by a finished call, given to a new one: TypeError before anything is sent", async () => {
  await withScript(ONE_MESSAGE, async (client) => {
    async function* gen(): AsyncGenerator<string> {
      yield "Subject: x\r\n\r\nhello\r\n";
    }
    const body = gen();
    await client.sendmail("a@x.test", "b@y.test", body);
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", body), READ_TWICE);
    assert.equal((await client.noop()).message, "still here");
  });
});

test("an iterable that makes a new iterator each time may be given to two calls: each sends the whole message", async () => {
  const sink = await messageSink([]);
  const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 5000 });
  try {
    const body = {
      async *[Symbol.asyncIterator](): AsyncGenerator<string> {
        yield "Subject: x\r\n\r\n";
        yield "hello\r\n";
      },
    };
    await Promise.all([client.sendmail("a@x.test", "b@y.test", body), client.sendmail("a@x.test", "b@y.test", body)]);
    assert.deepEqual(sink.messages.map((m) => m.raw.toString("latin1")), ["Subject: x\r\n\r\nhello\r\n", "Subject: x\r\n\r\nhello\r\n"]);
  } finally {
    client.close();
    await sink.close();
  }
});

test("the same async generator read at once by calls on two connections: one sends it whole, the other is a TypeError (no message of every other chunk)", async () => {
  const sink = await messageSink([]);
  const connect = (): Promise<SMTP> => SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 5000 });
  const clients = await Promise.all([connect(), connect()]);
  try {
    async function* gen(): AsyncGenerator<string> {
      for (let i = 0; i < 8; i++) {
        await new Promise((r) => setTimeout(r, 5));
        yield `line ${i}\r\n`;
      }
    }
    const body = gen();
    const results = await Promise.allSettled(clients.map((c) => c.sendmail("a@x.test", "b@y.test", body)));
    assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    const failed = results.find((r) => r.status === "rejected")!;
    assert.ok(failed.reason instanceof TypeError && READ_TWICE.test(failed.reason.message), String(failed.reason));
    const whole = Array.from({ length: 8 }, (_, i) => `line ${i}\r\n`).join("");
    assert.deepEqual(sink.messages.map((m) => m.raw.toString("latin1")), [whole]);
  } finally {
    for (const c of clients) c.close();
    await sink.close();
  }
});
