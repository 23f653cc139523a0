// send names each recipient (and a refused sender) as MAIL and RCPT carried it, `<addr>`,
// whatever form --to and --from gave: `Bob <bob@x.test>` was printed `<Bob <bob@x.test>>` and
// `<c@x.test>` as `<<c@x.test>>`, so a script looking for `refused <eve@x.test>` missed it.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { run, Serve } from "../helpers/cli-process.js";

test("send prints recipients and a refused sender as <addr>, whether given bare, in brackets or with a display name", async () => {
  const server = await Serve.start(["--refuse-recipient", "eve@x.test", "--refuse-sender", "nobody@x.test"]);
  try {
    const target = ["--server", `127.0.0.1:${server.port}`, "--subject", "s"];
    const r = await run(["send", ...target, "--from", "Al <a@x.test>", "--to", "Bob <bob@x.test>", "--to", "<c@x.test>", "--to", "d@x.test", "--to", "Eve <eve@x.test>"]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    assert.equal(r.stdout.replace(/ \(\d+ bytes\)/, ""), [
      "delivered <bob@x.test>: 250 2.6.0 OK: message queued",
      "delivered <c@x.test>: 250 2.6.0 OK: message queued",
      "delivered <d@x.test>: 250 2.6.0 OK: message queued",
      "refused <eve@x.test>: 550 5.1.1 Recipient <eve@x.test> refused",
      "sent to 3 of 4 recipient(s)",
      "",
    ].join("\n"));
    const all = await run(["send", ...target, "--from", "a@x.test", "--to", "Eve <eve@x.test>"]);
    assert.equal(all.code, 4, all.stdout + all.stderr);
    assert.equal(all.stdout, "refused <eve@x.test>: 550 5.1.1 Recipient <eve@x.test> refused\nsent to 0 of 1 recipient(s)\n");
    const sender = await run(["send", ...target, "--from", "No One <nobody@x.test>", "--to", "b@x.test"]);
    assert.equal(sender.code, 4, sender.stdout + sender.stderr);
    assert.match(sender.stderr, /^smtplib: sender <nobody@x\.test> refused: 550 /);
  } finally {
    await server.stop();
  }
});
