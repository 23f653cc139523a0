/**
 * CHUNKING / BDAT (RFC 3030) byte for byte: bytes sent untouched (no dot-stuffing, no
 * line-end fixing), pipelined with MAIL and RCPT when PIPELINING is offered, lock-step
 * otherwise, refusals, `chunking: false`, streamed bodies in ~256 KiB chunks, BINARYMIME.
 */

import assert from "node:assert/strict";
import type { Socket } from "node:net";
import { Readable } from "node:stream";
import { test } from "node:test";
import {
  SMTPDataError, SMTPNotSupportedError, SMTPRecipientsRefused, SMTPResponseException, SMTPSenderRefused, SMTPServerDisconnected,
} from "../../src/index.js";
import { greeting, PIPELINED_GROUP, withScript } from "../helpers/client.js";
import { scriptEscape, traced } from "../helpers/flow-trace.js";
import { onCommands, onLines } from "../helpers/lines.js";

const EHLO_CHUNKING_PIPELINING = greeting(["PIPELINING", "BINARYMIME", "CHUNKING"]);

const EHLO_CHUNKING = greeting(["CHUNKING"]);

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

test("a string body over BDAT gets CRLF line ends (as API.md says for strings) but no dot-stuffing", async () => {
  const wire = ".a\r\n..b\r\nc";
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

test("pipelined BDAT: a refused recipient is reported, the rest delivered", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 550 5.1.1 no b
S: 250 ok
S: 250 queued
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["b@y.test", "c@y.test"], Buffer.from("hi\r\n"));
    assert.deepEqual([...d.refused.keys()], ["b@y.test"]);
    assert.deepEqual([...d.delivered.keys()], ["c@y.test"]);
  });
});

test("pipelined BDAT: a refused sender -> the BDAT reply is read, RSET, SMTPSenderRefused, next command in step", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 553 5.7.1 not you
S: 250 ok
S: 503 5.5.1 no transaction
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("hi\r\n")), (err: unknown) =>
      err instanceof SMTPSenderRefused && err.smtpCode === 553);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined BDAT: every recipient refused -> RSET, SMTPRecipientsRefused", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 550 no b
S: 551 no c
S: 554 5.5.1 no valid recipients
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], Buffer.from("hi\r\n")), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused);
      assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code]), [["b@y.test", 550], ["c@y.test", 551]]);
      return true;
    });
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined BDAT: a 421 to RCPT closes the connection, no further bytes", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 421 4.3.2 going down
-- close
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("hi\r\n")), SMTPRecipientsRefused);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("lock-step BDAT: every recipient refused -> RSET without sending the data", async () => {
  const script = `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 550 no b
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("hi\r\n")), SMTPRecipientsRefused);
  });
});

test("BDAT LAST refused: SMTPDataError; lock-step sends RSET, the connection stays usable", async () => {
  const script = `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT 4 LAST
C! hi\\r\\n
S: 552 5.3.4 too big
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("hi\r\n")), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 552 && err.enhancedStatus === "5.3.4");
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined BDAT LAST refused: SMTPDataError, no RSET (the chunk ended the transaction)", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 250 ok
S: 554 5.6.0 rejected content
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.from("hi\r\n")), SMTPDataError);
    assert.equal((await client.noop()).message, "noop here");
  });
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

const KIB = 1024;

/** 600 KiB of dot-heavy lines, in 64 KiB source chunks (a chunk boundary falls mid-line). */
function bigBody(): { chunks: Buffer[]; whole: Buffer } {
  const line = Buffer.from(".line with a leading dot\r\n", "latin1");
  const whole = Buffer.alloc(600 * KIB);
  for (let i = 0; i < whole.length; i += line.length) line.copy(whole, i);
  const chunks: Buffer[] = [];
  for (let i = 0; i < whole.length; i += 64 * KIB) chunks.push(whole.subarray(i, i + 64 * KIB));
  return { chunks, whole };
}

