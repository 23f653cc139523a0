/**
 * LMTP with no recipient accepted, byte for byte. RFC 2033 §4.2: DATA must then fail with
 * 503. Pipelined, DATA goes before the RCPT replies are read; a server that answers it
 * with 354 anyway owes, after the end of data, one reply per accepted recipient: none. A
 * lone "." (what SMTP gets) would leave every reply such a server sends to it to reach the
 * commands after it (RSET, the next call): the replies shift. So the connection closes at
 * the 354, nothing more is written, and the calls behind it are not sent on it. Lock-step,
 * DATA is never sent once every RCPT was refused.
 *
 * The client's timeout (5 s) is only a guard: the assertions tell a prompt close from a
 * timeout by the errors' classes and causes, not by measuring time.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPRecipientsRefused, SMTPSenderRefused } from "../../src/index.js";
import { LHLO, LHLO_PIPELINING, withScript } from "../helpers/client.js";
import { closedOn, notSent } from "../helpers/closed-on.js";
import { traced } from "../helpers/flow-trace.js";

const TWO = ["r1@y.test", "r2@y.test"];

/**
 * A broken LMTP server: both recipients refused, DATA answered 354, then, a reply a
 * moment, one per recipient and one more, as if it answered a lone "." once per recipient
 * and lagged behind since: a lone ".", the RSET after it and the next call would each read
 * the reply before theirs (before the fix, a NOOP behind it read "2.0.0 reset").
 */
const ALL_REFUSED_THEN_354 = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: DATA
S: 250 2.1.0 ok
S: 550 5.1.1 no r1
S: 550 5.1.1 no r2
S: 354 go ahead
-- wait 50
S: 250 2.0.0 r1 stale
-- wait 50
S: 250 2.0.0 r2 stale
-- wait 50
S: 250 2.0.0 reset
`;

/** Why `call` rejected; fails, showing what it resolved to (a stale reply, say), when it resolves. */
async function rejection(call: Promise<unknown>): Promise<unknown> {
  const outcome = await call.then((value) => ({ value }), (reason: unknown) => ({ reason }));
  if ("value" in outcome) assert.fail(`resolved with ${JSON.stringify(outcome.value)}`);
  return outcome.reason;
}

/** The error of the call whose DATA got the 354: every refusal, and the close as cause. */
function refusedAndClosed(err: unknown): true {
  assert.ok(err instanceof SMTPRecipientsRefused, `expected SMTPRecipientsRefused, got ${String(err)}`);
  assert.equal(err.command, "RCPT");
  assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code, v.message]), [
    ["r1@y.test", 550, "5.1.1 no r1"], ["r2@y.test", 550, "5.1.1 no r2"],
  ]);
  closedOn(err.cause, 354, /DATA.*RFC 2033/);
  return true;
}

test("LMTP pipelined, every RCPT refused, DATA answered 354: sendmail -> SMTPRecipientsRefused caused by the close; no lone '.', and a NOOP behind it is not sent (it would read a stale reply)", async () => {
  const t = traced();
  await withScript(ALL_REFUSED_THEN_354, async (client) => {
    const sent = rejection(client.sendmail("a@x.test", TWO, "hi\r\n"));
    const noop = rejection(client.noop());
    notSent(await noop);
    refusedAndClosed(await sent);
    assert.equal(client.connected, false);
  }, t.options, LMTP);
  assert.equal(t.flow(), "S 220 | C LHLO | S 250 | C MAIL RCPT RCPT DATA | S 250 550 550 354");
});

test("LMTP pipelined, every RCPT refused, DATA answered 354: deliver -> the same; a deliver queued behind it sends nothing", async () => {
  await withScript(ALL_REFUSED_THEN_354, async (client) => {
    const first = rejection(client.deliver("a@x.test", TWO, "hi\r\n"));
    const second = rejection(client.deliver("a@x.test", "r3@y.test", "again\r\n"));
    notSent(await second);
    refusedAndClosed(await first);
    assert.equal(client.connected, false);
  }, {}, LMTP);
});

test("LMTP pipelined, sender refused, DATA answered 354: SMTPSenderRefused caused by the close; no lone '.'", async () => {
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: DATA
S: 550 5.7.1 sender rejected
S: 250 2.1.5 ok
S: 354 go ahead anyway
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "r1@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPSenderRefused, String(err));
      assert.equal(err.smtpCode, 550);
      closedOn(err.cause, 354, /DATA.*RFC 2033/);
      // Not "no recipient was accepted": the server accepted the RCPT (after refusing MAIL).
      assert.match((err.cause as Error).message, /although the sender was refused/);
      return true;
    });
    assert.equal(client.connected, false);
  }, {}, LMTP);
});

test("LMTP lock-step, every RCPT refused: no DATA at all, RSET, SMTPRecipientsRefused (sendmail and deliver); the next call stays in step", async () => {
  const refusedTwice = `
C: MAIL FROM:<a@x.test>
S: 250 2.1.0 ok
C: RCPT TO:<r1@y.test>
S: 550 5.1.1 no r1
C: RCPT TO:<r2@y.test>
S: 550 5.1.1 no r2
C: RSET
S: 250 2.0.0 reset
`;
  const t = traced();
  await withScript(`${LHLO}${refusedTwice}${refusedTwice}C: NOOP\nS: 250 2.0.0 noop here\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", TWO, "hi\r\n"), (err: unknown) => err instanceof SMTPRecipientsRefused && err.recipients.size === 2 && err.cause === undefined);
    await assert.rejects(client.deliver("a@x.test", TWO, "hi\r\n"), (err: unknown) => err instanceof SMTPRecipientsRefused && err.recipients.size === 2 && err.cause === undefined);
    assert.equal((await client.noop()).message, "2.0.0 noop here");
  }, t.options, LMTP);
  assert.match(t.flow(), /^S 220 \| C LHLO \| S 250 \| C MAIL \| S 250 \| C RCPT \| S 550 \| C RCPT \| S 550 \| C RSET \| S 250 \| C MAIL /);
});
