/**
 * Comparisons for the parity tests (see parity-send.ts): the wire byte for byte or as a set
 * of commands, and each call's outcome with error messages left out (their wording is not
 * Python's; their class and fields are compared).
 */

import assert from "node:assert/strict";
import { normalizeWire, runBoth, type Outcome, type ParityCall, type ParityPlan, type ParityRun } from "./parity-send.js";

/** An outcome without its error's message text. */
export function withoutText(outcome: Outcome): unknown {
  if (!("error" in outcome)) return outcome;
  const { text: _text, ...fields } = outcome.error;
  return { error: fields };
}

/** The commands a wire holds (verbs and arguments, normalised, sorted), message data left out. */
export function commandSet(wire: string): string[] {
  const out: string[] = [];
  let inData = false;
  for (const line of normalizeWire(wire).split("\r\n")) {
    if (inData) {
      inData = line !== ".";
      continue;
    }
    if (line === "") continue;
    out.push(line);
    if (line === "DATA") inData = true;
  }
  return out.sort();
}

/** Asserts that both clients put the same bytes on the wire (API.md's upper-case commands aside). */
export function assertSameWire(py: ParityRun, ts: ParityRun): void {
  assert.equal(normalizeWire(ts.wire), normalizeWire(py.wire));
}

/** Asserts that every call came to the same result, or the same error class and fields. */
export function assertSameOutcomes(py: ParityRun, ts: ParityRun): void {
  assert.deepEqual(ts.outcomes.map(withoutText), py.outcomes.map(withoutText));
}

/**
 * Runs `calls` with both clients against `plan` and asserts the same wire and outcomes.
 * Returns both runs for further checks.
 */
export async function assertParity(plan: ParityPlan, calls: readonly ParityCall[], lmtp = false): Promise<{ py: ParityRun; ts: ParityRun }> {
  const runs = await runBoth(plan, calls, lmtp);
  assertSameWire(runs.py, runs.ts);
  assertSameOutcomes(runs.py, runs.ts);
  return runs;
}

/** The first error outcome's fields (text included), for tests of a documented difference. */
export function errorOf(outcome: Outcome | undefined): Extract<Outcome, { error: unknown }>["error"] {
  assert.ok(outcome !== undefined && "error" in outcome, `expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.error;
}