function chunkedScript(whole: Buffer, pipelined: boolean): string {
  const sizes = [256 * KIB, 256 * KIB, whole.length - 512 * KIB];
  let at = 0;
  const bdat = sizes.map((n, i) => {
    const part = whole.subarray(at, at + n).toString("latin1");
    at += n;
    const cmd = `C: BDAT ${n}${i === sizes.length - 1 ? " LAST" : ""}\nC! ${scriptEscape(part)}`;
    return pipelined ? cmd : `${cmd}\nS: 250 ${n} octets`;
  }).join("\n");
  return pipelined
    ? `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
${bdat}
S: 250 ok
S: 250 ok
S: 250 chunk 1
S: 250 chunk 2
S: 250 queued
`
    : `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
${bdat}
`;
}

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

test("lock-step BDAT: a refused middle chunk -> RSET, SMTPDataError, the rest not sent", async () => {
  const { chunks, whole } = bigBody();
  const first = whole.subarray(0, 256 * KIB).toString("latin1");
  const script = `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT ${256 * KIB}
C! ${scriptEscape(first)}
S: 552 5.3.4 message too big
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Readable.from(chunks)), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 552);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined BDAT: a refused middle chunk -> SMTPDataError after reading every reply, RSET", async () => {
  const { chunks, whole } = bigBody();
  const script = chunkedScript(whole, true).replace("S: 250 chunk 1", "S: 552 5.3.4 too big").replace("S: 250 chunk 2", "S: 503 5.5.1 no transaction")
    .replace("S: 250 queued", "S: 503 5.5.1 no transaction") + `C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Readable.from(chunks)), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 552);
    assert.equal((await client.noop()).message, "noop here");
  });
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

