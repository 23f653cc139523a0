import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPHeloError, SMTPServerDisconnected } from "../../src/index.js";
import { GREET, LOCAL } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

// A server that refuses EHLO and hangs up at once (a blocked client: "554 5.7.1"): its
// close is read only after the HELO fallback is written. The refusal is what the caller
// needs, as when the close is seen in time, not "Connection unexpectedly closed".
for (const call of ["ehloOrHeloIfNeeded", "sendmail"] as const) {
  test(`${call}(): EHLO refused then the server's close is SMTPHeloError with the EHLO reply (the close as cause)`, async () => {
    const server = await startScriptServer(`${GREET}C: EHLO ${LOCAL}\nS: 554 5.7.1 Client host blocked\n-- close\n`);
    const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
    try {
      const run = call === "sendmail" ? client.sendmail("a@x.test", "b@y.test", "x") : client.ehloOrHeloIfNeeded();
      const err: unknown = await run.then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof SMTPHeloError, `got ${String(err)}`);
      assert.equal(err.smtpCode, 554);
      assert.equal(err.enhancedStatus, "5.7.1");
      assert.equal(err.command, "EHLO");
      if (err.cause !== undefined) assert.ok(err.cause instanceof SMTPServerDisconnected);
      assert.equal(client.connected, false);
    } finally {
      client.close();
      await server.close();
    }
  });
}
