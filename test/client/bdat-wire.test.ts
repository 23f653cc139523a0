/**
 * CHUNKING / BDAT (RFC 3030) byte for byte: bytes sent untouched (no dot-stuffing, no
 * line-end fixing), pipelined with MAIL and RCPT when PIPELINING is offered, lock-step
 * otherwise, `chunking: false`, streamed bodies in ~256 KiB chunks, BINARYMIME, a slow
 * reader, and streams that fail or pause mid-message.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTPDataError, SMTPNotSupportedError, SMTPSenderRefused } from "../../src/index.js";
import { HELO_ONLY, PIPELINED_GROUP, withScript } from "../helpers/client.js";
import { scriptEscape, traced } from "../helpers/flow-trace.js";
import { onCommands } from "../helpers/lines.js";
import { EHLO_BDAT, EHLO_CHUNKING_PIPELINING, EHLO_CHUNKING, KIB, bigBody, chunkedScript } from "../helpers/bdat-scripts.js";

/** Bytes with every shape DATA would change: bare LF, bare CR, leading dots, a lone ".". */
const RAW = Buffer.from(".leading\n.\r\nbare\rcr\r\n..two\r\n.\r\nno final newline", "latin1");

test("in-memory bytes go as one BDAT n LAST, untouched (no dot-stuffing, no CRLF fixing), pipelined with MAIL and RCPT", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT ${RAW.length} LAST
C! ${scriptEscape(RAW.toString("latin1"))}
S: 250 2.1.0 ok
S: 250 2.1.5 ok
S: 250 2.0.0 ${RAW.length} octets received, queued
C: QUIT
S: 221 bye
`;
  const t = traced();
  await withScript(script, async (client) => {
    const delivery = await client.deliver("a@x.test", "b@y.test", RAW);
    assert.equal(delivery.refused.size, 0);
    assert.equal(delivery.reply.code, 250);
    assert.equal(delivery.reply.message, `2.0.0 ${RAW.length} octets received, queued`);
    await client.quit();
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT BDAT LAST | S 250 250 250 | C QUIT | S 221");
});

test("a string body over BDAT gets CRLF line ends (as API.md says for strings), its last line's too, but no dot-stuffing", async () => {
  const wire = ".a\r\n..b\r\nc\r\n";
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT ${wire.length} LAST
C! ${scriptEscape(wire)}
S: 250 ok
S: 250 ok
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", ".a\n..b\nc");
  });
});

test("an empty message over BDAT is BDAT 0 LAST", async () => {
  const script = `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT 0 LAST
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", new Uint8Array(0));
  });
});

test("CHUNKING without PIPELINING: lock-step MAIL, RCPT, BDAT LAST", async () => {
  const script = `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: RCPT TO:<c@y.test>
S: 550 5.1.1 no c
C: BDAT ${RAW.length} LAST
C! ${scriptEscape(RAW.toString("latin1"))}
S: 250 queued
`;
  const t = traced();
  await withScript(script, async (client) => {
    const refused = await client.sendmail("a@x.test", ["b@y.test", "c@y.test"], RAW);
    assert.deepEqual([...refused].map(([k, v]) => [k, v.code]), [["c@y.test", 550]]);
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL | S 250 | C RCPT | S 250 | C RCPT | S 550 | C BDAT LAST | S 250");
});

test("chunking: false -> DATA with dot-stuffing and CRLF fixing although CHUNKING is offered", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 354 go
C: ..leading
C: ..
C: bare
C: cr
C: ...two
C: ..
C: no final newline
C: .
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", RAW);
  }, { chunking: false });
  const noChunking = `
S: 220 mx.test ESMTP
C: EHLO client.test
S: 250-mx.test
S: 250 PIPELINING
C: NOOP
S: 250 ok
`;
  await withScript(noChunking, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("x"), ["BODY=BINARYMIME"]), SMTPNotSupportedError);
    await client.noop();
  });
});

