/**
 * Property: whatever a JavaScript caller passes to `sendmail` (any value in any argument,
 * mixed with good ones, a stream that can no longer be read, a bad or misspelt `signal`), the call either succeeds or rejects with a TypeError, a
 * RangeError or an SMTP exception, and a TypeError or RangeError comes before a single byte
 * of the call is written (counted on the `smtplib.send` channel, which sees every write).
 * Never another error, a hang, or a rejection nobody handles.
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { test } from "node:test";
import { Readable } from "node:stream";
import fc from "fast-check";
import { SMTP, SMTPException } from "../../src/index.js";
import { lineServer } from "../helpers/line-server.js";

/** A server that takes everything (PIPELINING, SIZE, 8BITMIME, SMTPUTF8), in DATA too. */
async function permissiveServer(): Promise<Awaited<ReturnType<typeof lineServer>>> {
  const inData = new WeakSet<object>();
  return lineServer((sock, line) => {
    if (inData.has(sock)) {
      if (line === ".") { inData.delete(sock); sock.write("250 queued\r\n"); }
      return;
    }
    const verb = line.split(/[ :]/)[0]!.toUpperCase();
    if (verb === "EHLO") sock.write("250-mx.test\r\n250-PIPELINING\r\n250-SIZE 100000\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n");
    else if (verb === "DATA") { inData.add(sock); sock.write("354 go\r\n"); }
    else if (verb === "QUIT") sock.end("221 bye\r\n");
    else sock.write("250 ok\r\n");
  });
}

/** Streams that can no longer give a message: a destroyed Readable, a locked ReadableStream. */
const deadStream = fc.constantFrom("destroyed", "locked").map((kind): unknown => {
  if (kind === "destroyed") return Readable.from([Buffer.from("hi\r\n")]).destroy();
  const stream = new ReadableStream<Uint8Array>({ start: (c) => { c.enqueue(new Uint8Array([104, 105])); c.close(); } });
  stream.getReader();
  return stream;
});

/** A good value or, one time in two, anything at all. */
const maybe = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof(good, fc.anything({ withNullPrototype: true, withBigInt: true, withDate: true, withTypedArray: true, withSparseArray: true }));

test("property: sendmail with any arguments succeeds, or rejects with TypeError/RangeError before writing anything, or with an SMTP exception", { timeout: 120_000 }, async () => {
  const server = await permissiveServer();
  let client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test", timeout: 5000 });
  await client.ehloOrHeloIfNeeded();
  let writes = 0;
  const count = (message: unknown): void => {
    if ((message as { client: unknown }).client === client) writes++;
  };
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => { unhandled.push(reason); };
  process.on("unhandledRejection", onUnhandled);
  diagnostics.subscribe("smtplib.send", count);
  try {
    await fc.assert(fc.asyncProperty(
      maybe(fc.constantFrom("a@x.test", "", "Name <a@x.test>")),
      maybe(fc.constantFrom("b@y.test", ["b@y.test", "c@y.test"])),
      fc.oneof(maybe(fc.constantFrom("Subject: hi\r\n\r\nhi\r\n", Buffer.from("hi\r\n"))), deadStream),
      maybe(fc.constant([] as string[])),
      maybe(fc.constant([] as string[])),
      fc.oneof(maybe(fc.constant({})), fc.record({ signal: fc.anything() }), fc.record({ sigal: fc.anything() })),
      async (from, to, msg, mailOptions, rcptOptions, options) => {
        if (!client.connected) {
          client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test", timeout: 5000 });
          await client.ehloOrHeloIfNeeded();
        }
        const before = writes;
        try {
          await (client.sendmail as (...args: unknown[]) => Promise<unknown>)(from, to, msg, mailOptions, rcptOptions, options);
        } catch (err) {
          const checked = err instanceof TypeError || err instanceof RangeError;
          assert.ok(checked || err instanceof SMTPException, `not a typed error: ${String(err)}`);
          if (checked) assert.equal(writes, before, `${String(err)} after ${writes - before} write(s)`);
        }
      },
    ), { numRuns: 300 });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(unhandled, []);
  } finally {
    diagnostics.unsubscribe("smtplib.send", count);
    process.off("unhandledRejection", onUnhandled);
    client.close();
    await server.close();
  }
});
