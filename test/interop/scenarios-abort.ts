// Interop scenarios for cancelling: a call aborted with its message half written closes the
// connection without ending the data, so the server stores nothing (README "Cancelling").
import { randomUUID } from "node:crypto";
import { Readable } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { SMTPClient } from "./api.js";
import { SENDER, bigBody, check, describe, message, openPlain, sendAndCheck, type Context, type Scenario } from "./kit.js";

/** Bytes of the streamed message; the abort comes once {@link ABORT_AFTER} of them are sent. */
const SIZE = 30 << 20;
const ABORT_AFTER = 2 << 20;

/**
 * What must hold after a message cut off part way (by an `event`, "abort" or "timeout"): the
 * connection closed (NOOP rejects with `closedBy`), nothing stored under `token` (a server
 * that took the half message as a whole one would have stored it by now), and a new
 * connection delivering as usual. Returns that delivery's summary.
 */
async function cutOff(ctx: Context, c: SMTPClient, token: string, { closedBy, event, message: what, orReason }: { closedBy: abstract new (...args: never[]) => Error; event: string; message: string; orReason?: Error }): Promise<string> {
  const after = await c.noop().then(() => "answered", (err: unknown) => err);
  // A connection whose own signal was aborted may refuse later calls with its reason.
  check(after instanceof closedBy || (orReason !== undefined && after === orReason), `the connection was not closed after the ${event}: NOOP ${after === "answered" ? "answered" : describe(after)}`);
  await sleep(1500);
  const stored = await ctx.server.box.scan(token);
  check(stored.length === 0, `the ${what} message was stored ${stored.length} time(s)`);
  return sendAndCheck(ctx, { token: randomUUID(), subject: `after the ${event}` });
}

/**
 * Streams a 30 MB message and aborts the call (its own `signal`) once 2 MB are sent: the
 * call must reject with the signal's reason, the connection must be closed, nothing must be
 * stored under the message's token, and a new connection must deliver as usual.
 */
async function abortMidMessage(ctx: Context, chunking: boolean, by: "call" | "connection" = "call"): Promise<string> {
  const token = randomUUID();
  const to = [ctx.server.rcpts[0]];
  const bytes = Buffer.from(message({ token, to, subject: "aborted", body: bigBody(SIZE) }), "utf8");
  async function* pieces(): AsyncGenerator<Uint8Array> {
    for (let at = 0; at < bytes.length; at += 64 * 1024) yield bytes.subarray(at, at + 64 * 1024);
  }
  const controller = new AbortController();
  // The connection's own `signal` option, or the call's.
  const c = await openPlain(ctx, undefined, by === "connection" ? { chunking, signal: controller.signal } : { chunking });
  const reason = new Error("interop: stop this message");
  let sent = 0;
  const outcome = await c.sendmail(SENDER, to, pieces(), [], [], {
    ...(by === "call" ? { signal: controller.signal } : {}),
    onProgress: (n) => {
      sent = n;
      if (n >= ABORT_AFTER) controller.abort(reason);
    },
  }).then(() => "resolved", (err: unknown) => err);
  check(outcome === reason, `the aborted call did not reject with the signal's reason: ${outcome === "resolved" ? "it resolved" : describe(outcome)}`);
  check(sent < bytes.length, `the whole message was sent (${sent} bytes) before the abort`);
  const next = await cutOff(ctx, c, token, { closedBy: ctx.lib.SMTPException, event: "abort", message: "aborted", orReason: reason });
  return `${by === "connection" ? "the connection's signal: " : ""}aborted after ${(sent / 2 ** 20).toFixed(1)} MiB of ${(bytes.length / 2 ** 20).toFixed(0)} MiB, nothing stored; next message: ${next}`;
}

/**
 * Streams a message from a `Readable` that stops after 256 KiB (never ended) with
 * `timeouts.dataBlock` 1.5 s: the call must reject with SMTPTimeoutError (phase
 * `dataBlock`), the stream be destroyed, the connection closed, nothing stored, and a new
 * connection deliver as usual (README "Streams": a stream that yields nothing for
 * `timeouts.dataBlock`).
 */
async function stalledStream(ctx: Context, chunking: boolean): Promise<string> {
  const Timeout = ctx.lib["SMTPTimeoutError"];
  check(typeof Timeout === "function", "the library exports no SMTPTimeoutError");
  const token = randomUUID();
  const to = [ctx.server.rcpts[0]];
  const body = new Readable({ read() {} });
  body.push(Buffer.from(message({ token, to, subject: "stalled", body: bigBody(256 * 1024) }), "utf8"));
  const c = await openPlain(ctx, undefined, { chunking, timeouts: { dataBlock: 1500 } });
  const outcome = await c.sendmail(SENDER, to, body).then(() => "resolved", (err: unknown) => err);
  check(outcome instanceof (Timeout as abstract new () => Error),
    `expected SMTPTimeoutError, got ${outcome === "resolved" ? "a resolved call" : describe(outcome)}`);
  const phase = (outcome as { phase?: unknown }).phase;
  check(phase === "dataBlock", `timeout phase ${String(phase)}, expected dataBlock`);
  check(body.destroyed, "the stalled stream was not destroyed");
  const next = await cutOff(ctx, c, token, { closedBy: ctx.lib.SMTPServerDisconnected, event: "timeout", message: "stalled" });
  return `${describe(outcome).slice(0, 80)}; nothing stored; next message: ${next}`;
}

export const abortScenarios: Scenario[] = [
  {
    id: "abort-mid-data",
    title: "a 30 MB streamed message (DATA) aborted by its signal after 2 MB: rejects with the reason, connection closed, nothing stored, next message delivered",
    notOffered: () => undefined,
    timeoutMs: 60_000,
    run: (ctx) => abortMidMessage(ctx, false),
  },
  {
    id: "abort-mid-bdat",
    title: "the same with CHUNKING (BDAT): no BDAT LAST, nothing stored",
    notOffered: (s) => (s.offers.chunking ? undefined : "no CHUNKING"),
    timeoutMs: 60_000,
    run: (ctx) => abortMidMessage(ctx, true),
  },
  {
    id: "abort-connection-signal",
    title: "the same 30 MB streamed message aborted by the connection's `signal` option (SMTP.connect's, not the call's) after 2 MB: rejects with the reason, connection closed, nothing stored, next message delivered",
    notOffered: () => undefined,
    timeoutMs: 60_000,
    run: (ctx) => abortMidMessage(ctx, ctx.server.offers.chunking, "connection"),
  },
  {
    id: "timeout-stalled-stream",
    title: "a streamed message whose source stalls after 256 KiB, timeouts.dataBlock 1.5 s (DATA): SMTPTimeoutError phase dataBlock, stream destroyed, connection closed, nothing stored, next message delivered",
    notOffered: () => undefined,
    timeoutMs: 40_000,
    run: (ctx) => stalledStream(ctx, false),
  },
  {
    id: "timeout-stalled-stream-bdat",
    title: "the same with CHUNKING (BDAT): no BDAT LAST, nothing stored",
    notOffered: (s) => (s.offers.chunking ? undefined : "no CHUNKING"),
    timeoutMs: 40_000,
    run: (ctx) => stalledStream(ctx, true),
  },
];
