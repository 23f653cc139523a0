/**
 * LMTP owes a reply after the end of data to every successful RCPT (RFC 2033 §4.2), and
 * any 2yz reply is a successful one (RFC 5321 §4.2.1): a recipient answered 252 (say) has
 * its own reply after the data, like one answered 250. Counting only 250 and 251 read one
 * reply too few, and the one left over answered the next command (the next transaction's
 * MAIL), every reply after it one command late.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { LMTP } from "../../src/index.js";
import { greeting, LHLO, withScript } from "../helpers/client.js";
import { scriptEscape } from "../helpers/flow-trace.js";

const LHLO_PIPELINING = greeting(["PIPELINING"], "LHLO");

test("LMTP, two sendmails at once, a RCPT answered 252: its reply after the data is read for it, and the next transaction gets its own replies", async () => {
  const script = `${LHLO_PIPELINING}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 252 2.1.5 cannot verify, will attempt delivery
S: 354 go
C: one
C: .
S: 250 2.0.0 r1 saved
S: 452 4.2.2 r2 over quota
C: MAIL FROM:<b@x.test>
C: RCPT TO:<r3@y.test>
C: DATA
S: 553 5.1.8 sender domain refused
S: 550 5.5.1 no valid recipients
S: 503 5.5.1 no valid recipients
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    const [first, second] = await Promise.allSettled([
      client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], "one\r\n"),
      client.sendmail("b@x.test", ["r3@y.test"], "two\r\n"),
    ]);
    assert.ok(first.status === "fulfilled", String((first as PromiseRejectedResult).reason));
    assert.deepEqual([...first.value.delivered].map(([k, v]) => [k, v.code]), [["r1@y.test", 250]]);
    assert.deepEqual([...first.value.refused].map(([k, v]) => [k, v.code, v.message]), [["r2@y.test", 452, "4.2.2 r2 over quota"]]);
    assert.ok(second.status === "rejected");
    assert.equal((second.reason as { smtpCode?: number }).smtpCode, 553);
  }, {}, LMTP);
});

test("LMTP lock-step, a streamed body, a RCPT answered 252: one reply per successful RCPT after the data, each recipient with its own", async () => {
  const script = `${LHLO}C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 252 2.1.5 will attempt delivery
C: RCPT TO:<r2@y.test>
S: 250 ok
C: DATA
S: 354 go
C: one
C: .
S: 250 2.0.0 r1 saved
S: 250 2.0.0 r2 saved
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], Readable.from([Buffer.from("one\r\n")]));
    assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.message]), [["r1@y.test", "2.0.0 r1 saved"], ["r2@y.test", "2.0.0 r2 saved"]]);
    assert.equal(d.refused.size, 0);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP low-level: rcpt() answered 252 counts as accepted: data() reads its reply too, and the next command gets its own", async () => {
  const script = `${LHLO}C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 252 2.1.5 will attempt delivery
C: DATA
S: 354 go
C: one
C: .
S: 450 4.2.0 r1 mailbox busy
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    assert.equal((await client.rcpt("r1@y.test")).code, 252);
    const reply = await client.data("one\r\n");
    assert.equal(reply.code, 450);
    assert.deepEqual([...reply.recipients!].map(([k, v]) => [k, v.code]), [["r1@y.test", 450]]);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP, pipelined BDAT, a stream, the only RCPT answered 252: BDAT LAST goes (the recipient is not refused) and its reply is read for it", async () => {
  const script = `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
S: 250 ok
S: 252 2.1.5 will attempt delivery
C: BDAT 5 LAST
C! ${scriptEscape("one\r\n")}
S: 250 2.0.0 r1 saved
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test"], Readable.from([Buffer.from("one\r\n")]));
    assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.message]), [["r1@y.test", "2.0.0 r1 saved"]]);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP lock-step: a RCPT answered 200, the lowest 2yz, is a successful one, and a 200 after the data delivers: one reply read per recipient, the next command gets its own", async () => {
  const script = `${LHLO}C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 200 2.1.5 ok
C: RCPT TO:<r2@y.test>
S: 250 ok
C: DATA
S: 354 go
C: one
C: .
S: 200 2.0.0 r1 saved
S: 250 2.0.0 r2 saved
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], "one\r\n");
    assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.code, v.message]), [["r1@y.test", 200, "2.0.0 r1 saved"], ["r2@y.test", 250, "2.0.0 r2 saved"]]);
    assert.equal(d.refused.size, 0);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});
