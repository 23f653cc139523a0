/**
 * LMTP chaos test: test/client/chaos.test.ts's hostile server and calls, over LMTP (RFC 2033):
 * LHLO, and after the data one reply per recipient accepted at RCPT, each drawn on its own
 * (delivered, refused 5xx/4xx, 421, close or stall before it, delivered then close), so that
 * the connection may go between two recipients' replies.
 *
 * Invariants, besides chaos.test.ts's: a resolved call reports as delivered exactly the
 * recipients the server accepted after the data, and as refused those it refused (at RCPT or
 * after the data, with its reply) and those whose reply never came (code -1, unknown); a call
 * resolves only when someone got the message or may have; SMTPRecipientsRefused only when
 * nobody did.
 *
 * Environment: as chaos.test.ts (CHAOS_SEEDS, CHAOS_LOG, CHAOS_STATS, CHAOS_NO_ABORT).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { runSeed } from "../helpers/chaos-client-run.js";

/** Seeds run by default; CHAOS_SEEDS=1,2,3 or CHAOS_SEEDS=100-200 replaces them. */
function seeds(): number[] {
  const env = process.env.CHAOS_SEEDS;
  if (!env) return Array.from({ length: 10 }, (_, i) => i + 1);
  const range = /^(\d+)-(\d+)$/.exec(env);
  if (range) return Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i);
  return env.split(",").map(Number);
}

test("LMTP chaos: concurrent calls on one LMTP client against a hostile server whose per-recipient replies each have their own fate", { timeout: Math.max(60_000, seeds().length * 4000) }, async () => {
  const all: string[] = [];
  const totals: Record<string, number> = {};
  for (const seed of seeds()) {
    const { problems, stats, log } = await runSeed(seed, { lmtp: true });
    for (const [k, v] of Object.entries(stats)) totals[k] = (totals[k] ?? 0) + v;
    if (problems.length > 0 && process.env.CHAOS_LOG) console.log(log.join("\n"));
    all.push(...problems);
  }
  if (process.env.CHAOS_STATS) console.log(totals);
  assert.equal(all.length, 0, `${all.length} invariant violations:\n${all.join("\n")}`);
});
