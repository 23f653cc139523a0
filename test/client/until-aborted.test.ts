/**
 * `untilAborted` with a signal already aborted rejects with its reason at once and leaves
 * the promise it was given: should that promise reject later (a caller's stream errored by
 * the same abort), its rejection must not be unhandled, which would end the process.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as tick } from "node:timers/promises";
import { untilAborted } from "../../src/client/abortable.js";

test("untilAborted: an aborted signal's reason, and the dropped promise's later rejection is handled", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  try {
    let fail!: (err: Error) => void;
    const pending = new Promise<never>((_, reject) => (fail = reject));
    const reason = new Error("aborted by the caller");
    await assert.rejects(untilAborted(pending, AbortSignal.abort(reason)), (err) => err === reason);
    fail(new Error("the stream errored too"));
    await tick();
    await tick();
    assert.deepEqual(unhandled, []);
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }
});
