// `smtplib send` with its message on a stdin that is left open (`tail -f log | smtplib send`,
// a writer that hangs): send ends once it has failed, and a message that stops coming is
// a message that could not be read (exit 7), not a connection or server failure (5).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { children, LIMIT_MS, MAIN, Serve } from "../helpers/cli-process.js";

/** Runs `smtplib send ...args` with `input` on stdin, which is then left open until the child ends. */
async function sendWithOpenStdin(args: string[], input: string): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, "send", ...args], { stdio: "pipe" });
  children.add(child);
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  try {
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.stdout.resume();
    child.stdin.on("error", () => undefined);
    child.stdin.write(input);
    const [code] = (await once(child, "close")) as [number | null];
    return { code, stderr };
  } finally {
    clearTimeout(timer);
    child.stdin.destroy();
    children.delete(child);
  }
}

test("send: stdin that stalls mid-message for --timeout ends send (it does not wait for stdin to close) with exit 7, the message not read; the server gets no message", async () => {
  const serve = await Serve.start([]);
  try {
    const r = await sendWithOpenStdin(["--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--timeout", "2000"],
      "Subject: stalled\r\n\r\nthe first line, then nothing\r\n");
    assert.equal(r.code, 7, `killed after ${LIMIT_MS} ms while stdin was open? ${r.stderr}`);
    assert.equal(r.stderr, "smtplib: cannot read the message: nothing more came from it within 2000 ms (--timeout)\n");
    assert.doesNotMatch(serve.stdout, /end of message/);
  } finally {
    await serve.stop();
  }
});

test("send: stdin left open with nothing written: exit 7, and the error says nothing came (not 'nothing more')", async () => {
  const serve = await Serve.start([]);
  try {
    const r = await sendWithOpenStdin(["--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--timeout", "1000"], "");
    assert.equal(r.code, 7, `killed after ${LIMIT_MS} ms while stdin was open? ${r.stderr}`);
    assert.equal(r.stderr, "smtplib: cannot read the message: nothing came from it within 1000 ms (--timeout)\n");
    assert.doesNotMatch(serve.stdout, /end of message/);
  } finally {
    await serve.stop();
  }
});

test("send: stdin that stalls inside the header section (held to look for a Bcc field): exit 7, and the error says what came and that the rest of the header section did not", async () => {
  const serve = await Serve.start([]);
  try {
    const r = await sendWithOpenStdin(["--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--timeout", "1000"], "Subject: stalled\r\n");
    assert.equal(r.code, 7, `killed after ${LIMIT_MS} ms while stdin was open? ${r.stderr}`);
    assert.equal(r.stderr, "smtplib: cannot read the message: its first 18 bytes came, but not the rest of its header section within 1000 ms (--timeout), " +
      "which is read whole (to look for a Bcc field) before any of it is sent\n");
    assert.doesNotMatch(serve.stdout, /end of message/);
  } finally {
    await serve.stop();
  }
});
