/**
 * LMTP: a RCPT written with a raw `send()` and accepted (its reply read with `getreply()`)
 * counts among the recipients whose replies `data()` reads after the message (RFC 2033
 * §4.2), as one given to `rcpt()`, `docmd` or `putcmd` does. Before, `data()` read one reply
 * only: the next recipient's refusal was lost (the call said all went well), and when it
 * came late (an LMTP server answers as each delivery ends), the next command got it.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP } from "../../src/index.js";
import { LHLO, withScript } from "../helpers/client.js";

test("LMTP: RCPTs sent raw (one send(), replies read by getreply()), then data() reads a reply for each accepted one; the next command gets its own reply", async () => {
  const script = `${LHLO}C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r0@y.test>
C: RCPT TO:<r2@y.test>
S: 250 ok
S: 550 5.1.1 r0 unknown
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 2.0.0 r1 done
-- wait 300
S: 552 5.2.2 r2 over quota
C: NOOP
S: 250 noop ok
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.send("RCPT TO:<r1@y.test>\r\nRCPT TO:<r0@y.test>\r\nRCPT");
    await client.send(" TO:<r2@y.test>\r\n");
    assert.deepEqual([(await client.getreply()).code, (await client.getreply()).code, (await client.getreply()).code], [250, 550, 250]);
    // The server answers r2 a while after r1 (as each delivery ends): data() waits for it,
    // and does not leave it to the next command.
    const reply = await client.data("hi");
    assert.deepEqual([...reply.recipients].map(([k, v]) => [k, v.code]), [["r1@y.test", 250], ["r2@y.test", 552]]);
    assert.equal((await client.noop()).message, "noop ok");
  }, { pipelining: false }, LMTP);
});
