// The onProgress call option: how many bytes of the message (as given) have been handed to
// the connection, over DATA and BDAT, pipelined and lock-step, in memory and streamed.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import { SMTP, SMTPPool, SMTPRecipientsRefused } from "../../src/index.js";
import { messageSink } from "../helpers/message-sink.js";
import { withScript } from "../helpers/client.js";

const KIB = 1024;
/** `n` bytes of 80-byte lines starting with a dot (stuffing adds bytes on the wire, not to the count). */
const body = (n: number): Buffer => Buffer.alloc(n, `.${"x".repeat(77)}\r\n`);

/** Sends `msg` to a sink offering `extensions`; returns what onProgress was told. */
async function progressOf(extensions: string[], msg: string | Buffer | AsyncIterable<Uint8Array>, size?: number): Promise<number[]> {
  const sink = await messageSink(extensions);
  const told: number[] = [];
  try {
    const client = await SMTP.connect("127.0.0.1", sink.port);
    try {
      await client.sendmail("a@x.test", ["b@y.test"], msg, [], [], { onProgress: (n) => told.push(n), ...(size === undefined ? {} : { size }) });
    } finally {
      await client.quit();
    }
  } finally {
    await sink.close();
  }
  return told;
}

const WAYS: [string, string[]][] = [
  ["DATA, pipelined", ["PIPELINING"]],
  ["DATA, lock-step", []],
  ["BDAT, pipelined", ["PIPELINING", "CHUNKING"]],
  ["BDAT, lock-step", ["CHUNKING"]],
];

for (const [way, extensions] of WAYS) {
  test(`onProgress (${way}): a small message in memory is told once, with its size`, async () => {
    assert.deepEqual(await progressOf(extensions, body(1000)), [1000]);
    // a string counts as sent: its UTF-8 bytes with CRLF line ends (8-bit: to a server with 8BITMIME)
    assert.deepEqual(await progressOf([...extensions, "8BITMIME"], "Subject: é\n\nline\n"), [Buffer.byteLength("Subject: é\r\n\r\nline\r\n")]);
  });

  test(`onProgress (${way}): a stream is told as its chunks go, rising to its whole size once`, async () => {
    const chunks = Array.from({ length: 40 }, () => body(16 * KIB));
    const told = await progressOf(extensions, Readable.from(chunks), 40 * 16 * KIB);
    assert.ok(told.length > 1, `${told.length} calls`);
    assert.ok(told.every((n, i) => i === 0 || n > told[i - 1]!), `not rising: ${told.join(",")}`);
    assert.equal(told.at(-1), 40 * 16 * KIB);
  });
}

test("onProgress: a message in memory over 128 KiB is told piece by piece (128 KiB each), over DATA and over BDAT", async () => {
  for (const [way, extensions] of WAYS) {
    assert.deepEqual(await progressOf(extensions, body(300 * KIB)), [128 * KIB, 256 * KIB, 300 * KIB], way);
  }
});

test("onProgress: a stream's chunk larger than a piece is told piece by piece too, over DATA (stuffed a piece at a time) and over BDAT (its bytes go as given)", async () => {
  for (const [way, extensions] of WAYS) {
    const told = await progressOf(extensions, Readable.from([body(600 * KIB), body(10 * KIB)]), 610 * KIB);
    assert.deepEqual(told, [128 * KIB, 256 * KIB, 384 * KIB, 512 * KIB, 600 * KIB, 610 * KIB], way);
  }
});

