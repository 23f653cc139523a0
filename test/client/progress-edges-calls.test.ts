// onProgress across calls: LMTP's deliver to several recipients (DATA and BDAT), many
// pipelined calls in flight on one connection, a callback that always throws, and a pool
// call that runs again on another connection after its first one went unused.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import net from "node:net";
import { Readable } from "node:stream";
import { LMTP, SMTP, SMTPPool } from "../../src/index.js";
import { messageSink } from "../helpers/message-sink.js";
import { onLines } from "../helpers/lines.js";
import { abortingAt, assertProgress, progressLog, quiesce } from "../helpers/progress-log.js";

const KIB = 1024;
const lines = (n: number): Buffer => Buffer.alloc(n, `.${"y".repeat(77)}\r\n`);
const TO = ["r1@y.test", "r2@y.test", "r3@y.test"];

for (const [way, extensions] of [
  ["DATA, pipelined", ["PIPELINING"]], ["DATA, lock-step", []], ["BDAT, pipelined", ["PIPELINING", "CHUNKING"]], ["BDAT, lock-step", ["CHUNKING"]],
] as const) {
  test(`onProgress (LMTP, ${way}): deliver of a stream to several recipients rises to its size, told it once`, async () => {
    const sink = await messageSink(extensions, { lmtp: true });
    try {
      const client = await LMTP.connect("127.0.0.1", sink.port);
      try {
        for (const chunks of [Array.from({ length: 6 }, (_, i) => lines(100 * KIB + i)), [lines(700)]]) {
          const size = chunks.reduce((n, c) => n + c.length, 0);
          const log = progressLog();
          const delivery = await log.watch(client.deliver("a@x.test", TO, Readable.from(chunks), [], [], { onProgress: log.onProgress, size }));
          await quiesce();
          assert.deepEqual([...delivery.delivered.keys()], TO, way);
          assertProgress(log, size, true, way);
          assert.equal(log.told.filter((n) => n === size).length, 1, way);
        }
      } finally {
        await client.quit();
      }
      assert.equal(sink.messages.length, 2);
    } finally {
      await sink.close();
    }
  });
}

for (const [way, extensions] of [["DATA", ["PIPELINING"]], ["BDAT", ["PIPELINING", "CHUNKING"]]] as const) {
  test(`onProgress (${way}): many pipelined calls in flight on one connection each hear only of their own message`, async () => {
    const sink = await messageSink(extensions);
    try {
      const client = await SMTP.connect("127.0.0.1", sink.port);
      try {
        // sizes all different, so that a report of another call's bytes would show
        const sizes = Array.from({ length: 16 }, (_, i) => (i % 4 === 0 ? 10 * KIB + i : (200 + 37 * i) * KIB + i));
        const logs = sizes.map(() => progressLog());
        await Promise.all(sizes.map((size, i) => {
          const msg = i % 2 === 0 ? lines(size) : Readable.from(Array.from({ length: 5 }, (_, k) => lines(Math.floor(size / 5) + (k === 4 ? size % 5 : 0))));
          return logs[i]!.watch(client.sendmail(`s${i}@x.test`, "b@y.test", msg, [], [], { onProgress: logs[i]!.onProgress }));
        }));
        await quiesce();
        sizes.forEach((size, i) => assertProgress(logs[i]!, size, true, `call ${i}`));
      } finally {
        await client.quit();
      }
      assert.equal(sink.messages.length, 16);
    } finally {
      await sink.close();
    }
  });
}

test("onProgress that throws on every call: one warning per call, each message delivered, the connection still serving the next call", async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on("warning", onWarning);
  const sink = await messageSink(["PIPELINING", "CHUNKING"]);
  try {
    const client = await SMTP.connect("127.0.0.1", sink.port);
    let calls = 0;
    const broken = (): void => {
      calls++;
      throw new Error(`bar broke ${calls}`);
    };
    const streamed = (): Readable => Readable.from(Array.from({ length: 6 }, () => lines(200 * KIB)));
    // three calls in flight, then one more on the same connection
    const refused = await Promise.all([streamed(), lines(400 * KIB), streamed()].map((msg) => client.sendmail("a@x.test", "b@y.test", msg, [], [], { onProgress: broken })));
    assert.deepEqual(refused, [new Map(), new Map(), new Map()]);
    assert.ok(calls > 6, `${calls} reports`);
    const log = progressLog();
    await log.watch(client.sendmail("a@x.test", "b@y.test", lines(1000), [], [], { onProgress: log.onProgress }));
    assert.deepEqual(log.told, [1000]);
    await client.quit();
    assert.equal(sink.messages.length, 4);
    await quiesce();
    const ours = warnings.filter((w) => (w as { code?: string }).code === "SMTPLIB_ON_PROGRESS");
    assert.equal(ours.length, 3, ours.map((w) => w.message).join("\n"));
  } finally {
    process.off("warning", onWarning);
    await sink.close();
  }
});

/**
 * A server whose first connection closes with a 421: at once (`greeting`), or answering
 * EHLO (PIPELINING) and then the first command after it (`mail`). Every later connection
 * is passed through to `port`.
 */
