// `serve --refuse-sender/--refuse-recipient` take an address as `send --from/--to` do: `<>`
// (the null sender), `<eve@x.test>` and `Mallory <mal@x.test>` refuse those addresses. They
// were compared as typed, brackets and name included, with the envelope's bare address: such
// a refusal never happened, and the message the operator meant to see refused was accepted.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve } from "../helpers/cli-process.js";

test("serve --refuse-sender '<>' and --refuse-recipient '<addr>' or 'Name <addr>' refuse those addresses; not one address is a usage error", async () => {
  const server = await Serve.start(["--refuse-sender", "<>", "--refuse-recipient", "<eve@x.test>", "--refuse-recipient", "Mallory <mal@x.test>"]);
  try {
    const send = (from: string, to: string): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      run(["send", "--server", `127.0.0.1:${server.port}`, "--from", from, "--to", to, "--subject", "s"]);
    const bounce = await send("", "bob@x.test");
    assert.equal(bounce.code, 4, bounce.stdout + bounce.stderr);
    assert.match(bounce.stderr, /^smtplib: sender <> refused: 550 /);
    for (const to of ["eve@x.test", "mal@x.test"]) {
      const r = await send("a@x.test", to);
      assert.equal(r.code, 4, r.stdout + r.stderr);
      assert.match(r.stdout, new RegExp(`^refused <${to}>: 550 `));
    }
    const ok = await send("a@x.test", "bob@x.test");
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  } finally {
    await server.stop();
  }
  const bad = await run(["serve", "--port", "0", "--refuse-recipient", "a b@x.test"]);
  assert.equal(bad.code, 2);
  assert.equal(bad.stderr, 'smtplib: --refuse-recipient "a b@x.test": not one address\n');
});
