/**
 * Commands given with the caller's own verb (docmd): a raw MAIL is a low-level command, so
 * a 1yz/3yz to it is the caller's to read (as Python), not a close; a raw RCPT to the null
 * path `<>` that an LMTP server accepts is one of the recipients that data() reads a
 * reply for (RFC 2033 §4.2), as any other: else its reply would answer the next command.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP } from "../../src/index.js";
import { greeting, LHLO, withScript } from "../helpers/client.js";

test("docmd('MAIL FROM:...') answered 354: the reply is returned to the caller and the connection stays, as for any low-level command", async () => {
  const script = `${greeting([])}C: MAIL FROM:<a@x.test>
S: 354 odd but yours to read
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    const reply = await client.docmd("MAIL FROM:<a@x.test>");
    assert.deepEqual([reply.code, reply.message], [354, "odd but yours to read"]);
    assert.equal(client.connected, true);
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("LMTP low-level: docmd('RCPT TO:<>') accepted counts as a recipient: data() reads its reply too, and the next command gets its own", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: RCPT TO:<>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 2.0.0 r1 ok
S: 452 4.2.2 null path over quota
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    assert.equal((await client.docmd("RCPT TO:<>")).code, 250);
    const reply = await client.data("hi");
    assert.equal(reply.code, 452);
    assert.deepEqual([...(reply.recipients ?? new Map()).entries()].map(([a, r]) => [a, r.code]), [["r1@y.test", 250], ["", 452]]);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP low-level: rcpt() answered 300 (no 2yz) is no successful RCPT: data() reads a reply for the accepted recipient only", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: RCPT TO:<r2@y.test>
S: 300 odd
C: DATA
S: 354 go
C: hi
C: .
S: 250 2.0.0 r1 ok
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    assert.equal((await client.rcpt("r2@y.test")).code, 300);
    const reply = await client.data("hi");
    assert.equal(reply.code, 250);
    assert.deepEqual([...(reply.recipients ?? new Map()).entries()].map(([a, r]) => [a, r.code]), [["r1@y.test", 250]]);
    assert.equal((await client.noop()).message, "noop here");
  }, { timeouts: { dataTermination: 1000 } }, LMTP);
});