async function busyAtFirst(port: number, at: "greeting" | "mail"): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    if (count++ === 0) {
      if (at === "greeting") sock.end("421 4.3.2 busy\r\n");
      else {
        sock.write("220 busy ESMTP\r\n");
        onLines(sock, (line) => void (line.startsWith("EHLO") ? sock.write("250-busy\r\n250 PIPELINING\r\n") : sock.end("421 4.3.2 going down\r\n")));
      }
      return;
    }
    const upstream = net.connect(port, "127.0.0.1");
    sockets.add(upstream);
    upstream.on("error", () => sock.destroy());
    sock.on("close", () => upstream.destroy());
    upstream.on("close", () => sock.destroy());
    sock.pipe(upstream).pipe(sock);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    connections: () => count,
    async close() {
      for (const sock of sockets) sock.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

for (const extensions of [["PIPELINING"], ["PIPELINING", "CHUNKING"]]) {
  test(`onProgress (pool, ${extensions.join("+")}): calls run again on another connection after the first closed before any of them was written: told once, rising, to their sizes`, async () => {
    for (const at of ["greeting", "mail"] as const) {
      const sink = await messageSink(extensions);
      const proxy = await busyAtFirst(sink.port, at);
      const pool = new SMTPPool({ host: "127.0.0.1", port: proxy.port, maxConnections: 1, maxInFlight: 4 });
      try {
        // at "mail", the first call's MAIL is answered 421: it fails, told nothing; the
        // others, queued behind it on that connection, run again on the next one
        const sizes = [200, 300 * KIB, 3000, 500 * KIB];
        const logs = sizes.map(() => progressLog());
        const results = await Promise.allSettled(sizes.map((size, i) => logs[i]!.watch(pool.sendmail("a@x.test", "b@y.test", i % 2 === 0 ? lines(size) : Readable.from([lines(size / 2), lines(size / 2)]), [], [], { onProgress: logs[i]!.onProgress }))));
        await quiesce();
        assert.equal(proxy.connections(), 2, at);
        const first = at === "greeting" ? 0 : 1;
        if (first === 1) {
          assert.equal(results[0]!.status, "rejected", at);
          assert.deepEqual(logs[0]!.told, [], at);
        }
        sizes.slice(first).forEach((size, k) => {
          const i = k + first;
          assert.equal(results[i]!.status, "fulfilled", `${at} call ${i}`);
          assertProgress(logs[i]!, size, true, `${at} call ${i}`);
          assert.equal(logs[i]!.told.filter((n) => n === size).length, 1);
        });
        assert.equal(sink.messages.length, sizes.length - first, at);
      } finally {
        await pool.close();
        await proxy.close();
        await sink.close();
      }
    }
  });
}

test("onProgress that throws what cannot be made a string, or returns a rejected promise: a warning each, never a torn or crashed call", async () => {
  const warnings: Error[] = [];
  const rejections: unknown[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  const onRejection = (reason: unknown): void => void rejections.push(reason);
  process.on("warning", onWarning);
  process.on("unhandledRejection", onRejection);
  const sink = await messageSink(["PIPELINING"]);
  try {
    const client = await SMTP.connect("127.0.0.1", sink.port);
    const hostile = [
      (): void => { throw Object.create(null) as Error; }, // String() of it throws
      (): void => { throw Object.defineProperty(new Error(), "message", { get(): string { throw new Error("no message"); } }); },
      async (): Promise<void> => { await Promise.resolve(); throw new Error("async bar broke"); },
    ];
    for (const onProgress of hostile) {
      const refused = await client.sendmail("a@x.test", "b@y.test", Readable.from([lines(100 * KIB), lines(100 * KIB)]), [], [], { onProgress: onProgress as (sent: number) => void });
      assert.deepEqual(refused, new Map());
    }
    await client.quit();
    await quiesce();
    assert.equal(sink.messages.length, 3);
    assert.deepEqual(rejections, []);
    const ours = warnings.filter((w) => (w as { code?: string }).code === "SMTPLIB_ON_PROGRESS").map((w) => w.message);
    assert.equal(ours.length, 3, ours.join("\n"));
    assert.match(ours[2]!, /async bar broke/);
  } finally {
    process.off("warning", onWarning);
    process.off("unhandledRejection", onRejection);
    await sink.close();
  }
});

test("onProgress: a pipelined call aborted mid-stream closes the connection; the calls queued behind it are told nothing", async () => {
  const sink = await messageSink(["PIPELINING", "CHUNKING"]);
  try {
    const client = await SMTP.connect("127.0.0.1", sink.port);
    const controller = new AbortController();
    const logs = [progressLog(), progressLog(), progressLog()];
    const stopping = abortingAt(logs[0]!, controller, 2);
    const calls = [
      client.sendmail("a@x.test", "b@y.test", Readable.from(Array.from({ length: 8 }, () => lines(300 * KIB))), [], [], { onProgress: stopping, signal: controller.signal }),
      client.sendmail("a@x.test", "b@y.test", lines(500), [], [], { onProgress: logs[1]!.onProgress }),
      client.sendmail("a@x.test", "b@y.test", Readable.from([lines(500)]), [], [], { onProgress: logs[2]!.onProgress }),
    ].map((call, i) => logs[i]!.watch(call));
    const results = await Promise.allSettled(calls);
    await quiesce();
    client.close();
    assert.deepEqual(results.map((r) => r.status), ["rejected", "rejected", "rejected"]);
    assertProgress(logs[0]!, 8 * 300 * KIB, false);
    assert.deepEqual([logs[1]!.told, logs[2]!.told], [[], []]);
    assert.equal(sink.messages.length, 0);
  } finally {
    await sink.close();
  }
});
