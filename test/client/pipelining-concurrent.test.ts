/**
 * PIPELINING (RFC 2920) across calls: concurrent transactions written back to back, when
 * the client stays lock-step (pipelining: false, not advertised, HELO), each transaction's
 * command encoding, and each reply's own timeout.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPDataError, SMTPSenderRefused, SMTPTimeoutError } from "../../src/index.js";
import { greeting, HELO_ONLY, LOCK_STEP_TO_DATA, PIPELINED_GROUP, withScript, EHLO_PIPELINING } from "../helpers/client.js";
import { traced } from "../helpers/flow-trace.js";

/** Script lines: a lock-step transaction a@x.test -> b@y.test carrying `body`, ended with the `final` reply. */
const lockStepMessage = (body: string, final: string): string => `${LOCK_STEP_TO_DATA}C: ${body}
C: .
S: ${final}
`;

const EHLO_PLAIN = greeting(["8BITMIME"]);

const TWO_TRANSACTIONS = (firstFinal: string): string => `${EHLO_PIPELINING}
${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 354 go
C: first
C: .
C: MAIL FROM:<a@x.test>
C: RCPT TO:<c@y.test>
C: DATA
S: ${firstFinal}
S: 250 ok
S: 250 ok
S: 354 go
C: second
C: .
S: 250 2.0.0 second queued
C: QUIT
S: 221 bye
`;

test("concurrent sendmail calls: the second MAIL group follows the first '.' without waiting; each gets its own result", async () => {
  const t = traced();
  await withScript(TWO_TRANSACTIONS("250 2.0.0 first queued"), async (client) => {
    const first = client.deliver("a@x.test", "b@y.test", "first\r\n");
    const second = client.deliver("a@x.test", "c@y.test", "second\r\n");
    const quit = client.quit(); // pipelined after the second '.', as RFC 2920 allows
    const [d1, d2] = await Promise.all([first, second]);
    assert.equal(d1.reply.message, "2.0.0 first queued");
    assert.deepEqual([...d1.delivered.keys()], ["b@y.test"]);
    assert.equal(d2.reply.message, "2.0.0 second queued");
    assert.deepEqual([...d2.delivered.keys()], ["c@y.test"]);
    assert.equal((await quit).code, 221);
  }, t.options);
  assert.equal(t.flow(),
    "S 220 | C EHLO | S 250 | C MAIL RCPT DATA | S 250 250 354 | C . MAIL RCPT DATA | S 250 250 250 354 | C . QUIT | S 250 221");
});

test("concurrent sendmail calls: the first's 552 rejects only the first (SMTPDataError, no RSET); the second still succeeds", async () => {
  const t = traced();
  await withScript(TWO_TRANSACTIONS("552 5.3.4 first too big"), async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", "first\r\n");
    const second = client.sendmail("a@x.test", "c@y.test", "second\r\n");
    const [r1, r2] = await Promise.allSettled([first, second]);
    assert.equal(r1.status, "rejected");
    const err = (r1 as PromiseRejectedResult).reason as unknown;
    assert.ok(err instanceof SMTPDataError);
    assert.equal(err.smtpCode, 552);
    assert.equal(err.enhancedStatus, "5.3.4");
    assert.equal(r2.status, "fulfilled");
    assert.equal((r2 as PromiseFulfilledResult<Map<string, unknown>>).value.size, 0);
    assert.equal((await client.quit()).code, 221);
  }, t.options);
  assert.equal(t.flow(),
    "S 220 | C EHLO | S 250 | C MAIL RCPT DATA | S 250 250 354 | C . MAIL RCPT DATA | S 552 250 250 354 | C . | S 250 | C QUIT | S 221");
});

