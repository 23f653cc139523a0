// send prints each recipient's outcome in the order given with --to (the order of the RCPTs,
// as every peer's per-recipient output has it), not the delivered ones first and then the
// refused: an operator reads the lines against the list as written.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve } from "../helpers/cli-process.js";

test("send prints delivered and refused recipients in the order given with --to", async () => {
  const server = await Serve.start(["--refuse-recipient", "eve@x.test", "--refuse-recipient", "mallory@x.test", "--quiet"]);
  try {
    const r = await run(["send", "--server", `127.0.0.1:${server.port}`, "--subject", "s", "--from", "a@x.test",
      "--to", "eve@x.test", "--to", "bob@x.test", "--to", "mallory@x.test", "--to", "carol@x.test"]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.equal(r.stdout.replace(/ \(\d+ bytes\)/, ""), [
      "refused <eve@x.test>: 550 5.1.1 Recipient <eve@x.test> refused",
      "delivered <bob@x.test>: 250 2.6.0 OK: message queued",
      "refused <mallory@x.test>: 550 5.1.1 Recipient <mallory@x.test> refused",
      "delivered <carol@x.test>: 250 2.6.0 OK: message queued",
      "sent to 2 of 4 recipient(s)",
      "",
    ].join("\n"));
  } finally {
    await server.stop();
  }
});

test("send --lmtp with every recipient refused, some at RCPT and the others after the data, prints them in the order given too", async () => {
  const server = await Serve.start(["--lmtp", "--size", "100", "--hide", "size", "--refuse-recipient", "bob@x.test", "--quiet"]);
  try {
    const r = await run(["send", "--lmtp", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test",
      "--to", "alice@x.test", "--to", "bob@x.test", "--to", "carol@x.test"], { input: `Subject: big\n\n${"x".repeat(300)}\n` });
    assert.equal(r.code, 4, r.stdout + r.stderr);
    assert.deepEqual(r.stdout.split("\n").map((line) => line.split(":")[0]), [
      "refused <alice@x.test>", "refused <bob@x.test>", "refused <carol@x.test>", "sent to 0 of 3 recipient(s)", "",
    ], r.stdout);
  } finally {
    await server.stop();
  }
});
