/**
 * Back-pressure on the body path: a server that reads nothing for a while gets a large
 * stream body (DATA and BDAT, lock-step and pipelined, SMTP and LMTP); the client reads no
 * more of the stream than the socket's buffers and a bounded amount of its own hold, never
 * the whole message, and once the server reads again the message arrives whole.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP } from "../../src/index.js";
import { bodySetups } from "../helpers/body-setups.js";
import { messageSink } from "../helpers/message-sink.js";

const MIB = 1024 * 1024;
const CHUNK = 64 * 1024;
/** The message: far more than any socket buffers. */
const TOTAL = 48 * MIB;
/** What the client may have read of the stream while the server reads nothing: socket buffers (a few MiB on loopback) and its own pieces. */
const BOUND = 20 * MIB;

const SETUPS = bodySetups(["8BITMIME"]);

/** Resolves once `read()` has not changed over several event-loop turns with timers between (the client waits on the socket). */
async function settled(read: () => number): Promise<number> {
  let last = -1;
  let same = 0;
  while (same < 10) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

for (const setup of SETUPS) {
  test(`${setup.name}: a server that reads nothing holds the stream's reading to a bound; the message then arrives whole`, { timeout: 60_000 }, async () => {
    let release!: () => void;
    const hold = new Promise<void>((resolve) => (release = resolve));
    const sink = await messageSink(setup.extensions, { lmtp: setup.lmtp, hold, holdAt: "message" });
    const client = setup.lmtp ? new LMTP() : new SMTP();
    try {
      await client.connect("127.0.0.1", sink.port);
      let read = 0;
      const chunk = Buffer.alloc(CHUNK, 0x61);
      chunk.write("\r\n", CHUNK - 2, "latin1");
      async function* body(): AsyncGenerator<Buffer> {
        while (read < TOTAL) {
          read += CHUNK;
          yield chunk;
        }
      }
      const sent = client.sendmail("a@x.test", "b@y.test", body());
      const held = await settled(() => read);
      assert.ok(held > 0, "the message began");
      assert.ok(held < BOUND, `read ${held} bytes of the stream while the server read nothing (bound ${BOUND})`);
      release();
      await sent;
      assert.equal(read, TOTAL);
      assert.equal(sink.messages.length, 1);
      assert.equal(sink.messages[0]!.raw.length, TOTAL);
    } finally {
      release();
      client.close();
      await sink.close();
    }
  });
}
