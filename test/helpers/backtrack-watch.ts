// Measuring a regular expression's backtracking without a clock: V8 can hand one that
// backtracks more than N times in one match attempt to its linear engine and say so
// (--regexp-backtracks-before-fallback, --trace-experimental-regexp-engine).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

/** What V8 prints when a regular expression went past the limit. */
export const FELL_BACK = /Experimental execution/;

/**
 * Runs `node ...args` with V8 set to leave any regular expression that backtracks more than
 * `limit` times (in one match attempt: a run of n blanks tried at each of its blanks counts
 * up to n per attempt) for its experimental engine, and to say so ({@link FELL_BACK}).
 */
export function underBacktrackWatch(args: string[], limit = 1000): { stdout: string; stderr: string } {
  const child = spawnSync(process.execPath, [
    "--enable-experimental-regexp-engine-on-excessive-backtracks",
    `--regexp-backtracks-before-fallback=${limit}`,
    "--trace-experimental-regexp-engine",
    ...args,
  ], { encoding: "utf8" });
  assert.equal(child.status, 0, child.stderr);
  return child;
}
