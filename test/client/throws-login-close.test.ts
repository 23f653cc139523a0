import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPAuthenticationError, SMTPServerDisconnected } from "../../src/index.js";
import { LOCAL, greeting } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

// A server that refuses the credentials and hangs up at once (as some do after a failed
// AUTH): login() must report the refusal, whether or not the close was seen before it
// tried the next mechanism, not "Connection unexpectedly closed".
test("login(): a 535 followed by the server's close is SMTPAuthenticationError 535 (the close as cause)", async () => {
  const server = await startScriptServer(`${greeting(["AUTH PLAIN LOGIN"])}C: AUTH PLAIN AHUAcA==
S: 535 5.7.8 Authentication credentials invalid
-- close
`);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    const err: unknown = await client.login("u", "p").then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SMTPAuthenticationError, `got ${String(err)}`);
    assert.equal(err.smtpCode, 535);
    assert.equal(err.enhancedStatus, "5.7.8");
    assert.equal(err.smtpError, "5.7.8 Authentication credentials invalid");
    if (err.cause !== undefined) assert.ok(err.cause instanceof SMTPServerDisconnected);
    assert.equal(client.connected, false);
  } finally {
    client.close();
    await server.close();
  }
});
