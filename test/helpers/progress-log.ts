/**
 * What a call's `onProgress` was told, and whether it was told anything after the call's
 * promise settled: for tests of the option's contract.
 */

import assert from "node:assert/strict";

/** A recorder of one call's `onProgress` (see {@link progressLog}). */
export interface ProgressLog {
  /** Every value told, in order. */
  readonly told: number[];
  /** Values told after the watched promise settled. */
  readonly late: number[];
  /** The function to give as `onProgress`. */
  readonly onProgress: (sent: number) => void;
  /** Watches `call`: anything told once it has settled is late. Returns `call`. */
  watch<T>(call: Promise<T>): Promise<T>;
}

/** A new {@link ProgressLog}. */
export function progressLog(): ProgressLog {
  const told: number[] = [];
  const late: number[] = [];
  let settled = false;
  return {
    told,
    late,
    onProgress: (sent) => {
      told.push(sent);
      if (settled) late.push(sent);
    },
    watch(call) {
      // The first reaction to the settlement: registered before any of the caller's.
      call.then(() => { settled = true; }, () => { settled = true; });
      return call;
    },
  };
}

/** Lets every pending write, close and report of the calls just settled happen. */
export async function quiesce(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

/**
 * The contract: values rising (each report says more went), none past `size`, none after
 * the call settled; `whole`: the last is `size`; else (a call stopped mid-message) none is.
 */
export function assertProgress(log: ProgressLog, size: number, whole: boolean, label = ""): void {
  const at = `${label}: ${log.told.join(",")}`;
  assert.deepEqual(log.late, [], `told after the call settled ${at}`);
  assert.ok(log.told.every((n, i) => Number.isInteger(n) && n >= 0 && (i === 0 || n > log.told[i - 1]!)), `not rising ${at}`);
  assert.ok(log.told.every((n) => n <= size), `past the size ${size} ${at}`);
  if (whole) assert.equal(log.told.at(-1), size, `last is not the size ${size} ${at}`);
  else assert.ok(!log.told.includes(size), `the whole size told for a message not all sent ${at}`);
}

/** An `onProgress` that records in `log` and aborts `controller` (reason "stop") at report number `at` (from 1). */
export function abortingAt(log: ProgressLog, controller: AbortController, at: number): (sent: number) => void {
  return (sent) => {
    log.onProgress(sent);
    if (log.told.length === at) controller.abort(new Error("stop"));
  };
}
