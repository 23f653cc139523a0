// `send` and `probe` interrupted (SIGINT, SIGTERM) after the command line is parsed but before
// the command has installed its own handler: while it loads its code, looks at stdin or opens
// the message (a stat that waits, as on a hung network mount). That got Node's default: the
// process killed by the signal, saying nothing (a shell saw 143 for SIGTERM, which neither
// command lists). Now it exits 130 with a line, as an interrupted run does.
//
// That moment is too short to hit from outside, so a preload holds it open: it says "held" on
// stderr and keeps the process there (for send, the stat of the --file; for probe, the loading
// of its module), and the test then sends the signal.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { LIMIT_MS, start, tempFile, whenOutput, type Started } from "../helpers/cli-process.js";

/** Holds `stat` of a path ending in held.eml for a minute (send's first look at --file), once "held" is said. (No "?" in a data: URL: the query starts there.) */
const HOLD_OPEN = "data:text/javascript,import fsp from 'node:fs/promises';import{syncBuiltinESMExports}from'node:module';const stat=fsp.stat;"
  + "fsp.stat=(p,...r)=>{if(!String(p).endsWith('held.eml'))return stat(p,...r);process.stderr.write('held\\n');return new Promise((y)=>setTimeout(()=>y(stat(p,...r)),60000))};syncBuiltinESMExports()";

/** Holds the loading of the CLI's probe module for a minute, once "held" is said (a loader hook, in its own thread). */
const HOLD_LOAD = "data:text/javascript,import{register}from'node:module';register(\"data:text/javascript,import{writeSync}from'node:fs';"
  + "export async function load(u,c,n){if(u.endsWith('/cli/probe.js')){writeSync(2,'held\\\\n');await new Promise((y)=>setTimeout(y,60000))}return n(u,c)}\")";

/** Waits until `run` says "held", sends `signal`, and returns how it ended. */
async function interruptHeld(run: Started, signal: NodeJS.Signals): Promise<Awaited<Started["done"]>> {
  await whenOutput(run.child.stderr!, () => run.output.stderr.includes("held\n"), LIMIT_MS, () => `not held:\n${run.output.stdout}${run.output.stderr}`);
  run.child.kill(signal);
  return run.done;
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`send, ${signal} while it opens the message (before its own handler): exit 130 and a line, not killed by the signal`, async () => {
    const file = await tempFile("held.eml", "Subject: s\r\n\r\nbody\r\n");
    // port 1 on loopback: never reached, as send is held before connecting
    const send = start(["send", "--server", "127.0.0.1:1", "--from", "a@x.test", "--to", "b@x.test", "--file", file], { nodeArgs: ["--import", HOLD_OPEN] });
    const { code, signal: killedBy, stdout, stderr } = await interruptHeld(send, signal);
    assert.deepEqual({ code, killedBy }, { code: 130, killedBy: null }, stderr);
    assert.equal(stdout, "");
    assert.equal(stderr, `held\nsmtplib: interrupted by ${signal}: nothing was sent\n`);
  });

  test(`probe, ${signal} while it loads (before its own handler): exit 130 and its line, not killed by the signal`, async () => {
    const probe = start(["probe", "127.0.0.1:1"], { nodeArgs: ["--import", HOLD_LOAD] });
    const { code, signal: killedBy, stdout, stderr } = await interruptHeld(probe, signal);
    assert.deepEqual({ code, killedBy }, { code: 130, killedBy: null }, stderr);
    assert.equal(stdout, "");
    assert.equal(stderr, `held\nsmtplib: interrupted by ${signal}: the probe did not finish\n`);
  });
}

test("send ending before its own handler (a usage error): exits with its code; the early handling is stopped, so a signal after it says nothing", async () => {
  // --password-env naming no variable: a usage error before the message is opened
  const send = start(["send", "--server", "127.0.0.1:1", "--from", "a@x.test", "--to", "b@x.test", "--subject", "s", "--user", "u", "--password-env", "SMTPLIB_TEST_NO_SUCH_VARIABLE"], { nodeArgs: ["--import", "data:text/javascript,process.once('beforeExit',()=>{process.stderr.write('held\\n');setTimeout(()=>{},60000)})"] });
  const { code, signal: killedBy, stderr } = await interruptHeld(send, "SIGTERM");
  assert.deepEqual({ code, killedBy }, { code: 2, killedBy: null }, stderr);
  assert.match(stderr, /^smtplib: the environment variable named by --password-env is not set .*\nheld\n$/);
});
