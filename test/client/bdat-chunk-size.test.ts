/**
 * A stream over BDAT goes in chunks of 256 KiB: the chunk that reaches 256 KiB is sent as
 * one `BDAT n` (n counting exactly its bytes), the rest of the stream with `BDAT n LAST`.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { messageSink } from "../helpers/message-sink.js";

test("BDAT: a stream of 300 chunks of 1 KiB goes as BDAT 262144 (256 KiB), then BDAT 45056 LAST, byte for byte", async () => {
  for (const extensions of [["CHUNKING"], ["CHUNKING", "PIPELINING"]]) {
    const sink = await messageSink(extensions);
    const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 5000 });
    try {
      const pieces = Array.from({ length: 300 }, (_, i) => Buffer.alloc(1024, 0x41 + (i % 26)));
      async function* stream(): AsyncGenerator<Buffer> {
        yield* pieces;
      }
      await client.sendmail("a@x.test", "b@y.test", stream());
      assert.deepEqual(sink.messages.map((m) => m.chunks), [[262144, 45056]], extensions.join(" "));
      assert.ok(sink.messages[0]!.raw.equals(Buffer.concat(pieces)));
    } finally {
      client.close();
      await sink.close();
    }
  }
});