test("a streamed body goes as ~256 KiB BDAT chunks and a final LAST, untouched, pipelined", async () => {
  const { chunks, whole } = bigBody();
  const t = traced();
  await withScript(chunkedScript(whole, true), async (client) => {
    const d = await client.deliver("a@x.test", "b@y.test", Readable.from(chunks));
    assert.equal(d.reply.message, "queued");
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT BDAT BDAT BDAT LAST | S 250 250 250 250 250");
});

test("a streamed body over lock-step BDAT waits for each chunk's reply", async () => {
  const { chunks, whole } = bigBody();
  const t = traced();
  await withScript(chunkedScript(whole, false), async (client) => {
    async function* gen(): AsyncGenerator<Uint8Array> {
      for (const c of chunks) yield new Uint8Array(c);
    }
    await client.sendmail("a@x.test", "b@y.test", gen());
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL | S 250 | C RCPT | S 250 | C BDAT | S 250 | C BDAT | S 250 | C BDAT LAST | S 250");
});

test("BODY=BINARYMIME goes on MAIL and the binary bytes as BDAT, untouched", async () => {
  // NUL, a bare LF, a leading dot and a bare CR: all of them would be changed by DATA.
  const bin = Buffer.from([0x00, 0x01, 0x0a, 0x2e, 0x0d]);
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test> BODY=BINARYMIME
C: RCPT TO:<b@y.test>
C: BDAT 5 LAST
C! \\x00\\x01\\n.\\r
S: 250 ok
S: 250 ok
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", bin, ["BODY=BINARYMIME"]);
  });
});

test("BODY=BINARYMIME with chunking: false, or without CHUNKING, is SMTPNotSupportedError before MAIL", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: NOOP
S: 250 ok
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("x"), ["BODY=BINARYMIME"]), SMTPNotSupportedError);
    await client.noop();
  }, { chunking: false });
});

test("BODY=BINARYMIME to a server that only took HELO is SMTPNotSupportedError before MAIL, not its bytes rewritten by DATA", async () => {
  // Options are dropped for a HELO server (as Python), but a binary body cannot go as DATA:
  // its bare LF and CR would become CRLF and its leading dot be doubled.
  const script = `${HELO_ONLY}C: NOOP
S: 250 ok
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("a\nb\r.c"), ["body=binarymime"]), SMTPNotSupportedError);
    await assert.rejects(client.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\na\nb\r.c", undefined, undefined, ["BODY=BINARYMIME"]), SMTPNotSupportedError);
    await client.noop();
  });
});

test("BODY=BINARYMIME to a server that offers CHUNKING but not BINARYMIME is SMTPNotSupportedError before MAIL (RFC 3030 §3)", async () => {
  const script = `${EHLO_BDAT}C: NOOP
S: 250 ok
`;
  await withScript(script, async (client) => {
    // 7-bit bytes with a bare CR: a binary body all the same, which sendmail and sendMessage refuse alike.
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("a\rb"), ["BODY=BINARYMIME"]), SMTPNotSupportedError);
    await assert.rejects(client.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\na\rb", undefined, undefined, ["BODY=BINARYMIME"]), SMTPNotSupportedError);
    await client.noop();
  });
});

test("a large in-memory message over BDAT to a slow but steady reader: each stall has its own dataBlock limit, not the whole message", { timeout: 60_000 }, async () => {
  const { createServer } = await import("node:net");
  const { SMTP } = await import("../../src/index.js");
  const size = 24 * 1024 * 1024;
  for (const extensions of [["PIPELINING", "CHUNKING"], ["CHUNKING"]]) {
    let received = 0;
    let throttle: ReturnType<typeof setInterval> | undefined;
    // Reads for one turn of the event loop every 100 ms: slower than the client can write
    // (the message takes well over a second), but never a second without reading.
    const server = createServer((sock) => {
      sock.on("error", () => undefined);
      sock.write("220 slow.test ESMTP\r\n");
      onCommands(sock, (line) => {
        if (/^BDAT /i.test(line)) {
          if (throttle === undefined) {
            sock.pause();
            throttle = setInterval(() => { sock.resume(); setImmediate(() => sock.pause()); }, 100);
          }
        } else if (/^EHLO/i.test(line)) sock.write(["slow.test", ...extensions].map((e, k, all) => `${k === all.length - 1 ? "250 " : "250-"}${e}\r\n`).join(""));
        else if (/^QUIT/i.test(line)) sock.end("221 bye\r\n");
        else sock.write("250 ok\r\n");
      }, { payload: (n) => { received += n; }, chunkEnd: () => sock.write("250 queued\r\n") });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const client = await SMTP.connect("127.0.0.1", (server.address() as { port: number }).port, { localHostname: "client.test", timeout: 30_000, timeouts: { dataBlock: 1000, dataTermination: 1000 } });
    try {
      assert.equal((await client.sendmail("a@x.test", "b@x.test", Buffer.alloc(size, 0x41))).size, 0, extensions.join("+"));
      assert.equal(received, size);
    } finally {
      clearInterval(throttle);
      client.close();
      server.close();
    }
  }
});

test("lock-step BDAT: a stream that fails between chunks -> RSET (whole chunks were sent), the error surfaces, the connection stays usable", async () => {
  const { chunks, whole } = bigBody();
  const first = whole.subarray(0, 256 * KIB).toString("latin1");
  const boom = new Error("source failed");
  const script = `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT ${256 * KIB}
C! ${scriptEscape(first)}
S: 250 chunk 1
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    async function* gen(): AsyncGenerator<Buffer> {
      yield* chunks.slice(0, 8); // 512 KiB: the first 256 KiB go out, the second are held
      throw boom;
    }
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", gen()), (err: unknown) => err === boom);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined BDAT: a stream that fails between chunks -> outstanding replies read, RSET, connection usable", async () => {
  const { chunks, whole } = bigBody();
  const first = whole.subarray(0, 256 * KIB).toString("latin1");
  const boom = new Error("source failed");
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT ${256 * KIB}
C! ${scriptEscape(first)}
S: 250 ok
S: 250 ok
S: 250 chunk 1
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    async function* gen(): AsyncGenerator<Buffer> {
      yield* chunks.slice(0, 8);
      throw boom;
    }
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", gen()), (err: unknown) => err === boom);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("BDAT: a stream that fails before any chunk was sent -> RSET after the envelope", async () => {
  const boom = new Error("nothing to read");
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
S: 250 ok
S: 250 ok
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    async function* gen(): AsyncGenerator<Buffer> {
      yield Buffer.from("held back: too small for a chunk");
      throw boom;
    }
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", gen()), (err: unknown) => err === boom);
  });
});

