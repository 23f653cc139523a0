/**
 * LMTP's low-level data() reads one reply per recipient accepted in the transaction
 * (RFC 2033 §4.2). A recipient added with a raw RCPT (docmd, or putcmd then getreply) is
 * one of them: else data() reads too few replies, and the rest are taken as the replies of
 * the commands that follow.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP } from "../../src/index.js";
import { LHLO, withScript } from "../helpers/client.js";

/** The session; `verb` is the spelling of the raw RCPT that the server accepts. */
const script = (verb: string): string => `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: ${verb} TO:<r2@y.test> NOTIFY=NEVER
S: 250 ok
C: RCPT TO:<r3@y.test>
S: 550 no such user
C: DATA
S: 354 go
C: hi
C: .
S: 250 2.0.0 r1 ok
S: 452 4.2.2 r2 over quota
C: NOOP
S: 250 noop here
`;

test("LMTP low-level: a recipient accepted by docmd('RCPT') gets its own reply after the data", async () => {
  await withScript(script("RCPT"), async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    assert.equal((await client.docmd("RCPT", "TO:<r2@y.test> NOTIFY=NEVER")).code, 250);
    assert.equal((await client.docmd("RCPT TO:<r3@y.test>")).code, 550);
    const reply = await client.data("hi");
    assert.equal(reply.code, 452);
    assert.deepEqual([...(reply.recipients ?? new Map()).entries()].map(([a, r]) => [a, r.code]), [["r1@y.test", 250], ["r2@y.test", 452]]);
    assert.equal((await client.noop()).message, "noop here");
  }, { timeouts: { dataTermination: 1000 } }, LMTP);
});

test("LMTP low-level: a recipient accepted by putcmd('RCPT') and getreply() gets its own reply after the data", async () => {
  await withScript(script("rcpt"), async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    await client.putcmd("rcpt", "TO:<r2@y.test> NOTIFY=NEVER");
    await client.putcmd("RCPT", "TO:<r3@y.test>");
    assert.equal((await client.getreply()).code, 250);
    assert.equal((await client.getreply()).code, 550);
    const reply = await client.data("hi");
    assert.deepEqual([...(reply.recipients ?? new Map()).entries()].map(([a, r]) => [a, r.code]), [["r1@y.test", 250], ["r2@y.test", 452]]);
    assert.equal((await client.noop()).message, "noop here");
  }, { timeouts: { dataTermination: 1000 } }, LMTP);
});

test("LMTP low-level: a raw RCPT whose quoted local part holds '>' is named by its whole path in data()'s replies", async () => {
  const session = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<"r>1"@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 2.0.0 ok
`;
  await withScript(session, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    assert.equal((await client.docmd('RCPT TO:<"r>1"@y.test>')).code, 250);
    const reply = await client.data("hi");
    assert.deepEqual([...(reply.recipients ?? new Map()).keys()], ['"r>1"@y.test']);
  }, { timeouts: { dataTermination: 1000 } }, LMTP);
});
