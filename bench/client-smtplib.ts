/**
 * Benchmark client: this library (the harness passes its snapshot of dist/, the bundled
 * package users load; without one, build/src/index.js), one job per process.
 *
 * Modes:
 * - `pipelined`: up to `window` `sendmail` calls in flight on each connection (the library
 *   pipelines across transactions when the server offers PIPELINING);
 * - `sequential`: each `sendmail` awaited before the next;
 * - `stream`: one message whose body is an `AsyncIterable<Uint8Array>`;
 * - `pool`: the library's connection pool, when it exists.
 *
 * The library is loaded with a computed specifier so that the benchmarks compile (and the
 * other clients run) while the library is still missing or incomplete; a missing module is
 * reported as `skipped`, not as a failure.
 * @module
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { runJob, type JobResult, type JobSpec, startClock } from "./spec.js";
import { FROM, recipients, streamMessage, streamMessageSize } from "./messages.js";

/** The part of the public API (API.md) that the benchmark uses. */
interface Reply {
  code: number;
  message: string;
}
type Body = string | Uint8Array | AsyncIterable<Uint8Array>;
interface Client {
  sendmail(from: string, to: string | string[], msg: Body, mailOptions?: string[], rcptOptions?: string[]): Promise<Map<string, Reply>>;
  quit(): Promise<Reply>;
  close(): void;
}
interface ClientClass {
  connect(host: string, port?: number, options?: Record<string, unknown>): Promise<Client>;
}
interface Pool {
  sendmail(from: string, to: string | string[], msg: Body): Promise<unknown>;
  close(): Promise<unknown> | unknown;
}
type PoolFactory = (options: Record<string, unknown>) => Pool;

let SRC = new URL("../src/", import.meta.url);

async function load(rel: string): Promise<Record<string, unknown> | undefined> {
  const url = new URL(rel, SRC);
  if (!existsSync(fileURLToPath(url))) return undefined;
  return (await import(pathToFileURL(fileURLToPath(url)).href)) as Record<string, unknown>;
}

function checkRefused(refused: Map<string, Reply>): void {
  if (refused.size > 0) throw new Error(`recipients refused: ${[...refused.keys()].join(", ")}`);
}

/**
 * Runs `count` calls of `start` with at most `window` in flight, waking once per completed
 * call (a counter, not `Promise.race` over the set, which would attach a reaction to every
 * pending call on each wait and cost the harness O(window) microtasks per message).
 * Rejects with the first failure, after every started call has settled.
 */
async function windowed(count: number, window: number, start: () => Promise<void>): Promise<void> {
  let started = 0;
  let settled = 0;
  let failure: unknown;
  let failed = false;
  await new Promise<void>((resolve) => {
    const onSettled = (): void => {
      settled++;
      if (!failed && started < count) launch();
      else if (settled === started) resolve();
    };
    const onError = (err: unknown): void => {
      if (!failed) {
        failed = true;
        failure = err;
      }
      onSettled();
    };
    const launch = (): void => {
      started++;
      start().then(onSettled, onError);
    };
    if (count === 0) resolve();
    while (started < Math.min(window, count)) launch();
  });
  if (failed) throw failure;
}

async function oneConnection(SMTP: ClientClass, spec: JobSpec, msg: Uint8Array, to: string[]): Promise<void> {
  const smtp = await SMTP.connect(spec.host, spec.port, { localHostname: "bench.client", ...spec.libOptions });
  try {
    if (spec.mode === "sequential") {
      for (let i = 0; i < spec.count; i++) checkRefused(await smtp.sendmail(FROM, to, msg));
    } else {
      await windowed(spec.count, Math.max(1, spec.window ?? 64), () => smtp.sendmail(FROM, to, msg).then(checkRefused));
    }
    await smtp.quit();
  } finally {
    smtp.close();
  }
}

async function viaPool(mod: Record<string, unknown>, spec: JobSpec, msg: Uint8Array, to: string[]): Promise<JobResult | undefined> {
  const factory = (mod["createPool"] ?? undefined) as PoolFactory | undefined;
  const PoolClass = (mod["SMTPPool"] ?? mod["Pool"]) as (new (o: Record<string, unknown>) => Pool) | undefined;
  const options = { host: spec.host, port: spec.port, maxConnections: spec.connections, localHostname: "bench.client", ...spec.libOptions };
  const pool = factory ? factory(options) : PoolClass ? new PoolClass(options) : undefined;
  if (!pool) return { ok: false, skipped: "the library exports no pool (createPool / SMTPPool) yet" };
  const total = spec.count * spec.connections;
  const clock = startClock();
  await Promise.all(Array.from({ length: total }, () => pool.sendmail(FROM, to, msg)));
  await pool.close();
  const { elapsedMs, cpuMs } = clock();
  return { ok: true, elapsedMs, cpuMs, messages: total, bytes: total * msg.length };
}

await runJob(async (spec) => {
  if (spec.libDir) SRC = pathToFileURL(spec.libDir.endsWith("/") ? spec.libDir : spec.libDir + "/");
  const mod = await load("index.js");
  if (!mod) return { ok: false, skipped: "build/src/index.js is missing (the client library is not built yet)" };
  const SMTP = mod["SMTP"] as ClientClass | undefined;
  if (!SMTP || typeof SMTP.connect !== "function") return { ok: false, skipped: "build/src/index.js exports no SMTP.connect yet" };
  const to = recipients(spec.rcpts);

  if (spec.mode === "stream") {
    const chunks = spec.streamChunks ?? 0;
    const clock = startClock();
    const smtp = await SMTP.connect(spec.host, spec.port, { localHostname: "bench.client", ...spec.libOptions });
    try {
      checkRefused(await smtp.sendmail(FROM, to, streamMessage(chunks)));
      await smtp.quit();
    } finally {
      smtp.close();
    }
    const { elapsedMs, cpuMs } = clock();
    return { ok: true, elapsedMs, cpuMs, messages: 1, bytes: streamMessageSize(chunks) };
  }

  if (!spec.msgFile) throw new Error("msgFile is required");
  const msg = readFileSync(spec.msgFile);
  if (spec.mode === "pool") {
    const poolMod = mod["createPool"] || mod["SMTPPool"] || mod["Pool"] ? mod : await load("pool/index.js");
    const r = poolMod ? await viaPool(poolMod, spec, msg, to) : undefined;
    return r ?? { ok: false, skipped: "the library has no pool yet" };
  }
  const clock = startClock();
  await Promise.all(Array.from({ length: spec.connections }, () => oneConnection(SMTP, spec, msg, to)));
  const { elapsedMs, cpuMs } = clock();
  const messages = spec.count * spec.connections;
  return { ok: true, elapsedMs, cpuMs, messages, bytes: messages * msg.length };
});
