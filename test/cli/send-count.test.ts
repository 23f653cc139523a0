// `smtplib send`'s summary line counts recipients as its per-recipient lines do: once each.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve } from "../helpers/cli-process.js";

test("send: a recipient given twice is counted once in 'sent to N of M' (exit 0 reads as every recipient, not a partial delivery)", async () => {
  const serve = await Serve.start(["--refuse-recipient", "no@x.test"]);
  try {
    const server = `127.0.0.1:${serve.port}`;
    const ok = await run(["send", "--server", server, "--from", "a@x.test", "--to", "b@x.test", "--to", "b@x.test", "--subject", "s"]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^sent to 1 of 1 recipient\(s\)/m);
    const none = await run(["send", "--server", server, "--from", "a@x.test", "--to", "no@x.test", "--to", "no@x.test", "--subject", "s"]);
    assert.equal(none.code, 4, none.stderr);
    assert.match(none.stdout, /^sent to 0 of 1 recipient\(s\)$/m);
  } finally {
    await serve.stop();
  }
});
