// handleInterrupts (src/cli/interrupts.ts), the one pair of SIGINT/SIGTERM handlers of `send`
// and `probe`: the first signal goes to the command, a second one quits at once with 130 and
// the command's line, whichever command it is; once the command has ended, a signal exits at once
// with its exit code (the handlers used to be removed then, and Node's default killed the process).
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

test("once stopped, a signal exits at once with the exit code already set (no argument to process.exit), says nothing, and calls no command's handler", (t) => {
  const exits: unknown[][] = [];
  t.mock.method(process, "exit", (...args: unknown[]) => void exits.push(args));
  const firsts: string[] = [];
  const lines: string[] = [];
  const stop = handleInterrupts((signal) => firsts.push(signal), () => "again", (text) => lines.push(text));
  stop();
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.emit(signal, signal);
  assert.deepEqual([firsts, lines, exits], [[], [], [[], []]]);
});

test("one listener each for SIGINT and SIGTERM, however many commands have run: the latest running one takes the signal", (t) => {
  t.mock.method(process, "exit", () => undefined);
  handleInterrupts(() => undefined, () => "", () => undefined)();
  const before = [process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")];
  const firsts: string[] = [];
  const stopA = handleInterrupts(() => firsts.push("a"), () => "", () => undefined);
  stopA();
  const stopB = handleInterrupts(() => firsts.push("b"), () => "", () => undefined);
  stopA(); // a late stop of an earlier command leaves the running one in place
  try {
    assert.deepEqual([process.listenerCount("SIGINT"), process.listenerCount("SIGTERM")], before);
    process.emit("SIGINT", "SIGINT");
    assert.deepEqual(firsts, ["b"]);
  } finally {
    stopB();
  }
});
