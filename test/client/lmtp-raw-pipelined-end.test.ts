/**
 * LMTP, raw `send()`: the end of data (".") of one transaction gets a reply per recipient
 * accepted (RFC 2033 §4.2), not one. A caller that writes the next transaction's MAIL and
 * RCPTs raw before reading those replies with `getreply()` (pipelining) reads them in order:
 * a RCPT's reply is the one after all of the previous message's. Found by the rev19 review.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP } from "../../src/index.js";
import { LHLO, withScript } from "../helpers/client.js";

test("LMTP raw: the next transaction written before the previous message's replies are read: data() reports each recipient with its own reply", async () => {
  const script = `${LHLO}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 250 ok
S: 354 go
C: hi
C: .
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r3@y.test>
C: RCPT TO:<r4@y.test>
S: 250 2.0.0 r1 done
S: 250 2.0.0 r2 done
S: 250 ok
S: 550 5.1.1 r3 unknown
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 2.0.0 r4 done
C: NOOP
S: 250 noop ok
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.send("MAIL FROM:<a@x.test>\r\nRCPT TO:<r1@y.test>\r\nRCPT TO:<r2@y.test>\r\nDATA\r\n");
    const first = [];
    for (let i = 0; i < 4; i++) first.push((await client.getreply()).code);
    assert.deepEqual(first, [250, 250, 250, 354]);
    await client.send("hi\r\n.\r\nMAIL FROM:<a@x.test>\r\nRCPT TO:<r3@y.test>\r\nRCPT TO:<r4@y.test>\r\n");
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push((await client.getreply()).message);
    assert.deepEqual(replies, ["2.0.0 r1 done", "2.0.0 r2 done", "ok", "5.1.1 r3 unknown", "ok"]);
    const reply = await client.data("hi");
    assert.deepEqual([...reply.recipients].map(([k, v]) => [k, v.code, v.message]), [["r4@y.test", 250, "2.0.0 r4 done"]]);
    assert.equal((await client.noop()).message, "noop ok");
  }, { pipelining: false }, LMTP);
});

test("LMTP raw: a RCPT whose reply is read after the next transaction's MAIL was written is not counted for that transaction: data() reads only its own recipients' replies", async () => {
  const script = `${LHLO}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: BDAT 2 LAST
C! hi
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r3@y.test>
S: 250 ok
S: 250 ok
S: 250 2.0.0 r1 done
S: 250 ok
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 2.0.0 r3 done
C: NOOP
S: 250 noop ok
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.send("MAIL FROM:<a@x.test>\r\nRCPT TO:<r1@y.test>\r\nBDAT 2 LAST\r\nhiMAIL FROM:<a@x.test>\r\nRCPT TO:<r3@y.test>\r\n");
    const replies = [];
    for (let i = 0; i < 5; i++) replies.push((await client.getreply()).message);
    assert.deepEqual(replies, ["ok", "ok", "2.0.0 r1 done", "ok", "ok"]);
    const reply = await client.data("hi");
    assert.deepEqual([...reply.recipients].map(([k, v]) => [k, v.code, v.message]), [["r3@y.test", 250, "2.0.0 r3 done"]]);
    assert.equal((await client.noop()).message, "noop ok");
  }, { pipelining: false, timeout: 2000 }, LMTP);
});