test("pipelined BDAT with a slow stream: once the sender is known refused, the rest of the stream is not sent (no BDAT at all), RSET", async () => {
  const { chunks } = bigBody();
  const script = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
S: 550 5.7.1 sender refused
S: 250 ok
C: RSET
S: 250 reset
`;
  let pulled = 0;
  await withScript(script, async (client) => {
    async function* slow(): AsyncGenerator<Buffer> {
      for (const c of chunks) {
        await new Promise((r) => setTimeout(r, 40)); // the refusal arrives long before 256 KiB are read
        pulled++;
        yield c;
      }
    }
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", slow()), SMTPSenderRefused);
  });
  assert.equal(pulled, 4); // stopped at the first full chunk, not read to its end
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

/** The commands of one in-memory transaction to `rcpt`, whose 4-byte message is `m<n>` and CRLF. */
const tx = (rcpt: string, n: number): string => `C: MAIL FROM:<a@x.test>
C: RCPT TO:<${rcpt}>
C: BDAT 4 LAST
C! m${n}\\r\\n
`;

/** Script lines: the replies to tx() with an unknown recipient (Exim's, keeping the sender). */
const REFUSED_WHOLE = `S: 250 ok
S: 550 5.1.1 no such user
S: 503 5.5.1 valid RCPT command must precede BDAT
`;

/** Script lines: the replies to tx() accepted ("first"), then to an RSET and tx() refused as REFUSED_WHOLE. */
const FIRST_THEN_REFUSED = `S: 250 ok
S: 250 ok
S: 250 first
S: 250 reset
${REFUSED_WHOLE}`;

/** Script lines: the second transaction, led by RSET, to b@y.test, accepted ("second"). */
const RESET_THEN_SECOND = `C: RSET
${tx("b@y.test", 2)}S: 250 reset
S: 250 ok
S: 250 ok
S: 250 second
`;

test("pipelined in-memory BDAT, concurrent calls: written back to back without waiting, each after the first led by RSET, so a refused one cannot leave its sender behind", async () => {
  // Exim keeps the sender after refusing BDAT LAST for want of a valid recipient: without
  // an RSET between them the third MAIL would get "503 sender already given" while its
  // message was still delivered (found by the interop scenario bdat-back-to-back). The
  // script lists every command before any reply: the server answers only once all three
  // transactions have arrived, which proves they were written without waiting.
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("b@y.test", 1)}C: RSET
${tx("nobody@y.test", 2)}C: RSET
${tx("c@y.test", 3)}${FIRST_THEN_REFUSED}S: 250 reset
S: 250 ok
S: 250 ok
S: 250 third
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const [first, second, third] = await Promise.allSettled([
      client.deliver("a@x.test", "b@y.test", Buffer.from("m1\r\n")),
      client.deliver("a@x.test", "nobody@y.test", Buffer.from("m2\r\n")),
      client.deliver("a@x.test", "c@y.test", Buffer.from("m3\r\n")),
    ]);
    assert.equal(first.status === "fulfilled" && first.value.reply.message, "first");
    assert.ok(second.status === "rejected" && second.reason instanceof SMTPRecipientsRefused);
    assert.deepEqual(third.status === "fulfilled" && [...third.value.delivered.keys()], ["c@y.test"]);
    // No RSET after the refusal: one was written before the third transaction already,
    // and another now would cancel nothing (or, in a longer pipeline, a later transaction).
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined in-memory BDAT: the last of back-to-back transactions refused -> RSET once its replies are read (nothing was written after it)", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("b@y.test", 1)}C: RSET
${tx("nobody@y.test", 2)}${FIRST_THEN_REFUSED}C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const [first, second] = await Promise.allSettled([
      client.sendmail("a@x.test", "b@y.test", Buffer.from("m1\r\n")),
      client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m2\r\n")),
    ]);
    assert.equal(first.status, "fulfilled");
    assert.ok(second.status === "rejected" && second.reason instanceof SMTPRecipientsRefused);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined in-memory BDAT: a low-level mail() while a transaction written whole is unread is led by RSET too", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: RSET
C: MAIL FROM:<z@x.test>
S: 250 ok
S: 550 5.1.1 no such user
S: 503 5.5.1 valid RCPT command must precede BDAT
S: 250 reset
S: 250 sender ok
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    const refused = client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n"));
    const mail = client.mail("z@x.test");
    await assert.rejects(refused, SMTPRecipientsRefused);
    assert.equal((await mail).message, "sender ok");
    assert.equal((await client.rset()).message, "reset");
  });
});

test("pipelined in-memory BDAT: a raw MAIL (docmd, putcmd) while a transaction written whole is unread is led by RSET, as mail() is", async () => {
  for (const raw of ["docmd", "putcmd"] as const) {
    const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: RSET
C: MAIL FROM:<z@x.test>
${REFUSED_WHOLE}S: 250 reset
S: 250 sender ok
C: RSET
S: 250 reset
`;
    await withScript(script, async (client) => {
      const refused = client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n"));
      const mail = raw === "docmd" ? client.docmd("MAIL FROM:<z@x.test>") : client.putcmd("MAIL", "FROM:<z@x.test>").then(() => client.getreply());
      await assert.rejects(refused, SMTPRecipientsRefused);
      assert.equal((await mail).message, "sender ok", raw);
      assert.equal((await client.rset()).message, "reset");
    });
  }
});

