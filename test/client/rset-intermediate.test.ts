/**
 * The RSET that ends a refused transaction is followed by whatever the caller sends next,
 * and RFC 5321 §4.3.2 gives it no reply but 250 and failures. A 3yz to it (354: "start
 * mail input") would make the server read the next call's commands as message text, a 1yz
 * would be followed by a reply that reaches the next command: the connection closes on it,
 * as on such a reply to MAIL or RCPT, and the refusal stays the call's error.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPRecipientsRefused, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

for (const reply of ["354 go ahead", "150 hold on"]) {
  test(`lock-step: the recipient refused, RSET answered "${reply}" -> SMTPRecipientsRefused, the connection closed; the next call sends nothing`, async () => {
    const script = `${greeting(["HELP"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 550 5.1.1 no such user\nC: RSET\nS: ${reply}\n`;
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", ["b@y.test"], "hi"), SMTPRecipientsRefused);
      assert.equal(client.connected, false);
      await assert.rejects(client.sendmail("a@x.test", ["c@y.test"], "second message"), SMTPServerDisconnected);
    });
  });
}
