// handleInterrupts (src/cli/interrupts.ts), the one pair of SIGINT/SIGTERM handlers of `send`
// and `probe`: the first signal goes to the command, a second one quits at once with 130 and
// the command's line, whichever command it is; and the handlers go when the command ends.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { handleInterrupts } from "../../src/cli/interrupts.js";

test("the first signal goes to the command; a second, SIGINT or SIGTERM, says its line and exits 130", (t) => {
  const exits: unknown[] = [];
  t.mock.method(process, "exit", (code?: number) => void exits.push(code));
  const firsts: string[] = [];
  const lines: string[] = [];
  const stop = handleInterrupts((signal) => firsts.push(signal), (signal) => `again by ${signal}`, (text) => lines.push(text));
  try {
    process.emit("SIGTERM", "SIGTERM");
    assert.deepEqual([firsts, lines, exits], [["SIGTERM"], [], []]);
    process.emit("SIGINT", "SIGINT");
    assert.deepEqual([firsts, lines, exits], [["SIGTERM"], ["again by SIGINT"], [130]]);
  } finally {
    stop();
  }
});

test("once stopped, the handlers are gone (Node's own again)", () => {
  const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
  const stop = handleInterrupts(() => undefined, () => "", () => undefined);
  assert.deepEqual([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")], [before[0]! + 1, before[1]! + 1]);
  stop();
  assert.deepEqual([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")], before);
});
