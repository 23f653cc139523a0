/**
 * STARTTLS takes 220, 501 or 454 (RFC 3207 §4). A 3yz to it (354: the server now reads
 * message text) or a 1yz (another reply follows, which would reach the next command) puts
 * client and server out of step: the connection closes on it, and `starttls()` fails with
 * that reply, rather than leave an open connection whose next command the server misreads.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPResponseException, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

for (const reply of ["354 go ahead", "150 hold on", "250 OK", "221 bye"]) {
  test(`STARTTLS answered "${reply}" -> SMTPResponseException with it; the connection is closed, nothing more is written`, async () => {
    await withScript(`${greeting(["STARTTLS"])}C: STARTTLS\nS: ${reply}\n`, async (client) => {
      const err = await client.starttls().catch((e: unknown) => e);
      assert.ok(err instanceof SMTPResponseException, String(err));
      assert.equal(err.smtpCode, Number(reply.slice(0, 3)));
      assert.equal(client.connected, false);
      await assert.rejects(client.noop(), SMTPServerDisconnected);
    });
  });
}

for (const reply of ["454 TLS not available", "501 no parameters allowed"]) {
  test(`STARTTLS answered "${reply}" -> SMTPResponseException; the connection stays open in clear`, async () => {
    await withScript(`${greeting(["STARTTLS"])}C: STARTTLS\nS: ${reply}\nC: NOOP\nS: 250 ok\n`, async (client) => {
      const err = await client.starttls().catch((e: unknown) => e);
      assert.ok(err instanceof SMTPResponseException, String(err));
      assert.equal(err.smtpCode, Number(reply.slice(0, 3)));
      assert.equal(client.connected, true);
      assert.equal((await client.noop()).code, 250);
    });
  });
}
