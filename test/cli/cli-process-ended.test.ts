// The CLI tests read what a child printed once it has ended. Read at its "exit" event, that
// output may still be partly in the pipes: on a loaded machine node can take the exit before
// the last bytes, and the test sees a short stdout or stderr (a missing last line) at random.
// ended() waits for "close", after the exit and the pipes' end; Serve.stop() and the tests'
// own runners wait for it.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { ended } from "../helpers/cli-process.js";

test("ended(): resolves once the child's output is read whole, not at its exit", async () => {
  // sh exits at once; the subshell it leaves holding its stdout prints a second later: at
  // "exit" only "early" has come (deterministically what a slow pipe does by chance)
  const child = spawn("sh", ["-c", "(sleep 1; echo late) & echo early"], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout.on("data", (d: Buffer) => { out += d.toString(); });
  const [code, signal] = await ended(child);
  assert.deepEqual([code, signal], [0, null]);
  assert.equal(out, "early\nlate\n");
});
