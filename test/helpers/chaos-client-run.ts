/**
 * One seed of the client chaos test (test/client/chaos.test.ts): rounds of concurrent calls
 * on one SMTP client against the seeded server, each call's outcome checked.
 */

import { Readable } from "node:stream";
import { LMTP, SMTP, SMTPServerDisconnected } from "../../src/index.js";
import { LOCAL } from "./client.js";
import { mulberry32 } from "./prng.js";
import { CallAbort, StreamBoom, type AbortMode, type Call, type Kind, type Profile } from "./chaos-client-model.js";
import { ChaosServer } from "./chaos-client-server.js";
import { checkCall } from "./chaos-client-invariants.js";
import { watchWire } from "./chaos-wire-watch.js";

/** Call `id`'s message: lines carrying TOKEN-<id> (some dot-led), padded to `big` bytes when `big` > 0. */
export function makeBody(id: number, rng: () => number, big: number): Buffer {
  const lines = [`Message-ID: <m${id}@chaos.test>`, `Subject: chaos ${id}`, ""];
  const n = 1 + Math.floor(rng() * 6);
  for (let i = 0; i < n; i++) {
    const dot = rng() < 0.3 ? "." : "";
    lines.push(`${dot}TOKEN-${id} line ${i} ${"x".repeat(Math.floor(rng() * 40))}`);
  }
  if (big > 0) {
    const filler = `TOKEN-${id} ${"y".repeat(60)}`;
    for (let size = lines.join("\r\n").length; size < big; size += filler.length + 2) lines.push(filler);
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n`, "latin1");
}

/** `bytes` as a stream cut at seeded points, one piece a turn of the event loop. */
export async function* streamOf(bytes: Buffer, rng: () => number): AsyncGenerator<Uint8Array> {
  let off = 0;
  // Cut points drawn up front, so the plan does not depend on when the stream is read.
  const cuts: number[] = [];
  while (off < bytes.length) {
    off += 1 + Math.floor(rng() * Math.min(bytes.length, 70000));
    cuts.push(Math.min(off, bytes.length));
  }
  let at = 0;
  for (const cut of cuts) {
    await new Promise((r) => setImmediate(r));
    yield bytes.subarray(at, cut);
    at = cut;
  }
}

/** A body stream that yields part of the message, then never yields again (nor ends). */
export async function* stallingStream(bytes: Buffer, rng: () => number): AsyncGenerator<Uint8Array> {
  const cut = Math.floor(rng() * bytes.length);
  await new Promise((r) => setImmediate(r));
  if (cut > 0) yield bytes.subarray(0, cut);
  await new Promise(() => undefined);
}

/** A body stream that yields part of the message, then fails. */
export async function* failingStream(call: Call, rng: () => number): AsyncGenerator<Uint8Array> {
  const cut = Math.floor(rng() * call.body.length);
  await new Promise((r) => setImmediate(r));
  if (cut > 0) yield call.body.subarray(0, cut);
  await new Promise((r) => setImmediate(r));
  throw new StreamBoom(call.id);
}

/** A seed's violations, outcome counts and server transcript. */
export interface RunResult {
  problems: string[];
  stats: Record<string, number>;
  log: string[];
}

/**
 * Runs one seed: a fresh server and client, rounds of concurrent calls, every call checked.
 * `lmtp`: an LMTP client and server (the profile is otherwise drawn as for SMTP).
 */
export async function runSeed(seed: number, { lmtp = false } = {}): Promise<RunResult> {
  const rng = mulberry32(seed);
  const profile: Profile = {
    chunking: rng() < 0.5,
    size: rng() < 0.5,
    pFatal: 0.002 + rng() * 0.008,
    keepSender: rng() < 0.5,
    freeze: rng() < 0.5,
    pMailRefuse: rng() * 0.25,
    pRcptRefuse: rng() * 0.5,
    pDataRefuse: rng() * 0.15,
    pEndRefuse: rng() * 0.2,
    pSplit: rng() * 0.4,
    pSlow: rng() * 0.1,
    pMulti: rng() * 0.2,
    p354Anyway: rng() < 0.3 ? 0.5 : 0,
    lmtp,
    // Drawn apart, so that the other choices of each seed stay as they were before it.
    pMixed: mulberry32(seed ^ 0x3d1ced)() * 0.5,
    pipelining: mulberry32(seed ^ 0x919e)() >= 0.25,
    pCoalesce: mulberry32(seed ^ 0xc0a1)() * 0.6,
  };
  const server = new ChaosServer(seed, profile);
  await server.listen();
  const problems: string[] = [];
  // No promise of the library's left rejected unhandled, no exception thrown from a callback.
  const onUnhandled = (reason: unknown): void => { problems.push(`unhandled rejection: ${String(reason)}`); };
  const onUncaught = (err: unknown): void => { problems.push(`uncaught exception: ${String(err)}`); };
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUncaught);
  // Odd seeds watch the wire (which turns off the reuse of write buffers: see WriteBuffers).
  const wire = seed % 2 === 1 ? watchWire(problems, server.log) : undefined;
  const client = new (lmtp ? LMTP : SMTP)({
    localHostname: LOCAL, diagnoseTLS: false, ...wire?.options,
    timeouts: { connect: 1000, greeting: 500, command: 250, dataInitiation: 250, dataBlock: 250, dataTermination: 250 },
  });
  if (wire) wire.client = client;
  const stats: Record<string, number> = {};
  const count = (k: string): void => { stats[k] = (stats[k] ?? 0) + 1; };
  const usedSerials = new Set<number>();
  let nextId = 1;
  const controllers = new Map<number, Call>();
  /** Reconnects when the connection has gone; concurrent callers share one attempt. */
  let reconnecting: Promise<void> | null = null;
  /** Connection attempts so far (a call made in one epoch that fails in the same saw no new connection). */
  let epoch = 0;
  const ensureConnected = (): Promise<void> => {
    if (client.connected) return Promise.resolve();
    if (!reconnecting) epoch++;
    reconnecting ??= client.connect("127.0.0.1", server.port).then(() => { count("connects"); }).finally(() => { reconnecting = null; });
    return reconnecting;
  };
  // Server events trigger aborts (deterministic: no timers).
  server.hook = (ev) => {
    for (const call of controllers.values()) {
      if (call.abortedAt !== undefined) continue;
      const fire = (call.abort === "ehlo" && ev.verb === "EHLO")
        || (call.abort === "mail" && ev.verb === "MAIL" && ev.call === call.id)
        || (call.abort === "end" && (ev.verb === "." || ev.verb === "BDAT LAST") && ev.call === call.id)
        || (call.abort === "rcpt" && ev.verb === "RCPT" && ev.call === call.id)
        || (call.abort === "data" && (ev.verb === "DATA" || ev.verb === "BDAT" || ev.verb === "BDAT LAST") && ev.call === call.id)
        || (call.abort === "other-mail" && ev.verb === "MAIL" && ev.call !== null && ev.call > call.id);
      if (fire) {
        call.abortedAt = server.seq;
        call.controller!.abort(new CallAbort(call.id));
      }
    }
  };
  try {
    const rounds = 6;
    for (let round = 0; round < rounds; round++) {
      if (!client.connected) {
        const tc = performance.now();
        try {
          await ensureConnected();
          if (process.env.CHAOS_TIMING) console.log(`  connect ${Math.round(performance.now() - tc)} ms`);
        } catch (err) {
          count("connect failures");
          if (!(err instanceof SMTPServerDisconnected)) problems.push(`connect: ${String(err)}`);
          continue;
        }
      }
      const calls: Call[] = [];
      // Now and then a burst: past the 128 transactions a pipelining client leaves unread.
      const n = rng() < 0.08 ? 140 : 2 + Math.floor(rng() * 10);
      for (let i = 0; i < n; i++) {
        const id = nextId++;
        const r = rng();
        const kind: Kind = r < 0.27 ? "sendmail" : r < 0.4 ? "bytes" : r < 0.53 ? "stream" : r < 0.7 ? "deliver"
          : r < 0.74 ? "large" : r < 0.76 ? "bigstream" : r < 0.82 ? "noop" : r < 0.88 ? "rset" : r < 0.93 ? "stream-error" : "late";
        const nr = 1 + Math.floor(rng() * 3);
        const rcpts = Array.from({ length: nr }, (_, k) => `r${id}-${k}@y.test`);
        const big = kind === "large" ? 150_000 : kind === "bigstream" ? 300_000 : 0;
        const body = makeBody(id, rng, big);
        let abort: AbortMode = "none";
        if ((kind === "deliver" || kind === "stream" || kind === "bigstream") && !process.env.CHAOS_NO_ABORT) {
          const a = rng();
          abort = a < 0.55 ? "none" : a < 0.65 ? "pre" : a < 0.75 ? (i === 0 ? "ehlo" : "mail") : a < 0.85 ? "mail" : a < 0.93 ? "end" : "other-mail";
        }
        // Drawn apart, so that the other choices of each seed stay as they were before them:
        // a stream's variant; aborts at the call's RCPT or DATA (sendmail's too).
        const va = mulberry32(seed * 31337 + id);
        const v = va();
        const w = va();
        if (abort === "mail" && w < 0.5) abort = w < 0.25 ? "rcpt" : "data";
        if ((kind === "sendmail" || kind === "bytes") && w < 0.2 && !process.env.CHAOS_NO_ABORT) abort = w < 0.07 ? "mail" : w < 0.14 ? "rcpt" : "data";
        const call: Call = { id, kind, rcpts, body, abort };
        if (kind === "stream" || kind === "bigstream") call.variant = v < 0.25 ? "readable" : v < 0.33 ? "stall" : undefined;
        if (abort !== "none") {
          call.controller = new AbortController();
          controllers.set(id, call);
        }
        calls.push(call);
      }
      for (const [index, call] of calls.entries()) {
        const from = `s${call.id}@x.test`;
        const signal = call.controller?.signal;
        const opts = signal ? { signal } : {};
        let p: Promise<unknown>;
        try {
          switch (call.kind) {
            case "sendmail": p = client.sendmail(from, call.rcpts, call.body.toString("latin1"), [], [], opts); break;
            case "bytes": case "large": p = client.sendmail(from, call.rcpts, new Uint8Array(call.body), [], [], opts); break;
            case "deliver": p = client.deliver(from, call.rcpts, call.body, [], [], opts); break;
            case "stream": case "bigstream": {
              const chunks = (call.variant === "stall" ? stallingStream : streamOf)(call.body, mulberry32(seed * 7919 + call.id));
              p = client.deliver(from, call.rcpts, call.variant === "readable" ? Readable.from(chunks) : chunks, [], [], { ...opts, size: call.body.length });
              break;
            }
            case "stream-error": p = client.deliver(from, call.rcpts, failingStream(call, mulberry32(seed * 7919 + call.id)), [], [], { size: call.body.length }); break;
            case "late": {
              // Made once the call before it has settled, reconnecting first when the
              // connection has gone (other calls of the round may still be in flight).
              const before = calls[index - 1]?.promise ?? Promise.resolve();
              p = before.catch(() => undefined).then(async () => {
                await ensureConnected();
                return client.sendmail(from, call.rcpts, call.body);
              });
              break;
            }
            case "noop": p = client.noop(); break;
            case "rset": p = client.rset(); break;
          }
        } catch (err) {
          p = Promise.reject(err);
        }
        // A call that fails for a lost connection leaves none open (unless one was opened since).
        const made = epoch;
        p.catch((err: unknown) => {
          if (err instanceof SMTPServerDisconnected && made === epoch && client.connected) problems.push(`call ${call.id} (${call.kind}) failed with "${err.message}", and the client still says it is connected`);
        });
        call.promise = p;
        if (call.abort === "pre") {
          call.abortedAt = server.seq;
          call.controller!.abort(new CallAbort(call.id));
        }
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      const bound = new Promise<"hang">((resolve) => { timer = setTimeout(() => resolve("hang"), 8000); });
      const all = Promise.allSettled(calls.map((c) => c.promise!)).then((results) => {
        results.forEach((res, i) => { calls[i]!.settled = res; });
        return "done" as const;
      });
      const tr = performance.now();
      const outcome = await Promise.race([all, bound]);
      if (process.env.CHAOS_TIMING) console.log(`seed ${seed} round ${round}: ${calls.length} calls ${Math.round(performance.now() - tr)} ms, connected=${client.connected}`);
      clearTimeout(timer);
      if (outcome === "hang") {
        // Record which ones hung; settle the rest.
        for (const c of calls) {
          void c.promise!.then((v) => { c.settled = { status: "fulfilled", value: v }; }, (e: unknown) => { c.settled = { status: "rejected", reason: e }; });
        }
        await new Promise((r) => setImmediate(r));
        const hung = calls.filter((c) => c.settled === undefined).map((c) => `${c.id}(${c.kind},abort=${c.abort})`);
        problems.push(`round ${round}: calls never settled within 8 s: ${hung.join(", ")}`);
        client.close();
        break;
      }
      // What the client wrote may still be in flight to the server when it gave up on the connection.
      const ti = performance.now();
      if (!client.connected) await server.idle(1000);
      if (process.env.CHAOS_TIMING) console.log(`  idle wait ${Math.round(performance.now() - ti)} ms open=${server.openCount}`);
      else await new Promise((r) => setTimeout(r, 5));
      for (const call of calls) {
        controllers.delete(call.id);
        checkCall(server, call, usedSerials, problems, count, lmtp, profile.chunking);
      }
    }
  } finally {
    const tf = performance.now();
    client.close();
    wire?.stop();
    await server.close();
    await new Promise((r) => setTimeout(r, 5));
    process.off("unhandledRejection", onUnhandled);
    process.off("uncaughtException", onUncaught);
    if (process.env.CHAOS_TIMING) console.log(`  final close ${Math.round(performance.now() - tf)} ms`);
  }
  // What the server itself saw go wrong (a MAIL sent twice, a reply not waited for).
  problems.push(...server.problems);
  // Global: no message accepted twice, no bytes of one call in another's transaction.
  for (const [id, rec] of server.calls) {
    if (rec.accepted > 1) problems.push(`call ${id}: accepted ${rec.accepted} times`);
    for (const b of rec.bodies) {
      for (const m of b.toString("latin1").matchAll(/TOKEN-(\d+)/g)) {
        if (Number(m[1]) !== id) {
          problems.push(`call ${id}: its transaction carried bytes of call ${m[1]}`);
          break;
        }
      }
    }
  }
  return { problems: problems.map((p) => `seed ${seed}: ${p}`), stats, log: server.log };
}
