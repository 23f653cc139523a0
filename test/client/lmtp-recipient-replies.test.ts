/**
 * LMTP (RFC 2033, issue 6) byte for byte: one reply per accepted recipient after the data,
 * lock-step and pipelined, refusals (at RCPT and after the data) reported in one map, full
 * replies from `deliver()`, slow replies, and a refused sender or every recipient refused.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPRecipientsRefused, SMTPSenderRefused, type SMTPReply } from "../../src/index.js";
import { LHLO, LHLO_PIPELINING, LMTP_TWO_TO_DATA, withScript } from "../helpers/client.js";
import { traced } from "../helpers/flow-trace.js";

const SIX = ["r1@y.test", "r2@y.test", "r3@y.test", "r4@y.test", "r5@y.test", "r6@y.test"];

/** After DATA: r1, r4 and r6 refused; r3 and r5 delivered (r2 was refused at RCPT). */
const AFTER_DATA = `
S: 452 4.2.2 <r1@y.test> mailbox over quota
S: 250 2.0.0 <r3@y.test> delivered
S: 552 5.2.2 <r4@y.test> mailbox full
S: 250 2.0.0 <r5@y.test> saved
S: 550 5.7.1 <r6@y.test> rejected by sieve
`;

function rcptLines(): string {
  return SIX.map((r) => `C: RCPT TO:<${r}>`).join("\n");
}

const RCPT_REPLIES = `
S: 250 2.1.5 ok
S: 550 5.1.1 <r2@y.test> unknown user
S: 250 2.1.5 ok
S: 250 2.1.5 ok
S: 250 2.1.5 ok
S: 250 2.1.5 ok
`;

function checkSix(refused: Map<string, SMTPReply>): void {
  assert.deepEqual([...refused].map(([k, v]) => [k, v.code, v.enhancedStatus, v.message]), [
    ["r2@y.test", 550, "5.1.1", "5.1.1 <r2@y.test> unknown user"],
    ["r1@y.test", 452, "4.2.2", "4.2.2 <r1@y.test> mailbox over quota"],
    ["r4@y.test", 552, "5.2.2", "5.2.2 <r4@y.test> mailbox full"],
    ["r6@y.test", 550, "5.7.1", "5.7.1 <r6@y.test> rejected by sieve"],
  ]);
}

test("issue 6, lock-step: RCPT refuses r2, DATA refuses r1, r4, r6 -> exactly those four; r3 and r5 delivered; NOOP gets its own reply", async () => {
  const lockstep = SIX.map((r, i) => `C: RCPT TO:<${r}>\nS: ${i === 1 ? "550 5.1.1 <r2@y.test> unknown user" : "250 2.1.5 ok"}`).join("\n");
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 2.1.0 ok
${lockstep}
C: DATA
S: 354 go ahead
C: Subject: six
C:
C: hello
C: .
${AFTER_DATA}
C: NOOP
S: 250 2.0.0 noop here
`;
  const t = traced();
  await withScript(script, async (client) => {
    const refused = await client.sendmail("a@x.test", SIX, "Subject: six\n\nhello\n");
    checkSix(refused);
    const noop = await client.noop();
    assert.equal(noop.message, "2.0.0 noop here");
  }, t.options, LMTP);
  assert.equal(t.flow(),
    "S 220 | C LHLO | S 250 | C MAIL | S 250 | C RCPT | S 250 | C RCPT | S 550 | C RCPT | S 250 | C RCPT | S 250 | C RCPT | S 250 | C RCPT | S 250 | C DATA | S 354 | C . | S 452 250 552 250 550 | C NOOP | S 250");
});

test("issue 6, pipelined: the same six recipients in one group; deliver() keeps every delivered recipient's full reply", async () => {
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
${rcptLines()}
C: DATA
S: 250 2.1.0 ok
${RCPT_REPLIES}
S: 354 go ahead
C: hello
C: .
${AFTER_DATA}
C: NOOP
S: 250 2.0.0 noop here
`;
  const t = traced();
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", SIX, "hello\r\n");
    checkSix(d.refused);
    assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.code, v.enhancedStatus, v.message]), [
      ["r3@y.test", 250, "2.0.0", "2.0.0 <r3@y.test> delivered"],
      ["r5@y.test", 250, "2.0.0", "2.0.0 <r5@y.test> saved"],
    ]);
    assert.equal(d.reply.code, 452); // the first refusal after the data
    assert.equal((await client.noop()).message, "2.0.0 noop here");
  }, t.options, LMTP);
  assert.equal(t.flow(),
    "S 220 | C LHLO | S 250 | C MAIL RCPT RCPT RCPT RCPT RCPT RCPT DATA | S 250 250 550 250 250 250 250 354 | C . | S 452 250 552 250 550 | C NOOP | S 250");
});

test("pipelined LMTP: a NOOP issued during sendmail goes once the replies after '.' are read (no surplus reply could reach it), and gets its own reply, not a recipient's", async () => {
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
${rcptLines()}
C: DATA
S: 250 2.1.0 ok
${RCPT_REPLIES}
S: 354 go ahead
C: hello
C: .
${AFTER_DATA}
C: NOOP
S: 250 2.0.0 noop here
`;
  const t = traced();
  await withScript(script, async (client) => {
    const sent = client.sendmail("a@x.test", SIX, "hello\r\n");
    const noop = client.noop();
    checkSix(await sent);
    assert.equal((await noop).message, "2.0.0 noop here");
  }, t.options, LMTP);
  assert.match(t.flow(), /C \. \| S 452 250 552 250 550 \| C NOOP \| S 250$/);
});

test("LMTP: per-recipient replies that arrive one by one, slowly, are each matched", async () => {
  const script = `${LMTP_TWO_TO_DATA}C: hi
C: .
S! 250 2.0.0 r1
-- wait 30
S! \\r\\n250-2.0.0 r2\\r\\n
-- wait 30
S: 250 2.0.0 r2 (continued)
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], "hi");
    assert.equal(d.refused.size, 0);
    assert.equal(d.delivered.get("r1@y.test")?.message, "2.0.0 r1");
    assert.deepEqual(d.delivered.get("r2@y.test")?.lines, ["2.0.0 r2", "2.0.0 r2 (continued)"]);
    assert.equal(d.reply.message, "2.0.0 r2\n2.0.0 r2 (continued)"); // all succeeded: the last reply
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP: every recipient refused after DATA -> SMTPRecipientsRefused with every refusal (RCPT and after data)", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 550 5.1.1 no r1
C: RCPT TO:<r2@y.test>
S: 250 ok
C: RCPT TO:<r3@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 452 4.2.2 r2 over quota
S: 554 5.6.0 r3 content rejected
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test", "r3@y.test"], "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused);
      assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code]), [["r1@y.test", 550], ["r2@y.test", 452], ["r3@y.test", 554]]);
      return true;
    });
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP: every recipient refused at RCPT -> RSET, SMTPRecipientsRefused, no data sent", async () => {
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: DATA
S: 250 ok
S: 550 no r1
S: 503 no valid recipients
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "r1@y.test", "hi\r\n"), SMTPRecipientsRefused);
  }, {}, LMTP);
});

test("LMTP: a refused sender -> RSET, SMTPSenderRefused", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 550 5.7.1 no
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "r1@y.test", "hi\r\n"), SMTPSenderRefused);
  }, {}, LMTP);
});
