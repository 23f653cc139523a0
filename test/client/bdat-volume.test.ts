/**
 * BDAT transactions written back to back, in volume, against the bench's CHUNKING server
 * (`bench/chunk-sink.ts`, run as its own process): many concurrent calls, some of them over
 * the size past which a call waits for the socket to drain, and more of them than may have
 * unread replies at once. Every message must arrive once, whole: the server's own count
 * of messages and bytes is compared with what was sent.
 */

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { SMTP } from "../../src/index.js";

const SINK = fileURLToPath(new URL("../../bench/chunk-sink.js", import.meta.url));

interface SinkStats {
  messages: number;
  bdatMessages: number;
  bytes: number;
}

/** Starts chunk-sink on a free port; `stop()` ends it and returns its counts. */
async function startSink(): Promise<{ port: number; stop(): Promise<SinkStats> }> {
  const child = spawn(process.execPath, [SINK, "0"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  while (!/listening \d+\n/.test(out)) {
    const [code] = await Promise.race([once(child.stdout, "data"), once(child, "exit")]) as unknown[];
    if (typeof code === "number") throw new Error(`chunk-sink exited with ${code}`);
  }
  const port = Number(/listening (\d+)/.exec(out)![1]);
  return {
    port,
    async stop() {
      // "close", not "exit": the stats line may still be in the pipe when it exits
      const closed = once(child, "close");
      child.kill("SIGTERM");
      await closed;
      const m = /stats (\{.*\})/.exec(out);
      assert.ok(m, `chunk-sink printed no stats: ${out}`);
      return JSON.parse(m[1]!) as SinkStats;
    },
  };
}

/** A message of about `size` bytes whose content names it. */
function message(n: number, size: number): Buffer {
  const head = `Subject: message ${n}\r\n\r\n`;
  const line = `line of message ${n} `.padEnd(76, "x") + "\r\n";
  return Buffer.from(head + line.repeat(Math.max(1, Math.floor((size - head.length) / line.length))), "latin1");
}

test("300 concurrent in-memory BDAT calls (every tenth 100 KiB): each message arrives once, whole", async () => {
  const sink = await startSink();
  let stats: SinkStats | undefined;
  try {
    const client = await SMTP.connect("127.0.0.1", sink.port, { localHostname: "client.test" });
    const messages = Array.from({ length: 300 }, (_, n) => message(n, n % 10 === 0 ? 100 * 1024 : 1024));
    const results = await Promise.allSettled(messages.map((m, n) => client.sendmail("a@x.test", [`r${n}@y.test`], m)));
    const failed = results.filter((r) => r.status === "rejected");
    assert.equal(failed.length, 0, `failed calls: ${failed.map((r) => String((r as PromiseRejectedResult).reason)).slice(0, 3).join("; ")}`);
    for (const r of results) assert.equal(r.status === "fulfilled" && r.value.size, 0);
    await client.quit();
    stats = await sink.stop();
    assert.equal(stats.messages, 300);
    assert.equal(stats.bdatMessages, 300);
    assert.equal(stats.bytes, messages.reduce((sum, m) => sum + m.length, 0));
  } finally {
    if (!stats) await sink.stop().catch(() => undefined);
  }
});
