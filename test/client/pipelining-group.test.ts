/**
 * PIPELINING (RFC 2920) for one transaction: MAIL, RCPT and DATA written as one group, SIZE,
 * a refused sender, recipients or DATA (and a wrong 354), and a 421 anywhere in the group.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected } from "../../src/index.js";
import { PIPELINED_GROUP, withScript, EHLO_PIPELINING } from "../helpers/client.js";
import { traced } from "../helpers/flow-trace.js";

test("pipelined: MAIL + 3 RCPT + DATA in one group; a refused recipient is reported; the body and . follow", async () => {
  const script = `${EHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: RCPT TO:<d@y.test>
C: DATA
S: 250 2.1.0 sender ok
S: 250 2.1.5 ok
S: 550 5.1.1 no such user
S: 250 2.1.5 ok
S: 354 go ahead
C: Subject: hi
C:
C: ..dot
C: .
S: 250 2.0.0 queued as X
C: QUIT
S: 221 bye
`;
  const t = traced();
  await withScript(script, async (client) => {
    const delivery = await client.deliver("a@x.test", ["b@y.test", "c@y.test", "d@y.test"], "Subject: hi\n\n.dot\n");
    assert.deepEqual([...delivery.refused.keys()], ["c@y.test"]);
    assert.equal(delivery.refused.get("c@y.test")?.code, 550);
    assert.equal(delivery.refused.get("c@y.test")?.enhancedStatus, "5.1.1");
    assert.deepEqual([...delivery.delivered.keys()], ["b@y.test", "d@y.test"]);
    assert.equal(delivery.reply.message, "2.0.0 queued as X");
    assert.equal((await client.quit()).code, 221);
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT RCPT RCPT DATA | S 250 250 550 250 354 | C . | S 250 | C QUIT | S 221");
});

test("pipelined: sendmail with SIZE sends it on MAIL and returns the refused map", async () => {
  const script = `
S: 220 mx.test ESMTP
C: EHLO client.test
S: 250-mx.test
S: 250-SIZE 1000
S: 250 PIPELINING
C: MAIL FROM:<a@x.test> SIZE=4
C: RCPT TO:<b@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 354 go
C: hi
C: .
S: 250 queued
`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", "hi\r\n")).size, 0);
  });
});

test("pipelined: refused sender, accepted-looking RCPT replies, 503 to DATA -> SMTPSenderRefused, RSET (its reply not awaited: the next command follows it at once), next command in step", async () => {
  const script = `${EHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: DATA
S: 553 5.7.1 sender rejected
S: 250 2.1.5 ok
S: 250 2.1.5 ok
S: 503 5.5.1 no valid sender
C: RSET
S: 250 2.0.0 reset
C: NOOP
S: 250 2.0.0 noop here
`;
  const t = traced();
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("Al <a@x.test>", ["b@y.test", "c@y.test"], "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPSenderRefused);
      assert.equal(err.smtpCode, 553);
      assert.equal(err.sender, "Al <a@x.test>");
      assert.equal(err.enhancedStatus, "5.7.1");
      return true;
    });
    assert.equal((await client.noop()).message, "2.0.0 noop here");
  }, t.options);
  // Issue #7: the call fails without waiting for RSET's reply, and NOOP goes right behind it.
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT RCPT DATA | S 553 250 250 503 | C RSET NOOP | S 250 250");
});

test("pipelined: refused sender but the server wrongly answers DATA with 354 -> '.' alone, its reply read, RSET", async () => {
  const script = `${EHLO_PIPELINING}
${PIPELINED_GROUP}S: 550 5.7.1 sender rejected
S: 250 ok
S: 354 go ahead anyway
C: .
S: 554 5.5.1 no transaction
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  const t = traced();
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "secret body\r\n"), (err: unknown) =>
      err instanceof SMTPSenderRefused && err.smtpCode === 550);
    assert.equal((await client.noop()).message, "noop here");
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT DATA | S 550 250 354 | C . | S 554 | C RSET NOOP | S 250 250");
});

test("pipelined: every recipient refused and DATA answered 354 -> '.' alone, RSET, SMTPRecipientsRefused with every refusal", async () => {
  const script = `${EHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: DATA
S: 250 ok
S: 550 5.1.1 no b
S: 451 4.2.0 later c
S: 354 go ahead
C: .
S: 554 5.5.1 no valid recipients
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], "secret body\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused);
      assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code, v.message]), [
        ["b@y.test", 550, "5.1.1 no b"], ["c@y.test", 451, "4.2.0 later c"],
      ]);
      return true;
    });
    assert.equal((await client.noop()).message, "noop here");
  });
});

test("pipelined: every recipient refused and DATA refused -> RSET, SMTPRecipientsRefused", async () => {
  const script = `${EHLO_PIPELINING}
${PIPELINED_GROUP}S: 250 ok
S: 550 no b
S: 554 no valid recipients
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "x"), (err: unknown) =>
      err instanceof SMTPRecipientsRefused && err.recipients.get("b@y.test")?.code === 550);
  });
});

test("pipelined: a 421 in the middle of the group closes the connection, no further bytes, SMTPRecipientsRefused", async () => {
  const script = `${EHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 421 4.3.2 shutting down
-- close
`;
  const t = traced();
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused);
      assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code]), [["c@y.test", 421]]);
      return true;
    });
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT RCPT DATA | S 250 250 421");
});

test("pipelined: a 421 to MAIL closes the connection without RSET (SMTPSenderRefused)", async () => {
  const script = `${EHLO_PIPELINING}
${PIPELINED_GROUP}S: 421 4.3.2 bye
-- close
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) =>
      err instanceof SMTPSenderRefused && err.smtpCode === 421);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("pipelined: a 421 to DATA closes the connection without RSET (SMTPDataError)", async () => {
  const script = `${EHLO_PIPELINING}
${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 421 4.3.2 bye
-- close
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 421);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("pipelined: DATA refused with recipients accepted -> RSET, SMTPDataError", async () => {
  const script = `${EHLO_PIPELINING}
${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 554 5.3.0 no data today
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 554 && err.enhancedStatus === "5.3.0");
    assert.equal((await client.noop()).message, "noop here");
  });
});
