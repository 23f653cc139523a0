/**
 * Reused buffers for stuffed message data (src/client/write-buffers.ts): a buffer goes back
 * for reuse only once the socket no longer holds it, so bytes still queued for the socket are
 * never overwritten; and not at all while `smtplib.send` has subscribers, which may keep what
 * they were shown.
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { connect, createServer, type Socket } from "node:net";
import { test } from "node:test";
import { WriteBuffers } from "../../src/client/write-buffers.js";
import { SMTP } from "../../src/index.js";
import { DotStuffer } from "../../src/protocol/dot-stuff.js";
import { SIZE } from "../helpers/paused-script.js";

test("WriteBuffers: a piece of exactly the length asked; its buffer is reused once written, not before, and never after a failed write", () => {
  const buffers = new WriteBuffers(512 * 1024);
  const first = buffers.take(1000);
  assert.equal(first.length, 1000);
  const second = buffers.take(1000);
  assert.notEqual(second.buffer, first.buffer, "a buffer lent out is not lent again");
  buffers.afterWrite(first)!();
  const third = buffers.take(900);
  assert.equal(third.buffer, first.buffer, "written: reused");
  assert.equal(third.length, 900);
  buffers.afterWrite(second)!(new Error("EPIPE"));
  assert.notEqual(buffers.take(10).buffer, second.buffer, "a failed write's buffer is not reused");
  assert.equal(buffers.afterWrite(Buffer.alloc(10)), undefined, "not one of ours: nothing to give back");
  const large = buffers.take(2 * 1024 * 1024);
  assert.equal(large.length, 2 * 1024 * 1024);
  assert.equal(buffers.afterWrite(large), undefined, "past the largest reused size: a buffer of its own");
});

test("WriteBuffers: a piece of exactly the largest size is lent for reuse, a written buffer is reused for a piece of its full length, and a small piece's buffer holds 64 KiB", () => {
  const buffers = new WriteBuffers(100 * 1024);
  const largest = buffers.take(100 * 1024);
  const done = buffers.afterWrite(largest);
  assert.notEqual(done, undefined, "the largest piece is one of ours");
  done!();
  assert.equal(buffers.take(100 * 1024).buffer, largest.buffer, "reused for a piece as long as it");
  const small = buffers.take(10);
  buffers.afterWrite(small)!();
  assert.equal(buffers.take(64 * 1024).buffer, small.buffer, "a small piece's buffer is 64 KiB, reused for a piece that long");
});

test("WriteBuffers: a piece is given back once, and each of two written buffers is reused", () => {
  const buffers = new WriteBuffers(512 * 1024);
  const [a, b] = [buffers.take(100), buffers.take(100)];
  buffers.afterWrite(a)!();
  assert.equal(buffers.afterWrite(a), undefined, "given back already: never twice in the free list (it would be lent twice)");
  buffers.afterWrite(b)!();
  assert.equal(buffers.take(100).buffer, a.buffer, "the first written");
  assert.equal(buffers.take(100).buffer, b.buffer, "and the second (the same memory, not equal bytes)");
});

test("WriteBuffers: while smtplib.send has a subscriber, a written buffer is not reused (the subscriber may keep it)", () => {
  const buffers = new WriteBuffers(512 * 1024);
  const onSend = (): void => undefined;
  diagnostics.subscribe("smtplib.send", onSend);
  try {
    const piece = buffers.take(100);
    assert.equal(buffers.afterWrite(piece), undefined);
    assert.notEqual(buffers.take(100).buffer, piece.buffer);
  } finally {
    diagnostics.unsubscribe("smtplib.send", onSend);
  }
});

/**
 * Chunk `i` of a test body: `lines` lines of 1 KiB, every other one starting with "." (so
 * stuffing copies every chunk), each chunk's text its own.
 */
