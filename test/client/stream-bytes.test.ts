/**
 * Streamed message bodies (`Readable`, async generators, string chunks) byte for byte:
 * dot-stuffed and line-end fixed across chunk boundaries, the same wire data as the
 * in-memory path, `deliver(..., { size })` for SIZE=, pipelined, back-pressure, and an
 * in-memory message larger than a piece.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { LOCK_STEP_TO_DATA, PIPELINED_GROUP, withScript, EHLO_PIPELINING, EHLO_SIZE_8BITMIME as EHLO } from "../helpers/client.js";
import { scriptEscape, traced } from "../helpers/flow-trace.js";

/**
 * Chunks whose boundaries fall on every awkward spot: a "." right after a chunk that ended
 * with CRLF, a CR at a chunk's end with its LF at the next start, a bare CR at a chunk's
 * end followed by a ".", a lone "." chunk, empty chunks, a bare LF, no final line end.
 */
const CHUNKS = [
  "Subject: t\r\n\r\n",
  ".after a CRLF boundary\r",
  "\n.after a split CRLF\r",
  ".after a bare CR\n",
  "",
  ".",
  "",
  "\r\n",
  "..two dots\r\n.",
  "\n",
  "mid.dle\r\n",
  "no final line end",
];
const WHOLE = CHUNKS.join("");
/** What DATA must carry for {@link WHOLE}, end marker included. */
const WIRE = [
  "Subject: t", "",
  "..after a CRLF boundary",
  "..after a split CRLF", // ended by a bare CR, made CRLF
  "..after a bare CR",
  "..",
  "...two dots",
  "..",
  "mid.dle",
  "no final line end",
  ".",
].join("\r\n") + "\r\n";

function transaction(mailParams: string, final = "250 queued", wire = WIRE): string {
  return `
C: MAIL FROM:<a@x.test>${mailParams}
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C! ${scriptEscape(wire)}
S: ${final}
`;
}

test("the in-memory path and every stream shape put the same bytes on the wire", async () => {
  const enc = new TextEncoder();
  const script = EHLO
    // SIZE is that of the message with its line ends fixed (before dot-stuffing).
    + transaction(` SIZE=${Buffer.byteLength(WHOLE.replace(/\r\n|\r|\n/g, "\r\n"))}`, "250 from memory")
    + transaction("", "250 from a Readable of Buffers")
    + transaction("", "250 from a Readable of strings")
    + transaction("", "250 from an async generator of Uint8Array")
    + transaction("", "250 byte by byte");
  await withScript(script, async (client) => {
    assert.equal((await client.deliver("a@x.test", "b@y.test", WHOLE)).reply.message, "from memory");
    assert.equal((await client.deliver("a@x.test", "b@y.test", Readable.from(CHUNKS.map((c) => Buffer.from(c))))).reply.message, "from a Readable of Buffers");
    assert.equal((await client.deliver("a@x.test", "b@y.test", Readable.from(CHUNKS, { objectMode: true }))).reply.message, "from a Readable of strings");
    async function* gen(): AsyncGenerator<Uint8Array> {
      for (const c of CHUNKS) {
        await new Promise((r) => setImmediate(r));
        yield enc.encode(c);
      }
    }
    assert.equal((await client.deliver("a@x.test", "b@y.test", gen())).reply.message, "from an async generator of Uint8Array");
    async function* bytes(): AsyncGenerator<Uint8Array> {
      const all = Buffer.from(WHOLE);
      for (let i = 0; i < all.length; i++) yield all.subarray(i, i + 1);
    }
    assert.equal((await client.deliver("a@x.test", "b@y.test", bytes())).reply.message, "byte by byte");
  });
});

test("a stream split at every index puts the same bytes on the wire as the whole message", async () => {
  const all = Buffer.from(WHOLE);
  let script = EHLO;
  for (let i = 0; i <= all.length; i++) script += transaction("", `250 split ${i}`);
  await withScript(script, async (client) => {
    for (let i = 0; i <= all.length; i++) {
      const d = await client.deliver("a@x.test", "b@y.test", Readable.from([all.subarray(0, i), all.subarray(i)]));
      assert.equal(d.reply.message, `split ${i}`);
    }
  });
});

