// ProgressMeter alone: what it tells, and a caller's function that misbehaves in every way.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { ProgressMeter } from "../../src/client/progress-meter.js";

/** The SMTPLIB_ON_PROGRESS warnings emitted while `run` runs (and the ticks after it). */
async function warningsOf(run: () => void): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (w: Error): void => {
    if ((w as { code?: string }).code === "SMTPLIB_ON_PROGRESS") seen.push(w.message);
  };
  process.on("warning", onWarning);
  try {
    run();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
  }
  return seen;
}

test("ProgressMeter: sent() adds and tells, an empty piece tells nothing, finish() tells the total once", () => {
  const told: number[] = [];
  const meter = new ProgressMeter((n) => told.push(n));
  meter.read(10);
  meter.sent(10);
  meter.sent(0);
  meter.read(5);
  meter.finish();
  meter.finish();
  assert.deepEqual(told, [10, 15]);
  const empty: number[] = [];
  new ProgressMeter((n) => empty.push(n)).finish();
  assert.deepEqual(empty, [0]);
});

test("ProgressMeter: a returned thenable whose then cannot be read is the one warning, not a throw", async () => {
  const hostile = { get then(): never { throw new Error("then getter broke"); } };
  const meter = new ProgressMeter(() => hostile as unknown as void);
  const warnings = await warningsOf(() => {
    meter.sent(1);
    meter.sent(1);
  });
  assert.equal(warnings.length, 1, warnings.join("\n"));
  assert.match(warnings[0]!, /then getter broke/);
});

test("ProgressMeter: a caller's function that returns null, a number or a string is not a thenable: no warning", async () => {
  for (const value of [null, 5, "done"]) {
    const meter = new ProgressMeter(() => value as unknown as void);
    const warnings = await warningsOf(() => meter.sent(1));
    assert.deepEqual(warnings, [], String(value));
  }
});
