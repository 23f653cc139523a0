// `smtplib send` given a device as the message (`--file /dev/zero`, `< /dev/urandom`): it has
// no end, so it is a usage error before connecting (/dev/null, an empty message, is not);
// and a pipe that never ends, to a server that advertises SIZE: sending stops once more than
// SIZE bytes came (the server would refuse the message), exit 4, instead of streaming forever.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFile, spawn } from "node:child_process";
import { once } from "node:events";
import { children, LIMIT_MS, MAIN, run, Serve } from "../helpers/cli-process.js";

const posixOnly = { skip: process.platform === "win32" };
const DEVICE = "is a device, not a regular file or a pipe: read as the message, one such as /dev/zero would never end (give a file, a pipe or stdin)\n";

/** Runs bash `command` with $NODE and $MAIN set (killed after LIMIT_MS); its exit code and output. */
function bash(command: string, env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("bash", ["-c", command], { env: { ...process.env, NODE: process.execPath, MAIN, ...env }, timeout: LIMIT_MS, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : null, stdout, stderr });
    });
  });
}

test("send --file /dev/zero or stdin from /dev/zero: a usage error (exit 2) before connecting, saying why; --file /dev/null and < /dev/null still send the empty message", posixOnly, async () => {
  const serve = await Serve.start(["--quiet"]);
  try {
    const base = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test"];
    const file = await run([...base, "--file", "/dev/zero"]);
    assert.equal(file.code, 2, `${file.signal ?? ""} ${file.stderr}`);
    assert.equal(file.stderr, `smtplib: --file /dev/zero ${DEVICE}`);
    const stdin = await bash(`exec "$NODE" "$MAIN" ${base.join(" ")} < /dev/zero`);
    assert.equal(stdin.code, 2, stdin.stderr);
    assert.equal(stdin.stderr, `smtplib: stdin ${DEVICE}`);
    assert.doesNotMatch(serve.stdout, /end of message/, "nothing sent");
    const devNull = await run([...base, "--file", "/dev/null"]);
    assert.equal(devNull.code, 0, devNull.stderr);
    const stdinNull = await bash(`exec "$NODE" "$MAIN" ${base.join(" ")} < /dev/null`);
    assert.equal(stdinNull.code, 0, stdinNull.stderr);
    assert.match(stdinNull.stderr, /the message was empty \(nothing came from stdin\)/);
  } finally {
    await serve.stop();
  }
});

test("send from a pipe that never ends (`yes |`) to a server advertising SIZE: stops once over SIZE, exit 4, says so; the server gets no message", posixOnly, async () => {
  const serve = await Serve.start(["--size", "100000"]);
  const yes = spawn("yes", [], { stdio: ["ignore", "pipe", "ignore"] });
  children.add(yes);
  try {
    const child = spawn(process.execPath, [MAIN, "send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test"], { stdio: [yes.stdout, "pipe", "pipe"] });
    children.add(child);
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
    const [code] = (await once(child, "close")) as [number | null];
    clearTimeout(timer);
    children.delete(child);
    assert.equal(code, 4, stderr);
    assert.match(stderr, /^smtplib: the message is larger than the server's limit \(SIZE 100000 bytes\): sending stopped at \d+ bytes as sent( \(\d+ bytes read\))?, and nobody got it\n$/);
    assert.doesNotMatch(serve.stdout, /end of message|message accepted/);
  } finally {
    yes.kill("SIGKILL");
    children.delete(yes);
    await serve.stop();
  }
});
