/**
 * A Node `Readable` given an encoding (`setEncoding`, or `createReadStream(path, "latin1")`)
 * yields its bytes as strings decoded with it: the message is those bytes, so the strings
 * are encoded back with that encoding. Encoded as UTF-8 instead, every 8-bit byte of a
 * Latin-1 message went as two bytes, and a "hex" stream sent its hex text.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { messageSink } from "../helpers/message-sink.js";

/** A Latin-1 message: "é" is the one byte 0xE9. */
const LATIN1 = Buffer.from("Subject: caf\xe9\r\n\r\nd\xe9j\xe0 vu\r\n", "latin1");

/** `bytes` read by a Readable that decodes them with `encoding`, in two chunks. */
function decoding(bytes: Buffer, encoding: BufferEncoding): Readable {
  const stream = Readable.from([bytes.subarray(0, 7), bytes.subarray(7)], { objectMode: false });
  stream.setEncoding(encoding);
  return stream;
}

for (const extensions of [[], ["CHUNKING"]]) {
  const how = extensions.length ? "BDAT" : "DATA";
  for (const encoding of ["latin1", "hex", "base64", "utf16le"] as const) {
    test(`${how}: a Readable that decodes its bytes as ${encoding} sends those bytes, not the strings' UTF-8`, async () => {
      const sink = await messageSink(extensions);
      const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 5000 });
      try {
        await client.sendmail("a@x.test", "b@y.test", decoding(LATIN1, encoding));
        assert.deepEqual(sink.messages.map((m) => m.raw.toString("latin1")), [LATIN1.toString("latin1")]);
      } finally {
        client.close();
        await sink.close();
      }
    });
  }
}

test("a Readable that decodes as UTF-8 still sends its text as UTF-8", async () => {
  // Text beyond ASCII, so 8-bit data: a server that takes it.
  const sink = await messageSink(["8BITMIME"]);
  const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 5000 });
  try {
    const text = Buffer.from("Subject: café\r\n\r\n😀\r\n", "utf8");
    await client.sendmail("a@x.test", "b@y.test", decoding(text, "utf8"));
    assert.deepEqual(sink.messages.map((m) => m.raw), [text]);
  } finally {
    client.close();
    await sink.close();
  }
});

test("BDAT: a Readable that decodes as latin1 sends its bytes as they are: no final CRLF added, lone CR and LF kept (they are bytes, not text)", async () => {
  const sink = await messageSink(["CHUNKING"]);
  const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test", timeout: 5000 });
  try {
    const bytes = Buffer.from("Subject: x\n\nd\xe9j\xe0\rvu", "latin1");
    await client.sendmail("a@x.test", "b@y.test", decoding(bytes, "latin1"));
    assert.deepEqual(sink.messages.map((m) => m.raw.toString("latin1")), [bytes.toString("latin1")]);
  } finally {
    client.close();
    await sink.close();
  }
});
