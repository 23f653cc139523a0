/**
 * The EHLO (or HELO) that a mail call sends first when the session has not greeted yet is
 * followed by that call's commands, and takes only a completion reply (RFC 5321 §4.3.2).
 * A 1yz to it is followed by another reply, which the next command would take for its own
 * (MAIL "accepted" by the reply to HELO); a 3yz makes the server read the next commands as
 * input: the connection closes on either, and the call fails with SMTPHeloError for that
 * reply, nothing more written (no HELO fallback on a connection out of step).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPHeloError, SMTPServerDisconnected } from "../../src/index.js";
import { GREET, withScript } from "../helpers/client.js";

for (const reply of ["150 hold on", "354 go ahead"]) {
  test(`sendmail's own EHLO answered "${reply}" -> SMTPHeloError with it; the connection is closed; no HELO, no MAIL`, async () => {
    await withScript(`${GREET}C: EHLO client.test\nS: ${reply}\n`, async (client) => {
      const err = await client.sendmail("a@x.test", ["b@y.test"], "hi").catch((e: unknown) => e);
      assert.ok(err instanceof SMTPHeloError, String(err));
      assert.equal(err.smtpCode, Number(reply.slice(0, 3)));
      assert.equal(client.connected, false);
      await assert.rejects(client.noop(), SMTPServerDisconnected);
    });
  });
}

test("sendmail's own HELO (after EHLO was refused) answered \"150 hold on\" -> SMTPHeloError with it; the connection is closed; no MAIL", async () => {
  await withScript(`${GREET}C: EHLO client.test\nS: 502 no\nC: HELO client.test\nS: 150 hold on\n`, async (client) => {
    const err = await client.sendmail("a@x.test", ["b@y.test"], "hi").catch((e: unknown) => e);
    assert.ok(err instanceof SMTPHeloError, String(err));
    assert.equal(err.smtpCode, 150);
    assert.equal(client.connected, false);
  });
});
