/**
 * Chaos test: many concurrent calls on ONE `SMTP` instance against a scripted, hostile and
 * flaky server (127.0.0.1, port 0) that advertises PIPELINING (and, per seed, CHUNKING
 * and/or SIZE) and answers each command by a seeded random plan: accept, refuse (4xx/5xx),
 * refuse DATA or the end of data, 421 and close, close without a reply, stall (the client's
 * short `timeouts` fire), replies split in odd chunks, delayed or multi-line (some with
 * mixed codes); some seeds' servers offer no PIPELINING and check that the client waits for
 * each reply; body streams as async iterables or Node Readables, some of which stall halfway.
 *
 * Every reply the server sends ends with a unique "#serial", recorded with the command it
 * answered and the call that command belonged to (each call has its own sender
 * s<id>@x.test, recipients r<id>-<k>@y.test and body token TOKEN-<id>), so the test can
 * check that each reply a call reports is one the server sent to that call's commands.
 *
 * Invariants checked after every round (all calls awaited with allSettled, bounded):
 * - no call hangs;
 * - a resolved sendmail/deliver was accepted by the server exactly once, with the exact
 *   body, and reports exactly the recipients the server refused, with the server's replies;
 * - a message the server accepted is never reported as a failure, except with
 *   SMTPServerDisconnected (outcome unknown) or the call's own abort after it had started;
 * - SMTPSenderRefused / SMTPRecipientsRefused / SMTPDataError carry replies the server sent
 *   to that call's MAIL / RCPT / DATA-or-end-of-data;
 * - a call rejected as never started sent nothing; an aborted call whose abort came
 *   before the server saw its MAIL was not delivered;
 * - a call without a signal never fails with another call's abort reason;
 * - no message is accepted twice, no transaction holds another call's bytes;
 * - a call whose message the server accepted, failing with SMTPServerDisconnected, says the
 *   message may have been delivered; a stalled body stream is never delivered nor resolved;
 * - (odd seeds) nothing is written once a 421 has been read; never a body before DATA's 354.
 *
 * 16 seeds by default (the file stays under ~20 s); CHAOS_SEEDS=1-90 runs more.
 *
 * Deterministic plans: every random decision comes from a seeded PRNG, drawn in the order
 * commands arrive (which the client fixes); aborts are triggered by server events, not timers.
 *
 * Environment: CHAOS_SEEDS=1,2,3 or 100-200 (other seeds), CHAOS_NO_ABORT=1 (no AbortSignals),
 * CHAOS_STATS=1 (outcome counts, time per seed), CHAOS_TIMING=1, CHAOS_LOG=1 (server transcript
 * of a failing seed).
 *
 * The harness lives in test/helpers: chaos-client-server.ts (the server),
 * chaos-client-run.ts (a seed's rounds of calls), chaos-client-invariants.ts (the checks)
 * and chaos-client-model.ts (the records they share).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { runSeed } from "../helpers/chaos-client-run.js";

/** Seeds run by default; CHAOS_SEEDS=1,2,3 or CHAOS_SEEDS=100-200 replaces them. */
function seeds(): number[] {
  const env = process.env.CHAOS_SEEDS;
  if (!env) return Array.from({ length: 16 }, (_, i) => i + 1);
  const range = /^(\d+)-(\d+)$/.exec(env);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  return env.split(",").map(Number);
}

test("chaos: concurrent calls on one SMTP client against a hostile, flaky pipelining server", { timeout: Math.max(120_000, seeds().length * 4000) }, async () => {
  const all: string[] = [];
  const totals: Record<string, number> = {};
  for (const seed of seeds()) {
    const t0 = performance.now();
    const { problems, stats, log } = await runSeed(seed);
    if (process.env.CHAOS_STATS) console.log(`seed ${seed}: ${Math.round(performance.now() - t0)} ms`);
    for (const [k, v] of Object.entries(stats)) totals[k] = (totals[k] ?? 0) + v;
    if (problems.length > 0 && process.env.CHAOS_LOG) console.log(log.join("\n"));
    all.push(...problems);
  }
  if (process.env.CHAOS_STATS) console.log(totals);
  assert.equal(all.length, 0, `${all.length} invariant violations:\n${all.join("\n")}`);
});