test("pipelined in-memory BDAT: a reset due after a refused whole transaction leads a raw docmd MAIL; a raw RSET settles it (no second RSET)", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: NOOP
${REFUSED_WHOLE}S: 250 noop
C: RSET
C: mail FROM:<z@x.test>
S: 250 reset
S: 250 sender ok
C: RSET
S: 250 reset
${tx("nobody@y.test", 2)}C: NOOP
${REFUSED_WHOLE}S: 250 noop
C: RSET
S: 250 user reset
${tx("b@y.test", 3)}S: 250 ok
S: 250 ok
S: 250 third
`;
  await withScript(script, async (client) => {
    await Promise.allSettled([client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n")), client.noop()]);
    assert.equal((await client.docmd("mail", "FROM:<z@x.test>")).message, "sender ok");
    assert.equal((await client.docmd("RSET")).message, "reset");
    await Promise.allSettled([client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m2\r\n")), client.noop()]);
    assert.equal((await client.rset()).message, "user reset");
    assert.equal((await client.deliver("a@x.test", "b@y.test", Buffer.from("m3\r\n"))).reply.message, "third");
  });
});

test("pipelined in-memory BDAT: a transaction written whole, refused, with a NOOP written after it -> the next transaction starts with RSET", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: NOOP
${REFUSED_WHOLE}S: 250 noop
${RESET_THEN_SECOND}`;
  await withScript(script, async (client) => {
    const [refused, noop] = await Promise.allSettled([client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n")), client.noop()]);
    assert.ok(refused.status === "rejected" && refused.reason instanceof SMTPRecipientsRefused);
    assert.equal(noop.status === "fulfilled" && noop.value.message, "noop");
    assert.equal((await client.deliver("a@x.test", "b@y.test", Buffer.from("m2\r\n"))).reply.message, "second");
  });
});

test("a transaction written whole and refused after STARTTLS was written: no RSET before the STARTTLS reply; the next transaction starts with one", async () => {
  const script = `${greeting(["PIPELINING", "CHUNKING", "STARTTLS"])}
${tx("nobody@y.test", 1)}C: STARTTLS
${REFUSED_WHOLE}S: 454 4.7.0 TLS not available now
${RESET_THEN_SECOND}`;
  await withScript(script, async (client) => {
    const [refused, tls] = await Promise.allSettled([client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n")), client.starttls()]);
    assert.ok(refused.status === "rejected" && refused.reason instanceof SMTPRecipientsRefused);
    assert.ok(tls.status === "rejected" && tls.reason instanceof SMTPResponseException && tls.reason.smtpCode === 454);
    assert.equal((await client.deliver("a@x.test", "b@y.test", Buffer.from("m2\r\n"))).reply.message, "second");
  });
});

test("a reset still due when PIPELINING is no longer offered: lock-step RSET alone, then the transaction", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("nobody@y.test", 1)}C: NOOP
${REFUSED_WHOLE}S: 250 noop
C: RSET
S: 250 reset
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT 4 LAST
C! m2\\r\\n
S: 250 second
`;
  await withScript(script, async (client) => {
    await Promise.allSettled([client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n")), client.noop()]);
    client.esmtpFeatures.delete("pipelining");
    assert.equal((await client.deliver("a@x.test", "b@y.test", Buffer.from("m2\r\n"))).reply.message, "second");
  });
});

test("pipelined in-memory BDAT, back to back: a refused sender in the first transaction -> SMTPSenderRefused, no RSET of its own (the second began with one), the second delivered", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}
${tx("b@y.test", 1)}C: RSET
${tx("c@y.test", 2)}S: 553 5.7.1 not you
S: 503 5.5.1 sender first
S: 503 5.5.1 no transaction
S: 250 reset
S: 250 ok
S: 250 ok
S: 250 second
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const [first, second] = await Promise.allSettled([
      client.sendmail("a@x.test", "b@y.test", Buffer.from("m1\r\n")),
      client.deliver("a@x.test", "c@y.test", Buffer.from("m2\r\n")),
    ]);
    assert.ok(first.status === "rejected" && first.reason instanceof SMTPSenderRefused && first.reason.smtpCode === 553);
    assert.equal(second.status === "fulfilled" && second.value.reply.message, "second");
    assert.equal((await client.noop()).message, "noop here");
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

test("pipelined BDAT with a slow stream: after a refused chunk no further BDAT is sent (RFC 3030 §2), and the call fails with that refusal", { timeout: 30_000 }, async () => {
  const { createServer } = await import("node:net");
  const { SMTP } = await import("../../src/index.js");
  const seen: string[] = [];
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    onCommands(sock, (line) => {
      seen.push(line.split(" ").slice(0, 3).join(" "));
      if (line.startsWith("BDAT")) {
        // The first chunk is refused; any later BDAT (pipelined already) is discarded.
        sock.write(seen.filter((l) => l.startsWith("BDAT")).length === 1 ? "552 5.3.4 message too big\r\n" : "503 5.5.1 discarded\r\n");
      } else if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
      else sock.write("250 ok\r\n");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = await SMTP.connect("127.0.0.1", (server.address() as { port: number }).port, { localHostname: "client.test", timeout: 10_000 });
  let pulled = 0;
  async function* slow(): AsyncGenerator<Buffer> {
    for (let i = 0; i < 10; i++) {
      await new Promise((r) => setTimeout(r, 50)); // the refusal arrives while the stream is still being read
      pulled++;
      yield Buffer.alloc(256 * 1024, 0x61);
    }
  }
  try {
    await assert.rejects(client.sendmail("a@x.test", "b@x.test", slow()), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 552);
    const bdats = seen.filter((l) => l.startsWith("BDAT"));
    assert.ok(bdats.length < 4 && !bdats.some((l) => l.includes("LAST")), `BDAT commands after the refusal: ${bdats.join(", ")}`);
    assert.ok(pulled < 10, `the stream was read to its end (${pulled} chunks)`);
  } finally {
    client.close();
    server.close();
  }
});

/**
 * Pipelined BDAT of a large message, in memory and streamed, to a server that answers the
 * envelope's lines with `onEnvelope` (which refuses and hangs up) while the message is still
 * being written: the call must reject with the refusal (`isRefusal`), not a bare disconnect.
 */
async function refusedThenHungUp(onEnvelope: (line: string, sock: Socket) => void, to: string[], isRefusal: (err: unknown) => boolean): Promise<void> {
  const { createServer } = await import("node:net");
  const { SMTP } = await import("../../src/index.js");
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    onLines(sock, (line) => {
      if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
      else onEnvelope(line, sock);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  try {
    for (const body of [(): Buffer => Buffer.alloc(20 * 1024 * 1024, 0x61), async function* (): AsyncGenerator<Buffer> {
      for (let i = 0; i < 80; i++) yield Buffer.alloc(256 * 1024, 0x61);
    }]) {
      const client = await SMTP.connect("127.0.0.1", port, { localHostname: "client.test", timeout: 10_000 });
      try {
        await assert.rejects(client.sendmail("a@x.test", to, body()), isRefusal);
      } finally {
        client.close();
      }
    }
  } finally {
    server.close();
  }
}

/** Listens on 127.0.0.1 port 0 and returns a client connected to `server` that has said EHLO. */
async function greetedClient(server: import("node:net").Server): Promise<InstanceType<typeof import("../../src/index.js").SMTP>> {
  const { SMTP } = await import("../../src/index.js");
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const client = await SMTP.connect("127.0.0.1", port, { localHostname: "client.test", timeout: 5_000 });
  await client.ehlo();
  return client;
}

test("pipelined BDAT: deliver({ signal }) aborted once its transaction is all written rejects at once, keeps the connection, and its replies are still read (the next transaction needs no RSET)", { timeout: 10_000 }, async () => {
  const { createServer } = await import("node:net");
  const commands: string[] = [];
  let firstAnswered!: () => void;
  const answered = new Promise<void>((resolve) => (firstAnswered = resolve));
  let transactions = 0;
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    onCommands(sock, (line) => {
      commands.push(line.split(" ")[0]!);
      if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
      else if (line.startsWith("BDAT")) {
        // The first transaction's replies come late: its call is aborted before them.
        const delay = ++transactions === 1 ? 150 : 0;
        setTimeout(() => {
          sock.write("250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.0.0 queued\r\n");
          if (transactions === 1) firstAnswered();
        }, delay);
      } else if (line.startsWith("QUIT")) sock.end("221 bye\r\n");
    });
  });
  const client = await greetedClient(server);
  try {
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    const first = client.deliver("a@x.test", "b@x.test", "one\r\n", [], [], { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(reason);
    await assert.rejects(first, (err: unknown) => err === reason);
    assert.equal(client.connected, true, "the connection stays");
    await answered;
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(await client.sendmail("c@x.test", "d@x.test", "two\r\n"), new Map());
    assert.deepEqual(commands, ["EHLO", "MAIL", "RCPT", "BDAT", "MAIL", "RCPT", "BDAT"], "no RSET: the first transaction's replies were read");
    await client.quit();
  } finally {
    client.close();
    server.close();
  }
});

test("pipelined BDAT, streamed body: deliver({ signal }) aborted after BDAT LAST is written (its replies still due) keeps the connection, and the next call goes through", { timeout: 10_000 }, async () => {
  const { createServer } = await import("node:net");
  let lastSeen!: () => void;
  const seen = new Promise<void>((resolve) => (lastSeen = resolve));
  let transactions = 0;
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    let last = false;
    onCommands(sock, (line) => {
      if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
      else if (line.startsWith("BDAT")) last = line.endsWith("LAST");
      else if (line.startsWith("QUIT")) sock.end("221 bye\r\n");
    }, {
      chunkEnd: () => {
        if (!last) return;
        // The first transaction's replies come late: its call is aborted before them.
        const first = ++transactions === 1;
        if (first) lastSeen();
        setTimeout(() => sock.write("250 2.1.0 ok\r\n250 2.1.5 ok\r\n250 2.0.0 queued\r\n"), first ? 300 : 0);
      },
    });
  });
  const client = await greetedClient(server);
  try {
    const controller = new AbortController();
    const reason = new Error("caller gave up");
    async function* body(): AsyncGenerator<Buffer> {
      yield Buffer.from("Subject: A\r\n\r\n");
      yield Buffer.from("hello\r\n");
    }
    const first = client.deliver("a@x.test", "b@x.test", body(), [], [], { signal: controller.signal });
    const second = client.sendmail("c@x.test", "d@x.test", "two\r\n");
    await seen;
    controller.abort(reason);
    await assert.rejects(first, (err: unknown) => err === reason);
    assert.deepEqual(await second, new Map());
    assert.equal(client.connected, true);
    await client.quit();
  } finally {
    client.close();
    server.close();
  }
});

test("pipelined BDAT: aborting (the client's signal) while a large message waits for the socket rejects with the abort's reason, even after every recipient was refused", { timeout: 30_000 }, async () => {
  const { createServer } = await import("node:net");
  const { SMTP } = await import("../../src/index.js");
  let refusedBoth!: () => void;
  const refusals = new Promise<void>((resolve) => (refusedBoth = resolve));
  const server = createServer((sock) => {
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    onLines(sock, (line) => {
      if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
      else if (line.startsWith("MAIL")) sock.write("250 2.1.0 ok\r\n");
      else if (line.startsWith("RCPT")) {
        sock.write("550 5.1.1 no such user\r\n");
        if (line.includes("c@")) {
          // Reads nothing more: the client's writes back up until it is aborted.
          sock.pause();
          setTimeout(refusedBoth, 100);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  const controller = new AbortController();
  const reason = new Error("stopped by the caller");
  const client = await SMTP.connect("127.0.0.1", port, { localHostname: "client.test", timeout: 10_000, signal: controller.signal });
  try {
    const call = client.sendmail("a@x.test", ["b@x.test", "c@x.test"], Buffer.alloc(32 * 1024 * 1024, 0x61));
    await refusals;
    controller.abort(reason);
    await assert.rejects(call, (err: unknown) => err === reason);
  } finally {
    client.close();
    server.close();
  }
});

test("pipelined BDAT: a server that refuses MAIL and hangs up while a large message is written gets SMTPSenderRefused, not a bare disconnect", { timeout: 30_000 }, async () => {
  await refusedThenHungUp((line, sock) => {
    if (!line.startsWith("MAIL")) return;
    sock.write("554 5.7.1 sender blocked\r\n");
    sock.destroy();
  }, ["b@x.test"], (err) => err instanceof SMTPSenderRefused && err.smtpCode === 554);
});

test("pipelined BDAT: a server that refuses every recipient and hangs up while a large message is written gets SMTPRecipientsRefused, not a bare disconnect", { timeout: 30_000 }, async () => {
  await refusedThenHungUp((line, sock) => {
    if (line.startsWith("MAIL")) sock.write("250 2.1.0 ok\r\n");
    if (!line.startsWith("RCPT")) return;
    sock.write(line.includes("b@") ? "550 5.1.1 no such user b\r\n" : "550 5.1.1 no such user c\r\n");
    // Hangs up a moment later, so that the refusals are read first: closed at once, the
    // reset can end the connection before they are read, and a disconnect is then all
    // that is known.
    if (line.includes("c@")) setTimeout(() => sock.destroy(), 100);
  }, ["b@x.test", "c@x.test"], (err) => err instanceof SMTPRecipientsRefused && err.recipients.size === 2
    && err.recipients.get("b@x.test")?.code === 550 && err.recipients.get("c@x.test")?.message === "5.1.1 no such user c");
});
