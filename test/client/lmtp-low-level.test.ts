/**
 * LMTP (RFC 2033) through the low-level calls: mail/rcpt/data() with per-recipient replies
 * after the data, and a refused LHLO (SMTPHeloError, never HELO).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPHeloError, type SMTPReply } from "../../src/index.js";
import { LHLO, LMTP_TWO_TO_DATA, withScript } from "../helpers/client.js";

test("low-level mail/rcpt/data: data() resolves to the first refusal with a recipients map of every accepted recipient", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: RCPT TO:<r2@y.test>
S: 550 5.1.1 no r2
C: RCPT TO:<r3@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 2.0.0 r1 ok
S: 452 4.2.2 r3 over quota
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: DATA
S: 354 go
C: again
C: .
S: 250 2.0.0 r1 ok again
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    assert.equal((await client.mail("a@x.test")).code, 250);
    assert.equal((await client.rcpt("r1@y.test")).code, 250);
    assert.equal((await client.rcpt("r2@y.test")).code, 550);
    assert.equal((await client.rcpt("r3@y.test")).code, 250);
    const reply = await client.data("hi");
    assert.equal(reply.code, 452);
    assert.equal(reply.enhancedStatus, "4.2.2");
    assert.equal(reply.message, "4.2.2 r3 over quota");
    assert.deepEqual([...(reply.recipients ?? new Map<string, SMTPReply>())].map(([k, v]) => [k, v.code, v.message]).sort(), [
      ["r1@y.test", 250, "2.0.0 r1 ok"], ["r3@y.test", 452, "4.2.2 r3 over quota"],
    ]);
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    const again = await client.data("again");
    assert.equal(again.code, 250);
    assert.equal(again.message, "2.0.0 r1 ok again");
    assert.deepEqual([...(again.recipients ?? new Map<string, SMTPReply>()).keys()], ["r1@y.test"]);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("low-level data(): every accepted recipient refused after the data -> resolves (no throw) to the first refusal", async () => {
  const script = `${LMTP_TWO_TO_DATA}C: hi
C: .
S: 552 5.2.2 r1 full
S: 550 5.1.1 r2 gone
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    await client.rcpt("r2@y.test");
    const reply = await client.data("hi");
    assert.equal(reply.code, 552);
    assert.equal(reply.recipients?.size, 2);
    assert.equal(reply.recipients?.get("r2@y.test")?.code, 550);
  }, {}, LMTP);
});

test("low-level data() with no recipient accepted: the one reply to the end of data is returned, the next command stays in step", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 550 no r1
C: DATA
S: 354 go anyway
C: hi
C: .
S: 554 5.5.1 no valid recipients
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    const reply = await client.data("hi");
    assert.equal(reply.code, 554);
    assert.equal(reply.message, "5.5.1 no valid recipients");
    assert.equal(reply.recipients?.size, 0);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("a refused LHLO is SMTPHeloError and no HELO is sent (RFC 2033 §4.1)", async () => {
  const script = `
S: 220 lmtp.test LMTP
C: LHLO client.test
S: 500 5.5.1 what is LHLO
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi"), (err: unknown) => {
      assert.ok(err instanceof SMTPHeloError);
      assert.equal(err.smtpCode, 500);
      return true;
    });
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("ehloOrHeloIfNeeded on LMTP: LHLO refused -> SMTPHeloError, no HELO", async () => {
  const script = `
S: 220 lmtp.test LMTP
C: LHLO client.test
S: 502 no
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.ehloOrHeloIfNeeded(), SMTPHeloError);
  }, {}, LMTP);
});

test("low-level: a recipient accepted before rset() (or a raw RSET) is not owed a reply after a later transaction's data, begun with a raw MAIL", async () => {
  for (const reset of ["rset", "docmd"] as const) {
    const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<gone@y.test>
S: 250 ok
C: RSET
S: 250 reset
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
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
      await client.rcpt("gone@y.test");
      if (reset === "rset") await client.rset();
      else await client.docmd("RSET");
      await client.docmd("MAIL", "FROM:<a@x.test>");
      await client.rcpt("r1@y.test");
      // Before: one reply awaited per recipient since mail(), the reset one first: "gone"
      // took r1's reply, and r1's never came (the timeout closed the connection).
      const reply = await client.data("hi");
      assert.equal(reply.message, "2.0.0 r1 ok");
      assert.deepEqual([...(reply.recipients ?? new Map<string, SMTPReply>())].map(([k, v]) => [k, v.code]), [["r1@y.test", 250]]);
      assert.equal((await client.noop()).message, "noop here");
    }, { timeout: 1000 }, LMTP);
  }
});