test("onProgress (README): over DATA each of a stream's chunks is told (one over 128 KiB in pieces); over BDAT each BDAT chunk, a stream's chunks gathered to 256 KiB", async () => {
  const chunks = (n: number, size: number): Buffer[] => Array.from({ length: n }, () => body(size * KIB));
  for (const [way, extensions] of WAYS) {
    const bdat = extensions.includes("CHUNKING");
    // 40 chunks of 10 KiB: over DATA one report each; over BDAT one per BDAT chunk (26 of
    // them reach 256 KiB), then LAST with the rest.
    const small = await progressOf(extensions, Readable.from(chunks(40, 10)), 400 * KIB);
    assert.deepEqual(small, bdat ? [260 * KIB, 400 * KIB] : Array.from({ length: 40 }, (_, i) => (i + 1) * 10 * KIB), way);
    // Two chunks of 200 KiB and a small one: over DATA each 200 KiB chunk in pieces of 128 KiB;
    // over BDAT one BDAT chunk of 400 KiB (not over 512 KiB: told whole), then LAST.
    const mid = await progressOf(extensions, Readable.from([...chunks(2, 200), body(1 * KIB)]), 401 * KIB);
    assert.deepEqual(mid, bdat ? [400 * KIB, 401 * KIB] : [128 * KIB, 200 * KIB, 328 * KIB, 400 * KIB, 401 * KIB], way);
    // One chunk of 200 KiB alone: the last, over 64 KiB, goes in pieces with LAST too.
    assert.deepEqual(await progressOf(extensions, Readable.from(chunks(1, 200)), 200 * KIB), [128 * KIB, 200 * KIB], way);
  }
});

test("onProgress: an empty stream is told 0 once; a message refused before its data is never told", async () => {
  assert.deepEqual(await progressOf(["PIPELINING"], Readable.from([])), [0]);
  const told: number[] = [];
  await withScript(`\nS: 220 mx.test ESMTP\nC: EHLO client.test\nS: 250 mx.test\nC: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 550 no\nC: RSET\nS: 250 ok\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi", [], [], { onProgress: (n) => told.push(n) }), SMTPRecipientsRefused);
  });
  assert.deepEqual(told, []);
});

test("onProgress that throws does not stop the message: it is said once as a process warning", async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on("warning", onWarning);
  try {
    const chunks = Array.from({ length: 8 }, () => body(16 * KIB));
    const sink = await messageSink(["PIPELINING"]);
    try {
      const client = await SMTP.connect("127.0.0.1", sink.port);
      const refused = await client.sendmail("a@x.test", "b@y.test", Readable.from(chunks), [], [], { onProgress: () => { throw new Error("bar broke"); } });
      assert.equal(refused.size, 0);
      await client.quit();
      assert.equal(sink.messages.length, 1);
    } finally {
      await sink.close();
    }
    await new Promise((resolve) => setImmediate(resolve));
    const ours = warnings.filter((w) => (w as { code?: string }).code === "SMTPLIB_ON_PROGRESS");
    assert.equal(ours.length, 1, warnings.map((w) => w.message).join("\n"));
    assert.match(ours[0]!.message, /onProgress threw \(the message is sent anyway; use a signal to cancel the call\): bar broke/);
  } finally {
    process.off("warning", onWarning);
  }
});

test("onProgress must be a function (null is none); a pool call passes it on", async () => {
  const client = new SMTP();
  await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi", [], [], { onProgress: 5 as unknown as () => void }), /TypeError: onProgress must be a function, got number 5/);
  await assert.rejects(client.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n", undefined, undefined, [], [], { onProgress: "x" as unknown as () => void }), /onProgress must be a function/);
  const sink = await messageSink(["PIPELINING"]);
  const pool = new SMTPPool({ host: "127.0.0.1", port: sink.port });
  try {
    await assert.rejects(pool.sendmail("a@x.test", "b@y.test", "hi", [], [], { onProgress: {} as unknown as () => void }), /onProgress must be a function/);
    const told: number[] = [];
    await pool.sendmail("a@x.test", "b@y.test", body(500), [], [], { onProgress: (n) => told.push(n) });
    await pool.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n", undefined, undefined, [], [], { onProgress: (n) => told.push(n), signal: null as unknown as AbortSignal });
    assert.deepEqual(told, [500, Buffer.byteLength("From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n")]);
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi", [], [], { onProgress: null as unknown as () => void }), /please run connect\(\) first/);
  } finally {
    await pool.close();
    await sink.close();
  }
});