/**
 * Client options whose debug trace resolves `seen` once a reply with `code` arrives (a
 * guard resolves it after 3 s anyway, so that a test of the bug fails rather than hangs),
 * and `done` to clear that guard.
 */
function onReply(code: number): { options: { debugLevel: 1; debugOutput: (line: string) => void }; seen: Promise<void>; done: () => void } {
  let resolve!: () => void;
  const seen = new Promise<void>((r) => { resolve = r; });
  const guard = setTimeout(resolve, 3000);
  return {
    options: { debugLevel: 1, debugOutput: (line) => { if (line.startsWith(`S: ${code} `)) resolve(); } },
    seen,
    done: () => clearTimeout(guard),
  };
}

test("pipelined BDAT with a stream that pauses: a sender refused during the pause -> when the stream ends, no BDAT at all is sent (RFC 3030 §2), RSET", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
S: 550 5.7.1 sender refused
S: 250 ok
C: RSET
S: 250 reset
`;
  const refusal = onReply(550);
  async function* paused(): AsyncGenerator<Buffer> {
    await refusal.seen;
    yield Buffer.from("a short message\r\n");
  }
  try {
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", paused()), (err: unknown) => err instanceof SMTPSenderRefused && err.smtpCode === 550);
    }, refusal.options);
  } finally {
    refusal.done();
  }
});

test("pipelined BDAT with a stream that pauses: a chunk refused during the pause -> when the stream ends, neither the held chunk nor BDAT LAST is sent, RSET, SMTPDataError", async () => {
  const chunk = 256 * 1024;
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT ${chunk}
C! ${"a".repeat(chunk)}
S: 250 ok
S: 250 ok
S: 552 5.3.4 message too big
C: RSET
S: 250 reset
`;
  const refusal = onReply(552);
  async function* paused(): AsyncGenerator<Buffer> {
    yield Buffer.alloc(chunk, 0x61);
    yield Buffer.alloc(chunk, 0x62);
    await refusal.seen;
    yield Buffer.from("tail\r\n");
  }
  try {
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", paused()), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 552);
    }, refusal.options);
  } finally {
    refusal.done();
  }
});
