// The CLI tests' helper writes a child's input into its stdin. A child may rightly stop
// reading and exit before the end (send refuses a message from what it has read ahead, as
// `head` does): the rest of the write then fails with EPIPE. That is the child's choice, told
// by its exit code; the helper threw it as an uncaught error instead, failing a test at random
// (send-8bit, in CI, when the child exited before the pipe had taken the whole input).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, runWithClosedOutput } from "../helpers/cli-process.js";

const BIG = "x".repeat(8 << 20); // far more than a pipe holds: the child exits with most unwritten

test("run(): a child that exits without reading its input ends with its exit code, not an EPIPE error", async () => {
  const done = await run(["--version"], { input: BIG });
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /^\d+\.\d+\.\d+\n$/);
});

test("runWithClosedOutput(): the same, its output closed too", async () => {
  const done = await runWithClosedOutput(["--version"], BIG);
  assert.equal(done.signal, null);
  assert.equal(typeof done.code, "number");
});
