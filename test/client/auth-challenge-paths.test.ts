/**
 * The AUTH exchange's refusals of a hostile server's challenge (RFC 4954 §4): one that is
 * not base64 is cancelled with `*` before anything of the answer is computed or sent, and
 * the call fails with SMTPAuthenticationError; a server that does not take the `*` (a 334
 * again, or a 2yz) has the connection closed, since its state is then unknown.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPAuthenticationError, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const AUTH = greeting(["AUTH X-TEST"]);

test("a 334 challenge that is not base64 -> '*' cancels the exchange, SMTPAuthenticationError with the server's 501; the answer is never asked for; the session goes on", async () => {
  const asked: (Buffer | undefined)[] = [];
  await withScript(`${AUTH}C: AUTH X-TEST\nS: 334 !!not*base64\nC: *\nS: 501 5.7.0 cancelled\nC: NOOP\nS: 250 ok\n`, async (client) => {
    await client.ehlo();
    const err = await client.auth("X-TEST", (challenge) => {
      asked.push(challenge);
      return challenge === undefined ? null : "secret-answer";
    }).catch((e: unknown) => e);
    assert.ok(err instanceof SMTPAuthenticationError, String(err));
    assert.equal(err.smtpCode, 501);
    assert.match(err.message, /not valid base64/);
    assert.equal(err.command, "AUTH X-TEST");
    assert.deepEqual(asked, [undefined]);
    assert.equal(client.connected, true);
    assert.equal((await client.noop()).code, 250);
  });
});

for (const [code, text] of [[334, "="], [235, "2.7.0 ok after all"]] as const) {
  test(`a challenge that is not base64, and a server that answers the '*' with ${code} -> SMTPAuthenticationError; the connection is closed, nothing more is written`, async () => {
    await withScript(`${AUTH}C: AUTH X-TEST\nS: 334 %%%\nC: *\nS: ${code} ${text}\n`, async (client) => {
      await client.ehlo();
      const err = await client.auth("X-TEST", (challenge) => (challenge === undefined ? null : "secret-answer")).catch((e: unknown) => e);
      assert.ok(err instanceof SMTPAuthenticationError, String(err));
      assert.equal(err.smtpCode, code);
      assert.equal(client.connected, false);
      await assert.rejects(client.noop(), SMTPServerDisconnected);
    });
  });
}
