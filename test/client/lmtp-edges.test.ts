/**
 * LMTP edges that already behaved (kept as regression tests): two transactions on one
 * pipelined connection, each matched to its own per-recipient replies (the second written
 * once the first's are read: see lmtp-extra-final-reply.test.ts); an empty stream over
 * BDAT (BDAT 0 LAST, a reply per recipient); a server that gives fewer replies than
 * accepted recipients and then goes silent (the timeout closes; the known outcome stays).
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { LMTP, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";
import { traced } from "../helpers/flow-trace.js";

const LHLO_PIPELINING = greeting(["PIPELINING"], "LHLO");

/** a@x.test to r1 and r2, pipelined, both accepted, and the message "one". */
const TO_TWO = `${LHLO_PIPELINING}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 250 ok
S: 354 go
C: one
C: .
`;

test("LMTP, two sendmails at once: the second transaction waits for the replies to the first's '.' (a surplus one must not reach it), and each gets its own recipients' replies", async () => {
  const script = `${TO_TWO}S: 250 2.0.0 r1
S: 451 4.3.0 r2 later
C: MAIL FROM:<b@x.test>
C: RCPT TO:<r3@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 354 go
C: two
C: .
S: 550 5.1.1 r3 gone
`;
  const t = traced();
  await withScript(script, async (client) => {
    const [first, second] = await Promise.allSettled([
      client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "one\r\n"),
      client.deliver("b@x.test", ["r3@y.test"], "two\r\n"),
    ]);
    assert.ok(first.status === "fulfilled");
    assert.deepEqual([...first.value].map(([k, v]) => [k, v.code]), [["r2@y.test", 451]]);
    assert.ok(second.status === "rejected");
    assert.deepEqual([...(second.reason as { recipients: Map<string, { code: number }> }).recipients].map(([k, v]) => [k, v.code]), [["r3@y.test", 550]]);
  }, t.options, LMTP);
  assert.equal(t.flow(), "S 220 | C LHLO | S 250 | C MAIL RCPT RCPT DATA | S 250 250 250 354 | C . | S 250 451 | C MAIL RCPT DATA | S 250 250 354 | C . | S 550");
});

test("LMTP with BDAT: an empty stream is BDAT 0 LAST, answered once per recipient", async () => {
  const script = `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
S: 250 ok
S: 250 ok
S: 250 ok
C: BDAT 0 LAST
S: 250 2.0.0 r1
S: 250 2.0.0 r2
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], Readable.from([]));
    assert.deepEqual([...d.delivered.keys()], ["r1@y.test", "r2@y.test"]);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP: fewer replies than accepted recipients, then silence -> the timeout closes; r1 keeps its delivery, r2 is unknown (code -1)", async () => {
  const script = `${TO_TWO}S: 250 2.0.0 r1
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], "one\r\n");
    assert.deepEqual([...d.delivered.keys()], ["r1@y.test"]);
    assert.equal(d.refused.get("r2@y.test")?.code, -1);
    assert.match(d.refused.get("r2@y.test")!.message, /Timed out .* \(recipient 2\) \(timeouts are in milliseconds here[^)]*\); whether it got the message is unknown$/);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  }, { timeout: 300 }, LMTP);
});
