// `smtplib probe [::1]:port` and `send --server [::1]:port` against `serve --host ::1`: an
// IPv6 literal in brackets, end to end (the forms are parsed in args.test.ts).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve } from "../helpers/cli-process.js";

test("probe and send reach a server on [::1]:port; probe names it in brackets", async () => {
  const serve = new Serve(["--host", "::1"]);
  try {
    const port = Number((await serve.waitFor(/listening on \[::1\]:(\d+)/))[1]);
    const target = `[::1]:${port}`;
    const probe = await run(["probe", target]);
    assert.equal(probe.code, 0, probe.stdout + probe.stderr);
    assert.match(probe.stdout, new RegExp(`^probe \\[::1\\]:${port} \\(plain text\\)$`, "m"));
    assert.match(probe.stdout, /^ {2}EHLO .* 250 /m);
    const send = await run(["send", "--server", target, "--from", "a@x.test", "--to", "b@x.test", "--subject", "over IPv6"]);
    assert.equal(send.code, 0, send.stderr);
    await serve.waitFor(/end of message 1/);
    assert.match(serve.stdout, /connection from ::1:/);
  } finally {
    await serve.stop();
  }
});
