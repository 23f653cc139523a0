/**
 * LMTP (RFC 2033 §4.2): a reply beyond those due after the data whose first bytes come with
 * the last reply due, and the rest later (a reply split anywhere, as TCP may). Once every
 * reply due has been read, the next call waits for nothing more: a reply begun then is
 * surplus, and must never reach the next command written (a later message's sender refused
 * with this message's reply). It closes the connection, as a whole surplus reply does.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, LHLO_PIPELINING, withScript } from "../helpers/client.js";

/** Settles `p` as a value to inspect: `{ ok }` or `{ err }`. */
function outcome<T>(p: Promise<T>): Promise<{ ok: T } | { err: unknown }> {
  return p.then((ok) => ({ ok }), (err: unknown) => ({ err }));
}

/** Checks that the queued call failed unsent, on the surplus reply's close. */
function assertNotSent(result: { ok: unknown } | { err: unknown }): void {
  assert.ok("err" in result, "the call queued behind must not be sent on a connection out of step");
  const err = result.err;
  assert.ok(err instanceof SMTPServerDisconnected, String(err));
  assert.equal(err.delivery, "not-delivered");
  assert.match(err.message, /nothing of this call was sent/);
  assert.ok(err.cause instanceof SMTPServerDisconnected);
  assert.match(err.cause.message, /a reply beyond the 2 due .*began to arrive/);
}

test("LMTP pipelined DATA: a surplus reply whose first bytes come with the last reply due closes the connection; the call queued behind fails unsent, never taking it as its MAIL's", async () => {
  // Before, the second call's MAIL was written once the two replies due were read, and the
  // rest of "550 5.0.0 extra" completed a reply that it took as its own: SMTPSenderRefused.
  const script = `${LHLO_PIPELINING}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: DATA
S: 250 2.1.0 ok
S: 250 2.1.5 ok
S: 250 2.1.5 ok
S: 354 go
C: hi
C: .
S: 250 2.0.0 r1 delivered
S: 452 4.2.2 r2 over quota
S! 550 5.0
-- wait 50
S: .0 extra
`;
  await withScript(script, async (client) => {
    const first = outcome(client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n"));
    const second = outcome(client.sendmail("a@x.test", ["r3@y.test"], "hi\r\n"));
    const d = await first;
    assert.ok("ok" in d, String((d as { err: unknown }).err));
    assert.deepEqual([...d.ok.delivered].map(([k, v]) => [k, v.message]), [["r1@y.test", "2.0.0 r1 delivered"]]);
    assert.deepEqual([...d.ok.refused].map(([k, v]) => [k, v.code]), [["r2@y.test", 452]]);
    assertNotSent(await second);
  }, {}, LMTP);
});

test("LMTP one-trip BDAT: a surplus reply split after its first byte, that byte with the last reply due, closes the connection too", async () => {
  const script = `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 250 ok
S: 250 ok
S: 250 2.0.0 r1 delivered
S: 250 2.0.0 r2 delivered
S! 5
-- wait 50
S: 50 5.0.0 extra
`;
  await withScript(script, async (client) => {
    const first = outcome(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n"));
    const second = outcome(client.sendmail("a@x.test", ["r3@y.test"], "hi\r\n"));
    const refused = await first;
    assert.ok("ok" in refused, String((refused as { err: unknown }).err));
    assert.equal(refused.ok.size, 0);
    assertNotSent(await second);
  }, {}, LMTP);
});
