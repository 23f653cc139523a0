/**
 * A 421 at each step of opening a session (RFC 5321 §3.8): the connection is closed on it,
 * the error or reply says 421, nothing more is sent (no HELO after a 421 to EHLO), and the
 * next call fails as not connected without writing a byte.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  SMTPConnectError, SMTPHeloError, SMTPResponseException, SMTPServerDisconnected, SMTP,
} from "../../src/index.js";
import { LOCAL, withScript } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

/** Asserts that `client` is closed: its next call is refused before anything is written. */
async function assertClosed(client: SMTP): Promise<void> {
  await assert.rejects(client.noop(), SMTPServerDisconnected);
}

test("421 as the greeting: SMTPConnectError with code 421, socket closed", async () => {
  const server = await startScriptServer("S: 421 mx.test too busy\n");
  try {
    await assert.rejects(SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 }), (err: unknown) => {
      assert.ok(err instanceof SMTPConnectError, String(err));
      assert.equal(err.smtpCode, 421);
      return true;
    });
    await server.done;
    assert.equal(server.received(), "");
  } finally {
    await server.close();
  }
});

for (const [what, script, run] of [
  ["421 to EHLO in ehloOrHeloIfNeeded: SMTPHeloError 421, no HELO fallback", "S: 220 mx.test\nC: EHLO client.test\nS: 421 4.3.2 shutting down\n",
    (c: SMTP) => assert.rejects(c.ehloOrHeloIfNeeded(), (err: unknown) => err instanceof SMTPHeloError && err.smtpCode === 421)],
  ["421 to HELO after a refused EHLO: SMTPHeloError 421", "S: 220 mx.test\nC: EHLO client.test\nS: 502 no\nC: HELO client.test\nS: 421 bye\n",
    (c: SMTP) => assert.rejects(c.ehloOrHeloIfNeeded(), (err: unknown) => err instanceof SMTPHeloError && err.smtpCode === 421)],
  ["421 to STARTTLS: SMTPResponseException 421, no handshake", "S: 220 mx.test\nC: EHLO client.test\nS: 250-mx.test\nS: 250 STARTTLS\nC: STARTTLS\nS: 421 bye\n",
    (c: SMTP) => assert.rejects(c.starttls(), (err: unknown) => err instanceof SMTPResponseException && err.smtpCode === 421)],
  ["421 to an explicit ehlo(): the reply is returned (as Python does)", "S: 220 mx.test\nC: EHLO client.test\nS: 421 bye\n",
    async (c: SMTP) => {
      const reply = await c.ehlo();
      assert.equal(reply.code, 421);
      assert.equal(c.ehloResp, null);
    }],
] as const) {
  test(`${what}; the connection is closed`, async () => {
    await withScript(script, async (client) => {
      await run(client);
      await assertClosed(client);
    });
  });
}
