// `smtplib send` sends a file with CRLF line ends (a Unix file's LFs made CRLF, an unended
// last line ended), so it goes out larger than the file: SIZE= (RFC 1870) declares the bytes
// that go, not the file's length, or a server whose limit lies between the two took MAIL and
// refused the message only once it had all of it. The CLI's own guard against a message
// over the server's limit (a pipe has no size) counts those bytes too.
import { describe, test } from "node:test";
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { openSync, closeSync } from "node:fs";
import { children, LIMIT_MS, MAIN, run, Serve, tempFile, type Done } from "../helpers/cli-process.js";

/** A message with LF line ends, a lone CR and an unended last line. */
const LF_MESSAGE = Buffer.from("From: a@x.test\nTo: b@x.test\nSubject: lf\n\nline one\rline two\n.dot\nlast", "latin1");
/** Its length as sent: every line end CRLF, the last line ended. */
const SENT = LF_MESSAGE.length + 9;

/** Runs `smtplib ...args` with stdin redirected from `file` (a regular file, not a pipe). */
async function runFromFile(args: string[], file: string): Promise<Done> {
  const fd = openSync(file, "r");
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: [fd, "pipe", "pipe"] });
  closeSync(fd);
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => { stdout += d.toString(); });
  child.stderr!.on("data", (d: Buffer) => { stderr += d.toString(); });
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  const [code, signal] = (await once(child, "close")) as [number | null, NodeJS.Signals | null];
  clearTimeout(timer);
  children.delete(child);
  return { code, signal, stdout, stderr };
}

/** The SIZE= of the MAIL command in a -v transcript. */
function declared(stderr: string): number | undefined {
  const m = /C: MAIL FROM:<a@x\.test> SIZE=(\d+)/.exec(stderr);
  return m === null ? undefined : Number(m[1]);
}

describe("smtplib send: SIZE= is the size of the message as sent", { concurrency: 1 }, () => {
  test("a file with LF line ends declares its size with CRLF ones; a server whose limit lies between the two refuses it at MAIL, before any of it is sent", async () => {
    const file = await tempFile("lf.eml", LF_MESSAGE);
    const tight = await Serve.start(["--size", String(SENT - 1), "--quiet"]);
    const exact = await Serve.start(["--size", String(SENT), "--quiet"]);
    try {
      const args = (port: number): string[] => ["send", "--server", `127.0.0.1:${port}`, "--from", "a@x.test", "--to", "b@x.test", "--file", file, "-v", "--no-chunking"];
      const refused = await run(args(tight.port));
      assert.equal(declared(refused.stderr), SENT, refused.stderr);
      // MAIL refused (DATA, pipelined, finds no transaction): none of the message was sent
      assert.match(refused.stderr, /smtplib: sender <a@x\.test> refused: 552 /);
      assert.equal(refused.code, 4);
      const sent = await run(args(exact.port));
      assert.equal(sent.code, 0, sent.stderr);
      assert.equal(declared(sent.stderr), SENT, sent.stderr);
      assert.match(sent.stdout, new RegExp(`sent to 1 of 1 recipient\\(s\\) \\(${SENT} bytes\\)\\n$`));
      await exact.waitFor(new RegExp(`message 1 \\(${SENT} bytes`));
    } finally {
      await tight.stop();
      await exact.stop();
    }
  });

  test("stdin redirected from a file declares its size with CRLF line ends; a CRLF file's unended last line counts its CRLF; BODY=BINARYMIME declares the file's length", async () => {
    const serve = await Serve.start(["--chunking", "--quiet"]);
    try {
      const base = ["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "-v"];
      const lf = await runFromFile(base, await tempFile("stdin.eml", LF_MESSAGE));
      assert.equal(lf.code, 0, lf.stderr);
      assert.equal(declared(lf.stderr), SENT, lf.stderr);
      const unended = Buffer.from("Subject: crlf\r\n\r\nbody\r\nno end", "latin1");
      const crlf = await run([...base, "--file", await tempFile("unended.eml", unended)]);
      assert.equal(crlf.code, 0, crlf.stderr);
      assert.equal(declared(crlf.stderr), unended.length + 2, crlf.stderr);
      const binary = await run([...base, "--mail-option", "BODY=BINARYMIME", "--file", await tempFile("bin.eml", LF_MESSAGE)]);
      assert.equal(binary.code, 0, binary.stderr);
      assert.match(binary.stderr, new RegExp(`C: MAIL FROM:<a@x\\.test> SIZE=${LF_MESSAGE.length} BODY=BINARYMIME`));
    } finally {
      await serve.stop();
    }
  });

  test("from a pipe (no size), the CLI stops a message whose CRLF line ends take it past the server's limit, though its bytes read are within it", async () => {
    const serve = await Serve.start(["--size", String(SENT - 1), "--quiet"]);
    try {
      const piped = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--no-chunking"], { input: LF_MESSAGE.toString("latin1") });
      assert.equal(piped.code, 4, piped.stderr);
      assert.match(piped.stderr, new RegExp(`^smtplib: the message is larger than the server's limit \\(SIZE ${SENT - 1} bytes\\)`));
    } finally {
      await serve.stop();
    }
  });
});
