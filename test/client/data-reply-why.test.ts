/**
 * DATA answered with a 1yz, a 2yz or a 3yz other than 354 closes the connection, and the
 * close (the `cause` of the SMTPDataError) says why for that class of reply, at its
 * boundaries: 199 is preliminary, 200 and 299 are a 2yz that DATA never takes (the replies
 * are out of step), 300 asks for input that the next command would be read as. 400, the
 * lowest refusal, is no such reply: RSET follows and the connection stays.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPDataError, SMTPRecipientsRefused, SMTPServerDisconnected } from "../../src/index.js";
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

test("lock-step: DATA answered 400, the lowest refusal -> SMTPDataError with no close as cause, RSET, the connection stays", async () => {
  const script = `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 400 try later\nC: RSET\nS: 250 reset\nC: NOOP\nS: 250 noop here\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 400 && err.command === "DATA" && err.cause === undefined);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined: every recipient refused and DATA answered 400 (a refusal, not a 3yz) -> SMTPRecipientsRefused, RSET, the connection stays", async () => {
  const script = `${greeting(["PIPELINING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\nS: 250 ok\nS: 550 no b\nS: 400 no valid recipients\nC: RSET\nS: 250 reset\nC: NOOP\nS: 250 noop here\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) =>
      err instanceof SMTPRecipientsRefused && err.recipients.get("b@y.test")?.code === 550 && err.cause === undefined);
    assert.equal((await client.noop()).message, "noop here");
  });
});
