/**
 * A stream of text (string chunks) whose last line has no CRLF gets one over BDAT, as over
 * DATA and as an in-memory string over BDAT: what the server stores must not depend on
 * whether it offers CHUNKING. A stream of bytes still goes untouched, and the count each
 * BDAT announces is the bytes that follow it.
 */

import { Readable } from "node:stream";
import { test } from "node:test";
import { greeting, withScript } from "../helpers/client.js";
import { scriptEscape } from "../helpers/flow-trace.js";
import { EHLO_CHUNKING, EHLO_CHUNKING_PIPELINING, KIB } from "../helpers/bdat-scripts.js";

async function* yieldAll<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** One transaction whose message goes as `BDAT n LAST` with `wire`. */
function lastOnly(ehlo: string, wire: string, pipelined: boolean, mail = "MAIL FROM:<a@x.test>"): string {
  const envelope = pipelined ? `C: ${mail}\nC: RCPT TO:<b@y.test>\n` : `C: ${mail}\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\n`;
  return `${ehlo}
${envelope}C: BDAT ${Buffer.byteLength(wire)} LAST
C! ${scriptEscape(wire)}
${pipelined ? "S: 250 ok\nS: 250 ok\n" : ""}S: 250 queued
`;
}

test("BDAT: an async iterable of strings whose last line has no CRLF gets one (pipelined)", async () => {
  await withScript(lastOnly(EHLO_CHUNKING_PIPELINING, "Subject: x\r\n\r\nlast\r\n", true), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", yieldAll(["Subject: x\r\n\r\n", "la", "st"]));
  });
});

test("BDAT: a Readable of strings gets its final CRLF (lock-step); one ending in CRLF across chunks gets none", async () => {
  await withScript(lastOnly(EHLO_CHUNKING, "body\r\n", false), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", Readable.from(["bo", "dy"]));
  });
  await withScript(lastOnly(EHLO_CHUNKING, "body\r\n", false), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", Readable.from(["body\r", "\n"]));
  });
});

test("BDAT: text whose last chunk is empty is still text; bytes after text, or a stream of bytes, go untouched", async () => {
  await withScript(lastOnly(EHLO_CHUNKING, "body\r\n", false), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", yieldAll<string | Uint8Array>(["body", "", new Uint8Array(0)]));
  });
  await withScript(lastOnly(EHLO_CHUNKING, "a\r\nbody", false), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", yieldAll<string | Uint8Array>(["a\r\n", Buffer.from("body")]));
  });
  await withScript(lastOnly(EHLO_CHUNKING, "body", false), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", Readable.from([Buffer.from("bo"), Buffer.from("dy")]));
  });
});

test("BDAT: a Readable decoding its bytes as latin1 (strings standing for bytes) sends those bytes untouched", async () => {
  const stream = Readable.from([Buffer.from("bo"), Buffer.from("dy")], { objectMode: false });
  stream.setEncoding("latin1");
  await withScript(lastOnly(EHLO_CHUNKING, "body", false), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", stream);
  });
});

test("BDAT: a text stream of several chunks: only LAST carries the CRLF, and its count says so; SIZE= is the caller's", async () => {
  const first = "x".repeat(256 * KIB);
  const rest = "tail";
  const script = `${greeting(["PIPELINING", "CHUNKING", "SIZE 10000000"])}
C: MAIL FROM:<a@x.test> SIZE=${first.length + rest.length}
C: RCPT TO:<b@y.test>
C: BDAT ${first.length}
C! ${first}
C: BDAT 6 LAST
C! tail\\r\\n
S: 250 ok
S: 250 ok
S: 250 chunk
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", yieldAll([first, rest]), [], [], { size: first.length + rest.length });
  });
});

test("BDAT: a stream of strings gets CRLF line ends, as a string body does (API.md), across chunks too; bytes between them stay untouched", async () => {
  await withScript(lastOnly(EHLO_CHUNKING, "a\r\nb\r\nc\r\nd\r\n", false), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", yieldAll<string | Uint8Array>(["a\nb\r", "\nc\r", "", new Uint8Array(0), "\nd"]));
  });
  await withScript(lastOnly(EHLO_CHUNKING_PIPELINING, "a\r\n\nb\nc\r\n", true), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", yieldAll<string | Uint8Array>(["a\r", Buffer.from("\nb\n"), "c\r", "\n"]));
  });
});

test("BDAT: a CR that ends a string chunk, then bytes, then a string starting with LF: that LF is a line end of its own (made CRLF), not the CR's", async () => {
  await withScript(lastOnly(EHLO_CHUNKING_PIPELINING, "a\r\nx\r\nb\r\n", true), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", yieldAll<string | Uint8Array>(["a\r", Buffer.from("x"), "\nb"]));
  });
});
