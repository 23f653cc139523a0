/**
 * DATA answered with a 1yz, a 2yz or a 3yz other than 354 closes the connection, and the
 * close (the `cause` of the SMTPDataError) says why for that class of reply, at its
 * boundaries: 199 is preliminary, 200 and 299 are a 2yz that DATA never takes (the replies
 * are out of step), 300 asks for input that the next command would be read as.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPDataError, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const CASES: [number, RegExp][] = [
  [199, /a preliminary reply: the replies after it would reach the wrong commands/],
  [200, /DATA takes no 2yz reply: the replies are out of step/],
  [299, /DATA takes no 2yz reply: the replies are out of step/],
  [300, /it would read what was written next as the input it asked for/],
];

for (const [code, why] of CASES) {
  test(`lock-step: DATA answered ${code} -> SMTPDataError, its cause the close saying why (${why.source.slice(0, 30)}...), nothing more written`, async () => {
    const script = `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: ${code} odd\n`;
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => {
        assert.ok(err instanceof SMTPDataError, String(err));
        assert.deepEqual([err.smtpCode, err.command], [code, "DATA"]);
        assert.ok(err.cause instanceof SMTPServerDisconnected, String(err.cause));
        assert.match(err.cause.message, new RegExp(`answered DATA with "${code} odd", not 354 \\(`));
        assert.match(err.cause.message, why);
        return true;
      });
      assert.equal(client.connected, false);
    });
  });
}
