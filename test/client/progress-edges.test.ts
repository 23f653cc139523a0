// onProgress at its edges: bodies of every kind (Web streams, strings split mid-character,
// empty chunks, one huge chunk), a large sendMessage, a refusal after the data, a call that
// fails or is aborted mid-stream, a callback that always throws, concurrent pipelined calls.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { Readable } from "node:stream";
import { SMTP, SMTPDataError, SMTPServerDisconnected } from "../../src/index.js";
import { messageSink } from "../helpers/message-sink.js";
import { greeting, withScript } from "../helpers/client.js";
import { abortingAt, assertProgress, progressLog, quiesce, type ProgressLog } from "../helpers/progress-log.js";

const KIB = 1024;
/** `n` bytes of 80-byte lines starting with a dot (stuffing adds bytes on the wire, not to the count). */
const lines = (n: number): Buffer => Buffer.alloc(n, `.${"x".repeat(77)}\r\n`);

const WAYS: [string, string[]][] = [
  ["DATA, pipelined", ["PIPELINING"]],
  ["DATA, lock-step", []],
  ["BDAT, pipelined", ["PIPELINING", "CHUNKING"]],
  ["BDAT, lock-step", ["CHUNKING"]],
];

/** Sends `msg` through a sink offering `extensions`; returns the log and the raw message received. */
async function sendThrough(extensions: string[], msg: Parameters<SMTP["sendmail"]>[2]): Promise<{ log: ProgressLog; raw: Buffer }> {
  const sink = await messageSink(extensions);
  const log = progressLog();
  try {
    const client = await SMTP.connect("127.0.0.1", sink.port);
    try {
      await log.watch(client.sendmail("a@x.test", ["b@y.test"], msg, [], [], { onProgress: log.onProgress }));
      await quiesce();
    } finally {
      await client.quit();
    }
    assert.equal(sink.messages.length, 1);
    return { log, raw: sink.messages[0]!.raw };
  } finally {
    await sink.close();
  }
}

/** A Web ReadableStream of `chunks`. */
function webStream(chunks: Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]!);
      else controller.close();
    },
  });
}

for (const [way, extensions] of WAYS) {
  test(`onProgress (${way}): a Web ReadableStream body rises to its size`, async () => {
    const chunks = Array.from({ length: 12 }, (_, i) => lines(40 * KIB + i * 80));
    const size = chunks.reduce((n, c) => n + c.length, 0);
    const { log } = await sendThrough(extensions, webStream(chunks));
    assertProgress(log, size, true, way);
    assert.ok(log.told.length > 1, way);
  });

  test(`onProgress (${way}): a stream of strings counts UTF-8 bytes, a surrogate pair split across chunks as 4`, async () => {
    // "😀" is \ud83d\ude00: its halves end one chunk and begin the next.
    const parts = ["Subject: x\r\n\r\n", "smile \ud83d", "\ude00 é\r\n", "ü".repeat(70 * KIB), "\r\nend\ud83d", "\ude00\r\n"];
    const size = Buffer.byteLength(parts.join(""), "utf8");
    assert.equal(size, Buffer.byteLength("Subject: x\r\n\r\nsmile 😀 é\r\n", "utf8") + 140 * KIB + Buffer.byteLength("\r\nend😀\r\n", "utf8"));
    // Text beyond ASCII, so 8-bit data: a server that takes it.
    const { log, raw } = await sendThrough([...extensions, "8BITMIME"], Readable.from(parts, { objectMode: true }));
    assertProgress(log, size, true, way);
    assert.ok(raw.includes(Buffer.from("smile 😀 é", "utf8")), "the pair went whole");
  });

  test(`onProgress (${way}): empty chunks (bytes and strings) add nothing and are not told`, async () => {
    const chunks: (Buffer | string)[] = [Buffer.alloc(0), "", lines(300 * KIB), Buffer.alloc(0), "", lines(80), Buffer.alloc(0)];
    const { log } = await sendThrough(extensions, Readable.from(chunks, { objectMode: true }));
    assertProgress(log, 300 * KIB + 80, true, way);
    // only empty chunks: the message is empty, told once, 0 bytes either way: DATA sends
    // CRLF "." CRLF (as Python), BDAT sends BDAT 0 LAST (empty-message.test.ts)
    const empty = await sendThrough(extensions, Readable.from([Buffer.alloc(0), "", Buffer.alloc(0)], { objectMode: true }));
    assert.deepEqual(empty.log.told, [0], way);
    assert.equal(empty.raw.toString("latin1"), extensions.includes("CHUNKING") ? "" : "\r\n", way);
  });

  test(`onProgress (${way}): one huge chunk (2 MiB) is told, ending at its size`, async () => {
    const huge = lines(2048 * KIB);
    const { log, raw } = await sendThrough(extensions, Readable.from([huge]));
    assertProgress(log, huge.length, true, way);
    assert.ok(raw.length >= huge.length);
  });
}

test("onProgress: sendMessage of a large message (over 128 KiB) over DATA is told piece by piece, ending at what was sent", async () => {
  const sink = await messageSink(["PIPELINING"]);
  const log = progressLog();
  try {
    const client = await SMTP.connect("127.0.0.1", sink.port);
    const msg = `From: a@x.test\r\nTo: b@y.test\r\nBcc: c@z.test\r\nSubject: big\r\n\r\n${lines(400 * KIB).toString("latin1")}`;
    await log.watch(client.sendMessage(msg, undefined, undefined, [], [], { onProgress: log.onProgress }));
    await client.quit();
    await quiesce();
    // the Bcc line is not sent: the count is of the message as it went (before stuffing)
    const sent = Buffer.byteLength(msg) - "Bcc: c@z.test\r\n".length;
    assertProgress(log, sent, true);
    assert.deepEqual(log.told, [128 * KIB, 256 * KIB, 384 * KIB, sent]);
    assert.equal(sink.messages.length, 1);
  } finally {
    await sink.close();
  }
});