test("a UTF-8 character split across Buffer chunks passes through unchanged", async () => {
  const text = "Subject: caf\u00e9\r\n\r\n.\u00e9t\u00e9\r\n";
  const bytes = Buffer.from(text);
  const cut = bytes.indexOf(0xc3) + 1; // between the two bytes of the first é
  const script = `${EHLO}
${LOCK_STEP_TO_DATA}C: Subject: caf\u00e9
C:
C: ..\u00e9t\u00e9
C: .
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", Readable.from([bytes.subarray(0, cut), bytes.subarray(cut)]));
  });
});

test("an empty stream is sent as CRLF . CRLF, as an empty in-memory message", async () => {
  const script = `${EHLO}
C: MAIL FROM:<a@x.test> SIZE=0
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C:
C: .
S: 250 queued
${LOCK_STEP_TO_DATA}C:
C: .
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", "");
    await client.sendmail("a@x.test", "b@y.test", Readable.from([]));
  });
});

test("deliver(..., { size }) sends SIZE= for a stream; sendmail with a stream sends none", async () => {
  const script = `${EHLO}
C: MAIL FROM:<a@x.test> SIZE=1234
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 queued
C: MAIL FROM:<a@x.test> BODY=8BITMIME
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.deliver("a@x.test", "b@y.test", Readable.from(["hi\r\n"]), [], [], { size: 1234 });
    await client.sendmail("a@x.test", "b@y.test", Readable.from(["hi\r\n"]), ["BODY=8BITMIME"]);
  });
});

test("a pipelined stream body: the group, then the stuffed data and '.'", async () => {
  const script = `${EHLO_PIPELINING}
${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 354 go
C! ${scriptEscape(WIRE)}
S: 250 queued
`;
  const t = traced();
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", Readable.from(CHUNKS, { objectMode: true }));
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT DATA | S 250 250 354 | C . | S 250");
});

test("a large stream is written with back-pressure and arrives whole", async () => {
  const line = ".0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n";
  const count = 40_000; // ~2.7 MB
  const stuffed = `.${line}`.repeat(count);
  const script = `${EHLO}
${LOCK_STEP_TO_DATA}C! ${scriptEscape(stuffed)}.\\r\\n
S: 250 queued
`;
  await withScript(script, async (client) => {
    async function* gen(): AsyncGenerator<string> {
      for (let i = 0; i < count; i += 1000) yield line.repeat(1000);
    }
    await client.sendmail("a@x.test", "b@y.test", gen());
  });
});

/**
 * An in-memory message larger than the 128 KiB piece it is stuffed and written in, with
 * awkward bytes right at the piece boundaries: a line starting with "." as a piece
 * begins, a CRLF split across two pieces followed by ".", and a bare CR ending a piece.
 */
function bigMessage(): { text: Buffer; wire: string } {
  const PIECE = 128 * 1024;
  const b = Buffer.alloc(3 * PIECE + 500, "x");
  for (let i = 80; i < b.length; i += 81) b.write("\r\n", i - 1, "latin1");
  b.write("\r\n.one", PIECE - 2, "latin1"); // "." first in the second piece
  b.write("\r\n.two", 2 * PIECE - 1, "latin1"); // CR | LF "." across the boundary
  b.write("\r.three", 3 * PIECE - 1, "latin1"); // a bare CR ends the third piece
  const wire = b.toString("latin1").replace(/\r\n|\r|\n/g, "\r\n").replace(/^\./gm, "..") + "\r\n.\r\n";
  return { text: b, wire };
}

test("an in-memory message larger than a piece puts the same bytes on the wire as a whole-message stuff, lock-step and pipelined", async () => {
  const { text, wire } = bigMessage();
  // SIZE= counts the bytes DATA sends before stuffing: the bare CR goes as CRLF.
  const size = text.toString("latin1").replace(/\r\n|\r|\n/g, "\r\n").length;
  assert.equal(size, text.length + 1);
  await withScript(EHLO + transaction(` SIZE=${size}`, "250 queued", wire), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", text);
  });
  const pipelined = `${EHLO_PIPELINING}
${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 354 go
C! ${scriptEscape(wire)}
S: 250 first
${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 354 go
C: small
C: .
S: 250 second
`;
  await withScript(pipelined, async (client) => {
    const [first, second] = await Promise.all([
      client.deliver("a@x.test", "b@y.test", text),
      client.deliver("a@x.test", "b@y.test", "small\r\n"),
    ]);
    assert.equal(first.reply.message, "first");
    assert.equal(second.reply.message, "second");
  });
});
