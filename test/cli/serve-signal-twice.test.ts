// `smtplib serve` told to stop twice (Ctrl-C pressed again while it closes, waiting for the
// sessions still open): it quits at once, saying so, with its exit code 0, not killed by the
// second signal.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { connect } from "node:net";
import { Serve } from "../helpers/cli-process.js";

for (const [first, second] of [["SIGINT", "SIGINT"], ["SIGTERM", "SIGINT"]] as const) {
  test(`serve: ${second} while it closes after ${first} (a session still open) quits at once with exit 0`, async () => {
    const serve = await Serve.start();
    // a session that stays open: close() waits for it (closeTimeout) before its 421
    const client = connect({ port: serve.port, host: "127.0.0.1", allowHalfOpen: true });
    client.on("error", () => undefined);
    await serve.waitFor(/\* connection from/);
    const exited = serve.closed; // its output read whole: the last line is asserted
    serve.child.kill(first);
    await serve.waitFor(/closing \(0 message\(s\) received\)\n/);
    serve.child.kill(second);
    const [code, signal] = await exited;
    client.destroy();
    assert.deepEqual([code, signal], [0, null], serve.stdout + serve.stderr);
    assert.match(serve.stdout, new RegExp(`\\nsmtplib serve: ${second} again, quitting without waiting for the open session\\(s\\)\\n$`));
  });
}