/** A stream of `count` chunks of `each` bytes, calling `before(i)` before yielding chunk `i`. */
async function* chunksThen(count: number, each: number, before: (i: number) => void): AsyncGenerator<Buffer> {
  for (let i = 0; i < count; i++) {
    before(i);
    await new Promise((resolve) => setImmediate(resolve));
    yield lines(each);
  }
}

for (const [way, extensions] of WAYS) {
  test(`onProgress (${way}): a call aborted mid-stream is never told the whole size, nor anything after it rejects`, async () => {
    const sink = await messageSink(extensions);
    try {
      // aborted by the stream before its 4th chunk, and by onProgress itself at its 3rd report
      for (const by of ["stream", "onProgress"] as const) {
        const client = await SMTP.connect("127.0.0.1", sink.port);
        const controller = new AbortController();
        const log = progressLog();
        const onProgress = abortingAt(log, controller, by === "onProgress" ? 3 : 0);
        const body = chunksThen(8, 300 * KIB, (i) => { if (by === "stream" && i === 3) controller.abort(new Error("stop")); });
        await assert.rejects(log.watch(client.sendmail("a@x.test", "b@y.test", body, [], [], { onProgress, signal: controller.signal })), /stop/);
        await quiesce();
        client.close();
        assertProgress(log, 8 * 300 * KIB, false, `${way}, by ${by}`);
      }
      assert.equal(sink.messages.length, 0);
    } finally {
      await sink.close();
    }
  });

  test(`onProgress (${way}): a call whose stream fails mid-way is never told the whole size, nor anything after it rejects`, async () => {
    const sink = await messageSink(extensions);
    try {
      const client = await SMTP.connect("127.0.0.1", sink.port);
      const log = progressLog();
      const body = chunksThen(8, 300 * KIB, (i) => { if (i === 3) throw new Error("disk gone"); });
      await assert.rejects(log.watch(client.sendmail("a@x.test", "b@y.test", body, [], [], { onProgress: log.onProgress })), /disk gone/);
      await quiesce();
      client.close();
      assertProgress(log, 8 * 300 * KIB, false, way);
    } finally {
      await sink.close();
    }
  });
}

const REFUSED_BODY = "line one\r\nline two\r\n";
const REFUSED_DATA = `${greeting(["PIPELINING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\nS: 250 ok\nS: 250 ok\nS: 354 go\nC: line one\nC: line two\nC: .\nS: 554 5.6.0 no thanks\n`;
const REFUSED_BDAT = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT 20 LAST\nC! line one\\r\\nline two\\r\\n\nS: 250 ok\nS: 250 ok\nS: 554 5.6.0 no thanks\n`;
for (const [way, script, stream] of [["DATA", REFUSED_DATA, false], ["BDAT", REFUSED_BDAT, false], ["DATA, streamed", REFUSED_DATA, true], ["BDAT, streamed", REFUSED_BDAT, true]] as const) {
  test(`onProgress (${way}): a message refused after its data (5xx to the end of data) was still told its whole size, and the call rejects`, async () => {
    const log = progressLog();
    await withScript(script, async (client) => {
      const msg = stream ? Readable.from(["line one\r\n", "line two\r\n"]) : REFUSED_BODY;
      await assert.rejects(log.watch(client.sendmail("a@x.test", "b@y.test", msg, [], [], { onProgress: log.onProgress })), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 554);
    });
    await quiesce();
    assertProgress(log, 20, true, way);
  });
}

test("onProgress (DATA): a large message in memory aborted by onProgress at its 2nd piece, or closed by it at its 1st: never told the whole size, nor anything after", async () => {
  const sink = await messageSink(["PIPELINING"]);
  try {
    for (const by of ["abort", "close"] as const) {
      const client = await SMTP.connect("127.0.0.1", sink.port);
      const controller = new AbortController();
      const log = progressLog();
      const aborting = abortingAt(log, controller, by === "abort" ? 2 : 0);
      const onProgress = (n: number): void => {
        aborting(n);
        if (by === "close") client.close();
      };
      await assert.rejects(log.watch(client.sendmail("a@x.test", "b@y.test", lines(1000 * KIB), [], [], { onProgress, signal: controller.signal })), by === "abort" ? /stop/ : SMTPServerDisconnected);
      await quiesce();
      client.close();
      assertProgress(log, 1000 * KIB, false, by);
      assert.deepEqual(log.told, by === "abort" ? [128 * KIB, 256 * KIB] : [128 * KIB], by);
    }
    assert.equal(sink.messages.length, 0);
  } finally {
    await sink.close();
  }
});

test("onProgress: a connection closed by the server mid-stream: the call rejects, never told the whole size", async () => {
  const script = `${greeting(["PIPELINING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\nS: 250 ok\nS: 250 ok\nS: 354 go\n-- pause\n-- destroy\n`;
  const log = progressLog();
  await withScript(script, async (client) => {
    const body = chunksThen(40, 256 * KIB, () => undefined);
    await assert.rejects(log.watch(client.sendmail("a@x.test", "b@y.test", body, [], [], { onProgress: log.onProgress })), SMTPServerDisconnected);
    await quiesce();
  });
  assertProgress(log, 40 * 256 * KIB, false);
});
