/**
 * LMTP (RFC 2033 §4.2): a server that sends more replies after the data than there are
 * recipients accepted (it counts them otherwise). The surplus reply must never reach the
 * next command written, a pipelined next transaction's, which would take it as its own: a
 * later message's sender or recipients refused (or accepted) with this message's reply. The
 * next transaction waits for the replies due; one more that came with them closes the
 * connection, this call keeps the replies that were due, and the call queued behind fails
 * having sent nothing (so that it may be sent again).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, LHLO_PIPELINING, withScript } from "../helpers/client.js";

/** Settles `p` as a value to inspect: `{ ok }` or `{ err }`. */
function outcome<T>(p: Promise<T>): Promise<{ ok: T } | { err: unknown }> {
  return p.then((ok) => ({ ok }), (err: unknown) => ({ err }));
}

/** Checks that the queued call failed with the surplus reply's close, saying nothing of it was sent. */
function assertNotSent(result: { ok: unknown } | { err: unknown }, surplus: RegExp): void {
  assert.ok("err" in result, "the call queued behind must not be sent on a connection out of step");
  const err = result.err;
  assert.ok(err instanceof SMTPServerDisconnected, String(err));
  assert.equal(err.delivery, "not-delivered");
  assert.match(err.message, /nothing of this call was sent/);
  assert.ok(err.cause instanceof SMTPServerDisconnected);
  assert.match(err.cause.message, surplus);
}

/** Two recipients accepted over pipelined DATA, and their two replies after the data (what follows is the test's). */
const TWO_DUE_DATA = `${LHLO_PIPELINING}C: MAIL FROM:<a@x.test>
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
`;

test("LMTP pipelined DATA: a reply beyond one per accepted recipient closes the connection; the call keeps the replies due, and the call queued behind fails unsent instead of taking that reply as its MAIL's", async () => {
  // Two recipients, three replies after the data (in one write). Before, the second call's
  // MAIL went behind the "." and took the "550 5.0.0 extra" as its own: SMTPSenderRefused,
  // a permanent refusal of a message the server never saw.
  const script = `${TWO_DUE_DATA}S: 550 5.0.0 extra
`;
  await withScript(script, async (client) => {
    const first = outcome(client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n"));
    const second = outcome(client.sendmail("a@x.test", ["r3@y.test"], "hi\r\n"));
    const d = await first;
    assert.ok("ok" in d, String((d as { err: unknown }).err));
    assert.deepEqual([...d.ok.delivered].map(([k, v]) => [k, v.message]), [["r1@y.test", "2.0.0 r1 delivered"]]);
    assert.deepEqual([...d.ok.refused].map(([k, v]) => [k, v.code]), [["r2@y.test", 452]]);
    assertNotSent(await second, /answered the end of data with "550 5\.0\.0 extra", a reply beyond the 2 due \(one per recipient accepted, RFC 2033 §4\.2\)/);
  }, {}, LMTP);
});

test("LMTP one-trip BDAT: a reply beyond those due after the data, in a later write than the RCPT replies, closes the connection too; the call queued behind fails unsent", async () => {
  // Before, the second call wrote its MAIL once the first's RCPT replies were in, and the
  // surplus reply reached it.
  const script = `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 250 ok
S: 550 5.1.1 r2 unknown
-- wait 50
S: 250 2.0.0 r1 delivered
S: 550 5.1.1 r2 unknown
`;
  await withScript(script, async (client) => {
    const first = outcome(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n"));
    const second = outcome(client.sendmail("a@x.test", ["r3@y.test"], "hi\r\n"));
    const refused = await first;
    assert.ok("ok" in refused, String((refused as { err: unknown }).err));
    assert.deepEqual([...refused.ok].map(([k, v]) => [k, v.code]), [["r2@y.test", 550]]);
    assertNotSent(await second, /a reply beyond the 1 due/);
  }, {}, LMTP);
});

test("LMTP low-level data(): a reply beyond those due closes the connection once data() has its replies", async () => {
  const script = `${greeting([], "LHLO")}C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 2.0.0 r1 delivered
S: 250 2.0.0 r1 delivered again
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    const reply = await client.data("hi\r\n");
    assert.deepEqual([...reply.recipients].map(([k, v]) => [k, v.message]), [["r1@y.test", "2.0.0 r1 delivered"]]);
    await assert.rejects(client.noop(), (err: unknown) => err instanceof SMTPServerDisconnected && /a reply beyond the 1 due/.test(err.message));
  }, {}, LMTP);
});

// A reply beyond those due whose first bytes come with the last reply due and the rest later
// (a reply split anywhere, as TCP may): once every reply due has been read, the next call
// waits for nothing more, so a reply begun then is surplus too and closes the connection.

test("LMTP pipelined DATA: a surplus reply whose first bytes come with the last reply due closes the connection; the call queued behind fails unsent, never taking it as its MAIL's", async () => {
  // Before, the second call's MAIL was written once the two replies due were read, and the
  // rest of "550 5.0.0 extra" completed a reply that it took as its own: SMTPSenderRefused.
  const script = `${TWO_DUE_DATA}S! 550 5.0
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
    assertNotSent(await second, /a reply beyond the 2 due .*began to arrive/);
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
    assertNotSent(await second, /a reply beyond the 2 due .*began to arrive/);
  }, {}, LMTP);
});
