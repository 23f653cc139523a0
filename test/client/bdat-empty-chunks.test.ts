/**
 * A stream's empty chunks are not kept over BDAT: a chunk is gathered from the stream's
 * chunks until it holds 256 KiB, and empty ones would pile up in it (and be written, as
 * empty writes) however many the stream yields, where DATA skips them.
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { messageSink } from "../helpers/message-sink.js";

async function* withEmpties(): AsyncGenerator<Uint8Array | string> {
  for (let i = 0; i < 1000; i++) yield i % 2 === 0 ? Buffer.alloc(0) : "";
  yield "Subject: x\r\n\r\nbody\r\n";
  for (let i = 0; i < 1000; i++) yield Buffer.alloc(0);
}

for (const extensions of [["CHUNKING"], ["CHUNKING", "PIPELINING"]]) {
  test(`BDAT (${extensions.join(", ")}): a stream's empty chunks are dropped, not gathered into the chunk and written`, async () => {
    const sink = await messageSink(extensions);
    const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 10_000 });
    let writes = 0;
    let empty = 0;
    const onSend = (message: unknown): void => {
      writes++;
      if ((message as { data: Buffer }).data.length === 0) empty++;
    };
    diagnostics.subscribe("smtplib.send", onSend);
    try {
      await client.sendmail("a@x.test", "b@y.test", withEmpties());
      assert.equal(empty, 0, `no empty write (of ${writes})`);
      assert.deepEqual(sink.messages.map((m) => m.raw.toString("latin1")), ["Subject: x\r\n\r\nbody\r\n"]);
    } finally {
      diagnostics.unsubscribe("smtplib.send", onSend);
      client.close();
      await sink.close();
    }
  });
}
