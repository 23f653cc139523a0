// `smtplib send` with stdin a file already partly read (`{ head -c 100 >/dev/null; smtplib
// send ...; } < file`): the message is what follows, so SIZE= and the size reported are
// what is left of the file from stdin's position, not the whole file's size (which could be
// over the server's SIZE limit for a message that fits it).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFile } from "node:child_process";
import { LIMIT_MS, MAIN, Serve, tempFile } from "../helpers/cli-process.js";

const linuxOnly = { skip: process.platform !== "linux" };

/** Runs bash `command` with $NODE, $MAIN and `env` (killed after LIMIT_MS); its exit code and output. */
function bash(command: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("bash", ["-c", command], { env: { ...process.env, NODE: process.execPath, MAIN, ...env }, timeout: LIMIT_MS, killSignal: "SIGKILL" }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === "number" ? err.code : null, stdout, stderr });
    });
  });
}

test("send with stdin a file read past its first 100 bytes: SIZE= and the size reported are the 60 bytes left, and a server whose SIZE (150) the whole file (160) is over takes it", linuxOnly, async () => {
  const skipped = `X-Skipped: ${"x".repeat(87)}\r\n`; // 100 bytes, read by head
  const message = `Subject: offset\r\n\r\n${"y".repeat(39)}\r\n`; // 60 bytes: the message
  assert.equal(Buffer.byteLength(skipped), 100);
  assert.equal(Buffer.byteLength(message), 60);
  const file = await tempFile("offset.eml", skipped + message);
  const serve = await Serve.start(["--size", "150"]);
  try {
    const r = await bash('{ head -c 100 >/dev/null; exec "$NODE" "$MAIN" send -v --server "127.0.0.1:$PORT" --from a@x.test --to b@x.test; } < "$FILE"', { PORT: String(serve.port), FILE: file });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stderr, /^C: MAIL FROM:<a@x\.test> SIZE=60$/m);
    assert.equal(r.stdout, "delivered <b@x.test>: 250 2.6.0 OK: message queued\nsent to 1 of 1 recipient(s) (60 bytes)\n");
    await serve.waitFor(/end of message 1/);
    assert.match(serve.stdout, /Subject: offset/);
    assert.doesNotMatch(serve.stdout, /X-Skipped/);
  } finally {
    await serve.stop();
  }
});
