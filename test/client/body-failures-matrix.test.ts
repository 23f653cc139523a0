/**
 * A body stream that fails part way (it throws, or yields something that is neither bytes
 * nor a string), over DATA and BDAT, lock-step and pipelined, SMTP and LMTP, before and after
 * a BDAT chunk went: the call fails with that error, the server stores no message (nothing
 * half-sent ends up delivered), and the client is left in a state the next call can use:
 * over DATA the connection is closed (only a "." could end the message), so the next call
 * fails "not connected" with nothing sent; over BDAT the chunks sent are cancelled with RSET
 * and the next call on the same connection delivers its message.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP, SMTPException, SMTPServerDisconnected } from "../../src/index.js";
import { bodySetups, sinksFor } from "../helpers/body-setups.js";

const SETUPS = bodySetups(["SIZE", "8BITMIME"]);

const KIB = 1024;
/** Where the stream fails: before any BDAT chunk is full, after one went, after a chunk over 512 KiB. */
const FAIL_AFTER = [0, 10, 300 * KIB, 700 * KIB];

type Failure = "throws" | "yields a number" | "yields null" | "yields an ArrayBuffer" | "yields a Uint16Array";
const FAILURES: Failure[] = ["throws", "yields a number", "yields null", "yields an ArrayBuffer", "yields a Uint16Array"];

const boom = new Error("the source failed");

async function* failing(bytes: number, how: Failure): AsyncGenerator<unknown> {
  for (let sent = 0; sent < bytes; sent += 50 * KIB) yield Buffer.alloc(Math.min(50 * KIB, bytes - sent), 0x61);
  await new Promise((resolve) => setImmediate(resolve));
  if (how === "throws") throw boom;
  yield how === "yields a number" ? 42 : how === "yields null" ? null : how === "yields an ArrayBuffer" ? new ArrayBuffer(4) : new Uint16Array(2);
  yield Buffer.from("never read\r\n");
}

const sinks = sinksFor(SETUPS);

for (const setup of SETUPS) {
  const bdat = setup.extensions.includes("CHUNKING");
  test(`${setup.name}: a stream that fails part way: its error, no message stored, the next call ${bdat ? "delivers on the same connection" : "finds the connection closed"}`, async () => {
    const sink = sinks.get(setup)!;
    for (const at of FAIL_AFTER) {
      for (const how of FAILURES) {
        const what = `${how} after ${at} bytes`;
        const client = setup.lmtp ? new LMTP() : new SMTP();
        await client.connect("127.0.0.1", sink.port);
        try {
          const stored = sink.messages.length;
          const err = await client.sendmail("a@x.test", ["b@y.test", "c@y.test"], failing(at, how) as AsyncIterable<Uint8Array>).then(() => undefined, (e: unknown) => e);
          if (how === "throws") assert.equal(err, boom, what);
          else {
            assert.ok(err instanceof TypeError, `${what}: ${String(err)}`);
            assert.match(err.message, /message stream yielded/, what);
          }
          assert.ok(!(err instanceof SMTPException && err.delivery === "unknown"), what);
          // a message the server stores would be a half-sent one passed off as delivered
          const next = await client.sendmail("a@x.test", "b@y.test", "next\r\n").then(() => "sent", (e: unknown) => e);
          if (bdat) {
            assert.equal(next, "sent", `${what}: ${String(next)}`);
            assert.equal(sink.messages.length, stored + 1, what);
            assert.ok(sink.messages[stored]!.raw.toString() === "next\r\n", `${what}: stored ${sink.messages[stored]!.raw.length} bytes`);
          } else {
            assert.ok(next instanceof SMTPServerDisconnected, `${what}: ${String(next)}`);
            assert.equal(next.delivery, "not-delivered", what);
            assert.equal(sink.messages.length, stored, what);
          }
        } finally {
          client.close();
        }
      }
    }
  });
}
