// `smtplib send --file FIFO`: a named pipe read as the message. A writer that stops writing
// but keeps the FIFO open (a stalled producer) must not keep send alive once it has failed:
// it exits 7 (the message could not be read), as for a stalled stdin, and the server gets no
// message; a writer that closes mid-line (no final newline) ends the message, as a file's end.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { children, run, Serve, tempDirs } from "../helpers/cli-process.js";

const posixOnly = { skip: process.platform === "win32" };

/** A new FIFO in a temporary directory (removed when the file's tests end). */
async function newFifo(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "smtplib-fifo-"));
  tempDirs.push(dir);
  const fifo = join(dir, "message.eml");
  execFileSync("mkfifo", [fifo]);
  return fifo;
}

/**
 * A shell that opens `fifo` for writing (which waits for a reader), writes `text`, then
 * either closes it (`hold` false) or becomes a `sleep` that keeps it open, writing nothing.
 */
function writer(fifo: string, text: string, hold: boolean): ChildProcess {
  const script = `exec 3>"$0"; printf '%s' "$1" >&3; ${hold ? "exec sleep 60" : "exec 3>&-"}`;
  const child = spawn("sh", ["-c", script, fifo, text], { stdio: "ignore" });
  children.add(child);
  return child;
}

test("send --file FIFO whose writer stalls mid-message, the FIFO held open: exit 7 within --timeout while the writer still holds it; the server gets no message", posixOnly, async () => {
  const serve = await Serve.start([]);
  const fifo = await newFifo();
  const held = writer(fifo, "Subject: stalled\r\n\r\nthe first line, then nothing\r\n", true);
  try {
    const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--timeout", "1000", "--file", fifo]);
    assert.equal(r.code, 7, `${r.signal ?? ""} ${r.stderr}`);
    assert.equal(r.stderr, "smtplib: cannot read the message: nothing more came from it within 1000 ms (--timeout)\n");
    assert.equal(held.exitCode, null, "the writer still holds the FIFO open");
    assert.equal(held.signalCode, null);
    assert.doesNotMatch(serve.stdout, /end of message/);
  } finally {
    held.kill("SIGKILL");
    children.delete(held);
    await serve.stop();
  }
});

test("send --file FIFO whose writer closes it mid-line (no final newline): that is the message's end; what was written is sent, as from a file", posixOnly, async () => {
  const serve = await Serve.start([]);
  const fifo = await newFifo();
  const closing = writer(fifo, "Subject: cut\r\n\r\nline one\r\nno newline at the end", false);
  try {
    const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", fifo]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "delivered <b@x.test>: 250 2.6.0 OK: message queued\nsent to 1 of 1 recipient(s)\n");
    await serve.waitFor(/end of message 1/);
    assert.match(serve.stdout, /\r\nline one\r\nno newline at the end\r\n/);
    if (closing.exitCode === null) await once(closing, "exit");
  } finally {
    children.delete(closing);
    await serve.stop();
  }
});

test("send --file FIFO that no writer ever opens: exit 7 once the message is due and --timeout passes (it no longer waits for a writer forever)", posixOnly, async () => {
  const serve = await Serve.start([]);
  const fifo = await newFifo();
  try {
    const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--timeout", "1000", "--file", fifo]);
    assert.equal(r.code, 7, `${r.signal ?? ""} ${r.stderr}`);
    assert.equal(r.stderr, "smtplib: cannot read the message: nothing came from it within 1000 ms (--timeout)\n", "nothing came at all: not 'nothing more'");
    assert.doesNotMatch(serve.stdout, /end of message/);
  } finally {
    await serve.stop();
  }
});

test("send --file FIFO held open by its writer, --password-env naming no variable: exit 2 at once (the open FIFO does not keep send alive)", posixOnly, async () => {
  const fifo = await newFifo();
  const held = writer(fifo, "Subject: held\r\n\r\nwaiting\r\n", true);
  try {
    const r = await run(["send", "--server", "127.0.0.1:1", "--from", "a@x.test", "--to", "b@x.test", "--user", "u", "--password-env", "SMTPLIB_TEST_UNSET", "--file", fifo]);
    assert.equal(r.code, 2, `${r.signal ?? ""} ${r.stderr}`);
    // the name is not shown (it may be the password: see send-user.test.ts)
    assert.equal(r.stderr, "smtplib: the environment variable named by --password-env is not set (the name given is not shown: it may be the password, typed there by mistake): give the name of a variable that holds the password, and export it\n");
    assert.equal(held.exitCode, null, "the writer still holds the FIFO open");
  } finally {
    held.kill("SIGKILL");
    children.delete(held);
  }
});
