// `smtplib probe -v/-vv`: the transcript on stderr, as `send -v/-vv` (README: shared flags).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve } from "../helpers/cli-process.js";

test("probe -v shows the transcript on stderr, -vv with times; without -v stderr stays empty", async () => {
  const serve = await Serve.start([]);
  try {
    const target = `127.0.0.1:${serve.port}`;
    const one = await run(["probe", target, "-v"]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stderr, /^C: EHLO \S+$/m);
    assert.match(one.stderr, /^S: 250[ -]/m);
    assert.match(one.stderr, /^C: QUIT$/m);
    assert.match(one.stdout, /^capabilities:$/m, "the report is still on stdout");
    const two = await run(["probe", target, "-vv"]);
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stderr, /^\d\d:\d\d:\d\d\.\d{3} C: EHLO \S+$/m);
    const quiet = await run(["probe", target]);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(quiet.stderr, "");
  } finally {
    await serve.stop();
  }
});
