/**
 * Round trips per operation (issue #7: each costs ~60 us on loopback, 1-100 ms on real
 * networks): the client waits for a reply only where the RFCs make it. Counted with
 * `roundTrips` on the client's condensed flow against the script server, which answers a
 * group only once all of it has arrived: a client that waited within a group would never
 * get its reply (the test then fails on the client's timeout, with the flow shown).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused, type SMTP } from "../../src/index.js";
import { EHLO_PIPELINING, greeting, PIPELINED_GROUP, withScript } from "../helpers/client.js";
import { roundTrips, traced } from "../helpers/flow-trace.js";

/** The next call's group, "hi" from a@x.test to b@y.test, led by the refused call's RSET: one group. */
const RSET_THEN_GROUP = `C: RSET
${PIPELINED_GROUP}S: 250 reset
S: 250 ok
S: 250 ok
S: 354 go
C: hi
C: .
S: 250 queued
`;

/** Runs `script` with a traced client (a short timeout: a wait the script does not answer fails soon). */
async function flowOf(script: string, fn: (client: SMTP) => Promise<void>): Promise<string> {
  const t = traced({ timeout: 2000 });
  await withScript(script, fn, t.options);
  return t.flow();
}

async function nextIsSent(client: SMTP): Promise<void> {
  assert.equal((await client.sendmail("a@x.test", "b@y.test", "hi\r\n")).size, 0);
}

test("round trips: EHLO, a pipelined message over DATA, QUIT: 1 + 2 + 1", async () => {
  const flow = await flowOf(`${EHLO_PIPELINING}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 354 go\nC: hi\nC: .\nS: 250 queued\nC: QUIT\nS: 221 bye\n`, async (client) => {
    await nextIsSent(client);
    await client.quit();
  });
  assert.equal(flow, "S 220 | C EHLO | S 250 | C MAIL RCPT DATA | S 250 250 354 | C . | S 250 | C QUIT | S 221");
  assert.equal(roundTrips(flow), 4);
});

test("round trips: BDAT with PIPELINING, a message in memory to 50 recipients: one round trip after EHLO", async () => {
  const to = Array.from({ length: 50 }, (_, i) => `r${i}@y.test`);
  const script = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
${to.map((r) => `C: RCPT TO:<${r}>`).join("\n")}
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
${to.map(() => "S: 250 ok").join("\n")}
S: 250 queued
`;
  const flow = await flowOf(script, async (client) => {
    assert.equal((await client.sendmail("a@x.test", to, "hi\r\n")).size, 0);
  });
  assert.equal(roundTrips(flow), 2);
});

test("round trips: a refused sender's RSET is not awaited: the next sendmail's group goes right behind it", async () => {
  const script = `${EHLO_PIPELINING}C: MAIL FROM:<bad@x.test>
C: RCPT TO:<b@y.test>
C: DATA
S: 550 5.7.1 sender refused
S: 503 5.5.1 no sender
S: 503 5.5.1 no sender
${RSET_THEN_GROUP}`;
  const flow = await flowOf(script, async (client) => {
    await assert.rejects(client.sendmail("bad@x.test", "b@y.test", "hi\r\n"), SMTPSenderRefused);
    await nextIsSent(client);
  });
  assert.equal(flow, "S 220 | C EHLO | S 250 | C MAIL RCPT DATA | S 550 503 503 | C RSET MAIL RCPT DATA | S 250 250 250 354 | C . | S 250");
  assert.equal(roundTrips(flow), 4); // was 5: RSET alone, then its reply
});

test("round trips: every recipient refused (DATA): RSET goes with the next sendmail's group", async () => {
  const script = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>
C: RCPT TO:<gone@y.test>
C: DATA
S: 250 ok
S: 550 5.1.1 no such user
S: 554 5.5.1 no valid recipients
${RSET_THEN_GROUP}`;
  const flow = await flowOf(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "gone@y.test", "hi\r\n"), SMTPRecipientsRefused);
    await nextIsSent(client);
  });
  assert.equal(roundTrips(flow), 4);
});

test("round trips: DATA refused after accepted recipients: RSET goes with the next sendmail's group", async () => {
  const script = `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 451 4.3.0 try later
${RSET_THEN_GROUP}`;
  const flow = await flowOf(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), SMTPDataError);
    await nextIsSent(client);
  });
  assert.equal(roundTrips(flow), 4);
});

test("round trips: a whole BDAT transaction whose recipients were all refused: RSET goes with the next one", async () => {
  const script = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
C: RCPT TO:<gone@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 550 5.1.1 no such user
S: 554 5.5.1 no valid recipients
C: RSET
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 reset
S: 250 ok
S: 250 ok
S: 250 queued
`;
  const flow = await flowOf(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "gone@y.test", "hi\r\n"), SMTPRecipientsRefused);
    await nextIsSent(client);
  });
  assert.equal(roundTrips(flow), 3);
});

test("round trips: without PIPELINING the refused call's RSET is still awaited before the next MAIL (lock-step)", async () => {
  const script = `${greeting(["8BITMIME"])}C: MAIL FROM:<bad@x.test>
S: 550 5.7.1 sender refused
C: RSET
S: 250 reset
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 queued
`;
  const flow = await flowOf(script, async (client) => {
    await assert.rejects(client.sendmail("bad@x.test", "b@y.test", "hi\r\n"), SMTPSenderRefused);
    await nextIsSent(client);
  });
  assert.equal(flow, "S 220 | C EHLO | S 250 | C MAIL | S 550 | C RSET | S 250 | C MAIL | S 250 | C RCPT | S 250 | C DATA | S 354 | C . | S 250");
});
