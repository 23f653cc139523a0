// A wait that --timeout bounds, other than the greeting's (which says so already): the line
// names the flag too, as the one for the greeting does, so the operator knows what sets it.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { lineServer } from "../helpers/line-server.js";
import { run } from "../helpers/cli-process.js";

for (const command of ["probe", "send"] as const) {
  test(`${command} --timeout 300 to a server that greets but never answers EHLO: exit 5, the line names --timeout`, async () => {
    const server = await lineServer(() => undefined);
    try {
      const args = command === "probe"
        ? ["probe", `127.0.0.1:${server.port}`, "--timeout", "300"]
        : ["send", "--server", `127.0.0.1:${server.port}`, "--timeout", "300", "--from", "a@x.test", "--to", "b@x.test", "--subject", "t"];
      const r = await run(args);
      assert.equal(r.code, 5, r.stdout + r.stderr);
      // send's EHLO is due before its transaction: it also says that nothing of it was sent.
      const sent = command === "send" ? ": the message was not sent" : "";
      assert.equal(r.stderr.replace(/EHLO \S+?(?=[: ])/, "EHLO <host>"), `smtplib: SMTPTimeoutError: Timed out after 300 ms waiting for the reply to EHLO <host>${sent} (--timeout sets the limit, in ms)\n`);
    } finally {
      await server.close();
    }
  });
}
