// SIGINT/SIGTERM before any command has begun: while Node loads the CLI's modules (before
// `main` runs), during the synchronous parsing of the command line, and for `serve` until it
// listens. Node's default had them there: the process killed by the signal, saying nothing
// (a shell saw 143 for SIGTERM, which no command lists). The bin (src/cli/main.ts) now takes
// the signals first and loads the rest after: `send` and `probe` exit 130 saying nothing was
// sent (the probe did not finish), `serve` 0, its code for a signal, saying it stopped
// before listening.
//
// Each moment is too short to hit from outside, so a preload holds it open: it says "held"
// on stderr and keeps the process there, and the test then sends the signal.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { execFileSync, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { LIMIT_MS, start, tempFile, whenOutput, type Started } from "../helpers/cli-process.js";

/**
 * A loader hook (in its own thread) that holds the loading of the module whose URL ends with
 * `suffix` for a minute, once "held" is said. (No "?" in a data: URL: the query starts there.)
 */
function holdLoad(suffix: string): string {
  return "data:text/javascript,import{register}from'node:module';register(\"data:text/javascript,import{writeSync}from'node:fs';"
    + `export async function load(u,c,n){if(u.endsWith('${suffix}')){writeSync(2,'held\\\\n');await new Promise((y)=>setTimeout(y,60000))}return n(u,c)}")`;
}

/**
 * Holds the main thread inside the command line's parsing, in `path.resolve` of a path ending
 * in held.sock (an LMTP socket given to --server): once "held" is said, it blocks in a
 * synchronous open of the FIFO named by HOLD_FIFO until a writer opens it (see {@link release}).
 */
const HOLD_PARSE = "data:text/javascript,import path from'node:path';import{closeSync,openSync,writeSync}from'node:fs';import{syncBuiltinESMExports}from'node:module';"
  + "const resolve=path.resolve;path.resolve=(...a)=>{if(String(a[a.length-1]).endsWith('held.sock')){writeSync(2,'held\\n');closeSync(openSync(process.env.HOLD_FIFO,'r'))}return resolve(...a)};syncBuiltinESMExports()";

/**
 * Lets a process held by {@link HOLD_PARSE} go on: a writer that opens the FIFO, whenever the
 * reader is there. (Opening it here with O_NONBLOCK fails at once when the held process is
 * not in its open() at that instant: while the signal's handler runs, before the open is
 * restarted.) The returned function stops the writer.
 */
function release(fifo: string): () => void {
  const opener = spawn("sh", ["-c", 'exec 3> "$0"; exec sleep 30', fifo], { stdio: "ignore" });
  return () => void opener.kill();
}

/** Waits until `run` says "held", sends `signal`, starts `then` (stopped at the end), and returns how it ended. */
async function interruptHeld(run: Started, signal: NodeJS.Signals, then: () => () => void = () => () => undefined): Promise<Awaited<Started["done"]>> {
  await whenOutput(run.child.stderr!, () => run.output.stderr.includes("held\n"), LIMIT_MS, () => `not held:\n${run.output.stdout}${run.output.stderr}`);
  run.child.kill(signal);
  const stop = then();
  try {
    return await run.done;
  } finally {
    stop();
  }
}

