/**
 * A 1yz "positive preliminary" reply (RFC 5321 §4.2.1) to a command that others follow
 * before its reply is read: another reply would follow it and reach the next command, so
 * the connection closes at once, and the call fails with that reply and the close as cause.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPSenderRefused, SMTPServerDisconnected } from "../../src/index.js";
import { EHLO_PIPELINING, PIPELINED_GROUP, withScript } from "../helpers/client.js";

test("pipelined MAIL answered with 150 -> SMTPSenderRefused(150), the close (a preliminary reply) as cause; nothing more is written", async () => {
  await withScript(`${EHLO_PIPELINING}${PIPELINED_GROUP}S: 150 wait for it\n`, async (client) => {
    const err = await client.sendmail("a@x.test", ["b@y.test"], "hi").catch((e: unknown) => e);
    assert.ok(err instanceof SMTPSenderRefused, String(err));
    assert.equal(err.smtpCode, 150);
    assert.ok(err.cause instanceof SMTPServerDisconnected, String(err.cause));
    assert.match(err.cause.message, /MAIL FROM:<a@x\.test> with "150 wait for it", a reply that command never takes \(a preliminary reply: the replies after it would reach the wrong commands\)/);
    assert.equal(client.connected, false);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});
