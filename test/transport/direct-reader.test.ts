/**
 * How a plain socket is read (net's `onread`, one buffer reused for every read): bytes
 * before a receiver is set are kept as copies, a reply split over several reads still
 * parses whole, and after pause() bytes are only counted (Connection.upgrade refuses them).
 */

import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { ReplyParser, type SMTPReply } from "../../src/protocol/reply.js";
import { Connection } from "../../src/transport/connection.js";
import { DirectReader } from "../../src/transport/direct-reader.js";

describe("DirectReader", () => {
  it("keeps a copy of bytes read before a receiver is set, then hands them over in order", () => {
    const reader = new DirectReader();
    reader.buffer.write("220 hello\r\n", "latin1");
    assert.equal(reader.onread(11, reader.buffer), true);
    reader.buffer.write("XXXXXXXXXXX", "latin1"); // the next read reuses the buffer
    reader.buffer.write("250 next\r\n", "latin1");
    assert.equal(reader.onread(10, reader.buffer), true);
    const got: string[] = [];
    reader.receive((chunk) => got.push(chunk.toString("latin1")));
    assert.deepEqual(got, ["220 hello\r\n", "250 next\r\n"]);
  });

  it("hands a receiver a view of exactly the bytes read", () => {
    const reader = new DirectReader();
    const got: Buffer[] = [];
    reader.receive((chunk) => got.push(chunk));
    reader.buffer.write("250 ok\r\nleftover", "latin1");
    reader.onread(8, reader.buffer);
    assert.equal(got.length, 1);
    assert.equal(got[0]!.toString("latin1"), "250 ok\r\n");
    assert.equal(got[0]!.buffer, reader.buffer.buffer, "a view, not a copy");
  });

  it("after pause() delivers nothing, counts the bytes and asks to stop reading", () => {
    const reader = new DirectReader();
    const got: Buffer[] = [];
    reader.receive((chunk) => got.push(chunk));
    reader.pause();
    assert.equal(reader.onread(12, reader.buffer), false);
    assert.equal(got.length, 0);
    assert.equal(reader.bytesAfterPause, 12);
  });
});

describe("Connection reading a plain socket", () => {
  it("parses replies split over several reads of the reused buffer", async () => {
    const pieces = ["220-first line\r\n220-sec", "ond line\r\n220 third\r\n25", "0 done\r\n"];
    const server = net.createServer(async (s) => {
      s.on("error", () => undefined);
      for (const piece of pieces) {
        s.write(piece);
        await new Promise((r) => setTimeout(r, 30));
      }
      s.end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const parser = new ReplyParser();
      const replies: SMTPReply[] = [];
      let reads = 0;
      await new Promise<void>((resolve, reject) => {
        Connection.open({ host: "127.0.0.1", port, timeout: 5000, owner: {} }, {
          data: (chunk) => { reads++; replies.push(...parser.push(chunk)); },
          close: () => resolve(),
        }).catch(reject);
      });
      assert.ok(reads >= 3, `the pieces came in separate reads (${reads})`);
      assert.deepEqual(replies.map((r) => [r.code, r.lines]), [
        [220, ["first line", "second line", "third"]],
        [250, ["done"]],
      ]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