/** The arguments of a `send` that would connect nowhere (port 1 on loopback), its message given. */
const SEND = ["send", "--server", "127.0.0.1:1", "--from", "a@x.test", "--to", "b@x.test", "--subject", "s"];

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`send, ${signal} while Node loads the CLI's modules (before main runs): exit 130 and a line, not killed by the signal`, async () => {
    const send = start(SEND, { nodeArgs: ["--import", holdLoad("/cli/args.js")] });
    const { code, signal: killedBy, stdout, stderr } = await interruptHeld(send, signal);
    assert.deepEqual({ code, killedBy }, { code: 130, killedBy: null }, stderr);
    assert.equal(stdout, "");
    assert.equal(stderr, `held\nsmtplib: interrupted by ${signal}: nothing was sent\n`);
  });

  test(`serve, ${signal} while Node loads the CLI's modules: exit 0 (serve's code for a signal) and a line saying it stopped before listening`, async () => {
    const serve = start(["serve", "--port", "0"], { nodeArgs: ["--import", holdLoad("/cli/args.js")] });
    const { code, signal: killedBy, stdout, stderr } = await interruptHeld(serve, signal);
    assert.deepEqual({ code, killedBy }, { code: 0, killedBy: null }, stderr);
    assert.equal(stdout, "");
    assert.equal(stderr, `held\nsmtplib serve: ${signal} before listening, stopped\n`);
  });

  test(`send, ${signal} during the synchronous parsing of its command line: exit 130 and a line, not killed by the signal`, async () => {
    const fifo = join(dirname(await tempFile("unused", "")), "hold.fifo");
    execFileSync("mkfifo", [fifo]);
    const send = start(["send", "--lmtp", "--server", join(dirname(fifo), "held.sock"), "--from", "a@x.test", "--to", "b@x.test", "--subject", "s"], { nodeArgs: ["--import", HOLD_PARSE], env: { HOLD_FIFO: fifo } });
    const { code, signal: killedBy, stdout, stderr } = await interruptHeld(send, signal, () => release(fifo));
    assert.deepEqual({ code, killedBy }, { code: 130, killedBy: null }, stderr);
    assert.equal(stdout, "");
    assert.equal(stderr, `held\nsmtplib: interrupted by ${signal}: nothing was sent\n`);
  });

  test(`serve, ${signal} after parsing, before it listens (loading the server): exit 0 and a line saying it stopped before listening`, async () => {
    const serve = start(["serve", "--port", "0"], { nodeArgs: ["--import", holdLoad("/cli/serve.js")] });
    const { code, signal: killedBy, stdout, stderr } = await interruptHeld(serve, signal);
    assert.deepEqual({ code, killedBy }, { code: 0, killedBy: null }, stderr);
    assert.equal(stdout, "");
    assert.equal(stderr, `held\nsmtplib serve: ${signal} before listening, stopped\n`);
  });
}

test("probe, SIGTERM while Node loads the CLI's modules: exit 130 and its line", async () => {
  const probe = start(["probe", "127.0.0.1:1"], { nodeArgs: ["--import", holdLoad("/cli/args.js")] });
  const { code, signal: killedBy, stdout, stderr } = await interruptHeld(probe, "SIGTERM");
  assert.deepEqual({ code, killedBy }, { code: 130, killedBy: null }, stderr);
  assert.equal(stdout, "");
  assert.equal(stderr, "held\nsmtplib: interrupted by SIGTERM: the probe did not finish\n");
});

test("no command (--version), SIGTERM while Node loads the CLI's modules: exit 130 and a line, not killed by the signal", async () => {
  const version = start(["--version"], { nodeArgs: ["--import", holdLoad("/cli/args.js")] });
  const { code, signal: killedBy, stdout, stderr } = await interruptHeld(version, "SIGTERM");
  assert.deepEqual({ code, killedBy }, { code: 130, killedBy: null }, stderr);
  assert.equal(stdout, "");
  assert.equal(stderr, "held\nsmtplib: interrupted by SIGTERM\n");
});

test("serve that listens takes the signals itself: the line of a stop before listening is not said", async () => {
  const serve = start(["serve", "--port", "0", "--quiet"]);
  await whenOutput(serve.child.stdout!, () => serve.output.stdout.includes("listening on"), LIMIT_MS, () => serve.output.stderr);
  serve.child.kill("SIGTERM");
  const { code, stdout, stderr } = await serve.done;
  assert.equal(code, 0, stderr);
  assert.equal(stderr, "");
  assert.match(stdout, /\nsmtplib serve: SIGTERM, closing \(0 message\(s\) received\)\n$/);
});