function chunkOf(i: number, count: number): Buffer {
  const lines: string[] = [];
  for (let n = 0; n < count; n++) lines.push(`${n % 2 === 0 ? "." : ""}chunk ${i} line ${n} `.padEnd(1022, String.fromCharCode(97 + ((i + n) % 26))));
  return Buffer.from(`${lines.join("\r\n")}\r\n`, "latin1");
}

/**
 * Streams a body of `lines`-KiB chunks to a server that stops reading at DATA until a write
 * has waited in the client's socket, and checks that it arrives byte for byte.
 */
async function streamWhileServerPaused(lines: number): Promise<void> {
  const chunk = (i: number): Buffer => chunkOf(i, lines);
  // More than the system's socket buffers hold (SIZE: both directions' maxima and more), so
  // that writes wait in the client's socket, where a buffer reused too early would be
  // overwritten before it was sent.
  const count = Math.ceil(SIZE / chunk(0).length);
  let serverSocket: Socket | undefined;
  let resumed = false;
  const received: Buffer[] = [];
  let done!: () => void;
  const allData = new Promise<void>((resolve) => { done = resolve; });
  const server = createServer((sock) => {
    serverSocket = sock;
    let inData = false;
    let text = "";
    sock.write("220 sink\r\n");
    sock.on("data", (data: Buffer) => {
      if (inData) {
        received.push(data);
        if (Buffer.concat(received.slice(-2)).includes("\r\n.\r\n")) {
          inData = false;
          sock.write("250 queued\r\n");
          done();
        }
        return;
      }
      text += data.toString("latin1");
      for (let end = text.indexOf("\r\n"); end !== -1; end = text.indexOf("\r\n")) {
        const line = text.slice(0, end);
        text = text.slice(end + 2);
        if (line.startsWith("EHLO")) sock.write("250-sink\r\n250 8BITMIME\r\n");
        else if (line === "DATA") {
          inData = true;
          sock.write("354 go\r\n");
          // Not read until the client has handed over more than the buffers hold.
          sock.pause();
        } else if (line === "QUIT") sock.end("221 bye\r\n");
        else sock.write("250 ok\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  async function* body(): AsyncGenerator<Buffer> {
    for (let i = 0; i < count; i++) yield chunk(i);
  }
  // The client's own socket, to see when its writes wait in it (not yet taken by the system).
  let clientSocket: Socket | undefined;
  const socketFactory = ({ host, port: p }: { host: string; port: number }): Promise<Socket> => new Promise((resolve, reject) => {
    const sock = connect(p, host, () => resolve(sock)).once("error", reject);
    clientSocket = sock;
  });
  // The server reads again once a write has waited in the client's socket.
  const watch = setInterval(() => {
    if (clientSocket?.writableNeedDrain === true) {
      clearInterval(watch);
      resumed = true;
      serverSocket?.resume();
    }
  }, 5);
  const client = await SMTP.connect("127.0.0.1", port, { localHostname: "client.test", timeout: 60_000, pipelining: false, socketFactory });
  try {
    assert.equal((await client.sendmail("a@x.test", ["b@y.test"], body())).size, 0);
    await allData;
    assert.ok(resumed, "writes waited in the client's socket before the server read them");
    const stuffer = new DotStuffer();
    const expected = Buffer.concat([...Array.from({ length: count }, (_, i) => stuffer.push(chunk(i))), stuffer.end()]);
    const got = Buffer.concat(received);
    assert.equal(got.length, expected.length);
    assert.ok(got.equals(expected), "the data as sent, byte for byte");
    await client.quit();
  } finally {
    clearInterval(watch);
    client.close();
    serverSocket?.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

test("a streamed body of large stuffed chunks (64 KiB, each filling the socket past its mark) written while the server does not read arrives byte for byte", () => streamWhileServerPaused(64));

test("a streamed body of small stuffed chunks (3 KiB, taken while bytes still wait in the socket) written while the server does not read arrives byte for byte: no buffer reused before the socket let go of it", () => streamWhileServerPaused(3));
