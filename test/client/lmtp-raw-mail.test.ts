/**
 * LMTP's low-level data() reads one reply per recipient accepted in the current
 * transaction (RFC 2033 §4.2). A transaction started by a raw MAIL (docmd/putcmd), or
 * ended by RSET, does not inherit the recipients of the one before: else data() waits for
 * replies that never come (until the timeout), for a message the server has delivered.
 * (rset() and a raw RSET: in lmtp-low-level.test.ts.)
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPDataError } from "../../src/index.js";
import { LHLO, withScript } from "../helpers/client.js";

test("LMTP low-level: after a refused DATA, a transaction begun with docmd('MAIL') reads one reply per recipient of its own", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: DATA
S: 554 5.3.4 not now
C: RSET
S: 250 reset
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r2@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 2.0.0 r2 ok
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    await assert.rejects(client.data("hi"), SMTPDataError);
    assert.equal((await client.docmd("MAIL", "FROM:<a@x.test>")).code, 250);
    await client.rcpt("r2@y.test");
    const reply = await client.data("hi");
    assert.equal(reply.message, "2.0.0 r2 ok");
    assert.deepEqual([...(reply.recipients ?? new Map()).keys()], ["r2@y.test"]);
    assert.equal((await client.noop()).message, "noop here");
  }, { timeouts: { dataTermination: 1000 } }, LMTP);
});