test("concurrent sendmail calls: the second's refused sender does not disturb the first's result", async () => {
  const script = `${EHLO_PIPELINING}
${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 354 go
C: first
C: .
C: MAIL FROM:<z@x.test>
C: RCPT TO:<c@y.test>
C: DATA
S: 250 first queued
S: 550 5.7.1 not you
S: 250 ok
S: 503 no sender
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    const first = client.deliver("a@x.test", "b@y.test", "first\r\n");
    const second = client.sendmail("z@x.test", "c@y.test", "second\r\n");
    await assert.rejects(second, (err: unknown) => err instanceof SMTPSenderRefused && err.sender === "z@x.test");
    assert.equal((await first).reply.message, "first queued");
  });
});

test("pipelining: false -> lock-step although PIPELINING is advertised", async () => {
  const script = `${EHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: RCPT TO:<c@y.test>
S: 550 no
C: DATA
S: 354 go
C: hi
C: .
S: 250 queued
`;
  const t = traced({ pipelining: false });
  await withScript(script, async (client) => {
    const refused = await client.sendmail("a@x.test", ["b@y.test", "c@y.test"], "hi\r\n");
    assert.deepEqual([...refused.keys()], ["c@y.test"]);
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL | S 250 | C RCPT | S 250 | C RCPT | S 550 | C DATA | S 354 | C . | S 250");
});

test("never pipelined when PIPELINING is not advertised (also two concurrent calls stay lock-step)", async () => {
  const script = `${EHLO_PLAIN}
${lockStepMessage("one", "250 first queued")}${lockStepMessage("two", "250 second queued")}`;
  const t = traced();
  await withScript(script, async (client) => {
    const [d1, d2] = await Promise.all([client.deliver("a@x.test", "b@y.test", "one"), client.deliver("a@x.test", "b@y.test", "two")]);
    assert.equal(d1.reply.message, "first queued");
    assert.equal(d2.reply.message, "second queued");
  }, t.options);
  assert.equal(t.flow(),
    "S 220 | C EHLO | S 250 | C MAIL | S 250 | C RCPT | S 250 | C DATA | S 354 | C . | S 250 | C MAIL | S 250 | C RCPT | S 250 | C DATA | S 354 | C . | S 250");
});

test("lock-step, two concurrent calls: a refused end of data gets its RSET before the next MAIL (the next call starts early only after a 250)", async () => {
  const script = `${EHLO_PLAIN}
${lockStepMessage("one", "554 5.6.0 rejected content")}C: RSET
S: 250 reset
${lockStepMessage("two", "250 second queued")}${lockStepMessage("three", "250 third queued")}`;
  const t = traced();
  await withScript(script, async (client) => {
    const [r1, r2, r3] = await Promise.allSettled([
      client.deliver("a@x.test", "b@y.test", "one"),
      client.deliver("a@x.test", "b@y.test", "two"),
      client.deliver("a@x.test", "b@y.test", "three"),
    ]);
    assert.ok(r1.status === "rejected" && r1.reason instanceof SMTPDataError && r1.reason.smtpCode === 554);
    assert.equal(r2.status === "fulfilled" && r2.value.reply.message, "second queued");
    assert.deepEqual(r3.status === "fulfilled" && [...r3.value.delivered.keys()], ["b@y.test"]);
  }, t.options);
  assert.match(t.flow(), /C \. \| S 554 \| C RSET \| S 250 \| C MAIL .*C \. \| S 250 \| C MAIL .*C \. \| S 250$/);
});

test("pipelined HELO fallback: a server that refuses EHLO gets no pipelining", async () => {
  const script = `${HELO_ONLY}${LOCK_STEP_TO_DATA}C: hi
C: .
S: 250 queued
`;
  const t = traced();
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", "hi");
  }, t.options);
  assert.match(t.flow(), /C MAIL \| S 250 \| C RCPT \| S 250 \| C DATA/);
});

test("pipelined: the command encoding belongs to each transaction, also when they overlap", async () => {
  const script = `${greeting(["PIPELINING", "SMTPUTF8"])}C: MAIL FROM:<jörg@x.test> SMTPUTF8
C: RCPT TO:<b@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 354 go
C: one
C: .
${PIPELINED_GROUP}S: 250 first queued
S: 250 ok
S: 250 ok
S: 354 go
C: two
C: .
S: 250 second queued
`;
  await withScript(script, async (client) => {
    const results = await Promise.all([
      client.deliver("jörg@x.test", "b@y.test", "one\r\n"),
      client.deliver("a@x.test", "b@y.test", "two\r\n"),
    ]);
    assert.deepEqual(results.map((r) => r.reply.message), ["first queued", "second queued"]);
    await assert.rejects(client.docmd("VRFY", "ü"), TypeError);
  });
});

test("a pipelined group waits on its last reply only, yet each reply keeps its own clock: the missing reply times out with its own phase", async () => {
  // MAIL and RCPT are answered, DATA never is: the wait is on DATA's slot, and its phase
  // (dataInitiation, 300 ms) is the one that expires, not the command phase (5 s).
  const script = `${EHLO_PIPELINING}
${PIPELINED_GROUP}S: 250 ok
S: 250 ok
-- wait 3000
`;
  await withScript(script, async (client) => {
    const started = Date.now();
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPTimeoutError, String(err));
      assert.equal(err.phase, "dataInitiation");
      return true;
    });
    assert.ok(Date.now() - started < 2500, "timed out on DATA's 300 ms, not later");
  }, { timeouts: { command: 5000, dataInitiation: 300 } });
});

test("a pipelined group with no reply at all times out on its first command's clock", async () => {
  const script = `${EHLO_PIPELINING}
${PIPELINED_GROUP}-- wait 3000
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPTimeoutError, String(err));
      assert.equal(err.phase, "command");
      assert.match(err.message, /MAIL FROM/);
      return true;
    });
  }, { timeouts: { command: 300, dataInitiation: 5000 } });
});
