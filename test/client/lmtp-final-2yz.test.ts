/**
 * LMTP's replies after the data (RFC 2033 §4.2) each say whether that recipient got the
 * message: any 2yz is a success (RFC 5321 §4.2.1, "the requested action has been
 * successfully completed"), not only 250. A recipient whose reply was 251 (say) has the
 * message: reported refused, it would be sent it again by a caller who retries.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP } from "../../src/index.js";
import { LMTP_TWO_TO_DATA, withScript } from "../helpers/client.js";

const TO_TWO = `${LMTP_TWO_TO_DATA}C: one
C: .
`;

test("LMTP: a 2yz other than 250 after the data is that recipient's delivery, not a refusal", async () => {
  const script = `${TO_TWO}S: 251 2.1.5 r1 forwarded
S: 452 4.2.2 r2 over quota
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], "one\r\n");
    assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.code]), [["r1@y.test", 251]]);
    assert.deepEqual([...d.refused].map(([k, v]) => [k, v.code]), [["r2@y.test", 452]]);
    assert.equal(d.reply.code, 452);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP: every recipient answered with a 2yz other than 250 after the data: sendmail resolves, nobody refused (not SMTPRecipientsRefused)", async () => {
  const script = `${TO_TWO}S: 251 2.1.5 r1 forwarded
S: 252 2.1.5 r2 taken
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const refused = await client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "one\r\n");
    assert.equal(refused.size, 0);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});
