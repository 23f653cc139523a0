// `smtplib serve | head -1`: its stdout a real pipe (a shell's, not the socket pair a Node
// parent gives a child), whose reader exits after the first line. At its next write (a
// client connecting) the server finds the pipe closed (EPIPE) and stops, quietly (nothing
// on stderr), with 141: the status a shell gives a tool that a closed pipe ends (128 +
// SIGPIPE, as `yes | head`), which `set -o pipefail` sees. It exited 0, as if stopped on
// purpose.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { closeSync, openSync } from "node:fs";
import { connect } from "node:net";
import { children, LIMIT_MS, MAIN, Serve, whenOutput } from "../helpers/cli-process.js";

/** Single-quoted for sh. */
const sh = (s: string): string => `'${s.replace(/'/g, "'\\''")}'`;

test("serve | head -1: at its next write the server finds its output closed and exits 141, saying nothing", { skip: process.platform === "win32" ? "POSIX sh" : false }, async () => {
  // Its own process group: the serve under sh is stopped with it however the test ends.
  const script = `{ ${sh(process.execPath)} ${sh(MAIN)} serve --port 0; echo "serve exit $?" >&2; } | { head -1; echo "head exited" >&2; }`;
  const child = spawn("sh", ["-c", script], { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  try {
    await whenOutput(child.stdout, () => /listening on 127\.0\.0\.1:\d+/.test(stdout), LIMIT_MS, () => `no listening line: ${stdout} ${stderr}`);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(stdout)![1]);
    // head has read its line and gone: the pipe has no reader now
    await whenOutput(child.stderr, () => stderr.includes("head exited\n"), LIMIT_MS, () => `head did not exit: ${stderr}`);
    // a client: its session's transcript is the server's next write
    const client = connect(port, "127.0.0.1");
    client.on("error", () => undefined);
    client.on("data", () => undefined);
    await whenOutput(child.stderr, () => /serve exit \d+\n/.test(stderr), LIMIT_MS, () => `serve did not exit: ${stderr}`);
    client.destroy();
    assert.equal(stderr, "head exited\nserve exit 141\n");
    assert.equal(stdout.split("\n").length, 2, stdout); // head's one line
  } finally {
    try {
      process.kill(-child.pid!, "SIGKILL");
    } catch {
      // the group has exited
    }
  }
});

// Output that fails otherwise (a full disk: ENOSPC, here /dev/full) stops it too, and says
// so on stderr: exit 1, not 0 as if it had been stopped on purpose.
test("serve > /dev/full: its first write fails (ENOSPC), it says the output is lost and exits 1", { skip: process.platform !== "linux" ? "/dev/full" : false }, async () => {
  const full = openSync("/dev/full", "w");
  const child = spawn(process.execPath, [MAIN, "serve", "--port", "0"], { stdio: ["ignore", full, "pipe"] });
  closeSync(full);
  children.add(child);
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  children.delete(child);
  assert.deepEqual([code, signal], [1, null], stderr);
  assert.equal(stderr, "smtplib: cannot write to stdout, its output is lost: ENOSPC: no space left on device, write\n");
});

// Ctrl-C in a shell reaches the whole pipeline (`serve | head`): the reader gone, the line
// saying it closes fails with EPIPE. The signal is why it stops: exit 0, as for Ctrl-C alone.
test("serve: SIGINT first, then its output found closed while it says so: exit 0 (the signal is why it stopped)", async () => {
  const serve = await Serve.start();
  serve.child.stdout!.destroy(); // the reader gone: "SIGINT, closing" fails with EPIPE
  assert.equal(await serve.stop("SIGINT"), 0, serve.stderr);
  assert.doesNotMatch(serve.stderr, /EPIPE|Error|at /);
});
