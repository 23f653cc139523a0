/**
 * A 2yz other than 250 to the end of data written whole ("251 odd" to DATA's "." or to BDAT
 * LAST): `sendmail` keeps Python's error (SMTPDataError: only 250 completes the end of data
 * in `smtplib`), but a 2yz is a positive completion (RFC 5321 §4.2.1): the server took the
 * whole message, and may deliver it. The error must not say "not-delivered" (a queue worker
 * retrying on that delivers the message twice): its `delivery` is "unknown", and its message
 * says that the message may have been delivered, over DATA and BDAT alike.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPDataError } from "../../src/index.js";
import { EHLO_PIPELINING, greeting, LOCK_STEP_TO_DATA, PIPELINED_GROUP, withScript } from "../helpers/client.js";
import { EHLO_BDAT, EHLO_CHUNKING } from "../helpers/bdat-scripts.js";
import { assertDelivery } from "../helpers/delivery.js";

/** Lock-step, a refused end of data is followed by RSET; pipelined, the end of data ended the transaction. */
const RSET = "C: RSET\nS: 250 ok\n";

/** Flows to the end of data of "hi\r\n" to b@y.test, the reply to it left to the case; then what follows a refusal. */
const FLOWS: readonly (readonly [string, string, string])[] = [
  ["DATA, lock-step", `${greeting(["8BITMIME"])}${LOCK_STEP_TO_DATA}C: hi\nC: .\n`, RSET],
  ["DATA, pipelined", `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 354 go\nC: hi\nC: .\n`, ""],
  ["BDAT, lock-step", `${EHLO_CHUNKING}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT 4 LAST\nC! hi\\r\\n\n`, RSET],
  ["BDAT written whole (PIPELINING)", `${EHLO_BDAT}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT 4 LAST\nC! hi\\r\\n\nS: 250 ok\nS: 250 ok\n`, ""],
];

test("a 2yz other than 250 to the end of data written whole -> SMTPDataError (as Python), delivery unknown: the server took the message", async (t) => {
  for (const [flow, opening, after] of FLOWS) {
    for (const [code, text] of [[251, "odd"], [200, "taken"]] as const) {
      await t.test(`${flow}, ${code}`, () => withScript(`${opening}S: ${code} ${text}\n${after}`, async (client) => {
        await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => {
          assert.ok(err instanceof SMTPDataError, `expected SMTPDataError, got ${String(err)}`);
          assert.deepEqual([err.smtpCode, err.smtpError, err.command], [code, text, "end of data"]);
          assertDelivery(err, "unknown");
          assert.match(err.message, /may have been delivered/);
          return true;
        });
        // Not closed: the reply completes the end of data (RSET after it lock-step, as after a refusal).
        assert.equal(client.connected, true);
      }, {}, SMTP));
    }
  }
});

test("a refusal (4yz/5yz) to the end of data stays not-delivered", async () => {
  await withScript(`${greeting(["8BITMIME"])}${LOCK_STEP_TO_DATA}C: hi\nC: .\nS: 554 no\nC: RSET\nS: 250 ok\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPDataError);
      assertDelivery(err, "not-delivered");
      return true;
    });
  });
});
