// Output that cannot be written for a reason other than a closed pipe (a full disk: ENOSPC,
// here /dev/full as stdout) is dropped as a closed pipe's is: the command runs to its end and
// exits with its own code, saying on stderr that its output is lost, not crashing with a stack
// trace and exit 1 (after send had delivered the message, which a script would then resend).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync } from "node:fs";
import { children, LIMIT_MS, MAIN, MESSAGE, Serve } from "../helpers/cli-process.js";

/** Runs `smtplib ...args` with stdout on /dev/full (every write fails with ENOSPC); its exit and stderr. */
async function runToFullDisk(args: string[], input = ""): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  const full = openSync("/dev/full", "w");
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ["pipe", full, "pipe"] });
  closeSync(full);
  children.add(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
  child.stdin!.end(input);
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  children.delete(child);
  return { code, signal, stderr };
}

const LOST = "smtplib: cannot write to stdout, its output is lost: ENOSPC: no space left on device, write\n";

test("send and probe whose stdout is a full disk exit with their own code, saying the output is lost, without a stack trace", async () => {
  const serve = await Serve.start(["--refuse-recipient", "nobody@x.test"]);
  try {
    const send = await runToFullDisk(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--to", "nobody@x.test"], MESSAGE);
    assert.deepEqual(send, { code: 3, signal: null, stderr: LOST });
    await serve.waitFor(/end of message 1/);
    const probe = await runToFullDisk(["probe", `127.0.0.1:${serve.port}`]);
    assert.deepEqual(probe, { code: 0, signal: null, stderr: LOST });
  } finally {
    await serve.stop();
  }
});

// Exit 1 since 2d0da12: an output that fails (not one closed by its reader, 141) is an error.
test("serve whose stdout is a full disk stops (exit 1) saying why, without a stack trace", async () => {
  assert.deepEqual(await runToFullDisk(["serve", "--port", "0"]), { code: 1, signal: null, stderr: LOST });
});
