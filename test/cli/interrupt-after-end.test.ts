// `send` and `probe` take SIGINT and SIGTERM from their start until the process exits. Their
// handlers used to be removed when the command ended, before the process had exited (its
// output flushed, its socket closed): a signal in that last moment got Node's default, the
// process killed by the signal (a shell saw 143 or 130) whatever the command had done. Now it
// exits at once with the command's own exit code, and says nothing more.
//
// That moment is too short to hit from outside, so a preload holds it open: once the command
// has ended and nothing is left to do (beforeExit), it says "held" on stderr and keeps the
// process alive with a timer, as a slow flush would; the test then sends the signal.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { LIMIT_MS, Serve, start, whenOutput } from "../helpers/cli-process.js";

const HOLD = "data:text/javascript,process.once('beforeExit',()=>{process.stderr.write('held\\n');setTimeout(()=>{},60000)})";

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  test(`send, ${signal} after it has ended (exit 3: a recipient refused): exits 3, not killed by the signal, nothing more said`, async () => {
    const serve = await Serve.start(["--refuse-recipient", "c@x.test", "--quiet"]);
    try {
      const send = start(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--to", "c@x.test", "--subject", "s"], { nodeArgs: ["--import", HOLD] });
      await whenOutput(send.child.stderr!, () => send.output.stderr.endsWith("held\n"), LIMIT_MS, () => `not held:\n${send.output.stdout}${send.output.stderr}`);
      send.child.kill(signal);
      const { code, signal: killedBy, stdout, stderr } = await send.done;
      assert.deepEqual({ code, killedBy }, { code: 3, killedBy: null }, stderr);
      assert.match(stdout, /^sent to 1 of 2 recipient\(s\) \(\d+ bytes\)\n$/m);
      assert.match(stderr, /held\n$/);
      assert.doesNotMatch(stderr, /interrupted/);
    } finally {
      await serve.stop();
    }
  });

  test(`probe, ${signal} after it has ended (exit 0): exits 0, not killed by the signal, nothing more said`, async () => {
    const serve = await Serve.start(["--quiet"]);
    try {
      const probe = start(["probe", `127.0.0.1:${serve.port}`], { nodeArgs: ["--import", HOLD] });
      await whenOutput(probe.child.stderr!, () => probe.output.stderr.endsWith("held\n"), LIMIT_MS, () => `not held:\n${probe.output.stdout}${probe.output.stderr}`);
      probe.child.kill(signal);
      const { code, signal: killedBy, stderr } = await probe.done;
      assert.deepEqual({ code, killedBy }, { code: 0, killedBy: null }, stderr);
      assert.equal(stderr, "held\n");
    } finally {
      await serve.stop();
    }
  });
}
