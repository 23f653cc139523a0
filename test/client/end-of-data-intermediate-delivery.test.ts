/**
 * A 1yz or 3yz reply (here "354 go ahead", and "150 wait") to the end of data: DATA's "."
 * or BDAT LAST. The end of data takes a 2yz, 4yz or 5yz only (RFC 5321 §4.3.2, RFC 3030 §2):
 * the server broke the protocol after it had the whole message, and the connection is closed
 * on that reply. It refuses nothing: whether that server keeps and delivers the message
 * cannot be known, as when no reply comes, so the call's SMTPDataError says the message
 * may have been delivered (`delivery` "unknown"), over DATA and BDAT alike, for SMTP and
 * for LMTP's only recipient. It used to say "not-delivered", and a queue worker retrying
 * on that could deliver the message twice.
 *
 * Such a reply to a BDAT chunk (not the end), or one that comes while the end of data's
 * bytes are still being written (the server never had its end), stays "not-delivered".
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP, SMTPDataError, SMTPServerDisconnected } from "../../src/index.js";
import { EHLO_PIPELINING, greeting, LHLO, LOCK_STEP_TO_DATA, PIPELINED_GROUP, withScript } from "../helpers/client.js";
import { EHLO_BDAT, EHLO_CHUNKING } from "../helpers/bdat-scripts.js";
import { assertDelivery } from "../helpers/delivery.js";
import { SIZE, MESSAGE, withPausedScript } from "../helpers/paused-script.js";

/** The SMTPDataError for `code text` to `command`, with the close as cause and `delivery` as given. */
function intermediate(code: number, text: string, command: string, delivery: "unknown" | "not-delivered") {
  return (err: unknown): true => {
    assert.ok(err instanceof SMTPDataError, `expected SMTPDataError, got ${String(err)}`);
    assert.deepEqual([err.smtpCode, err.smtpError, err.command], [code, text, command]);
    assert.equal(err.isTransient || err.isPermanent, false, "no refusal");
    assert.ok(err.cause instanceof SMTPServerDisconnected, "the close is the cause");
    assertDelivery(err, delivery);
    return true;
  };
}

/** Flows to the end of data of "hi\r\n" to b@y.test (LMTP: r1@y.test alone), the reply to it left to the case. */
const FLOWS: readonly (readonly [string, typeof SMTP, string])[] = [
  ["SMTP, DATA, lock-step", SMTP, `${greeting(["8BITMIME"])}${LOCK_STEP_TO_DATA}C: hi\nC: .\n`],
  ["SMTP, DATA, pipelined", SMTP, `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 354 go\nC: hi\nC: .\n`],
  ["SMTP, BDAT, lock-step", SMTP, `${EHLO_CHUNKING}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT 4 LAST\nC! hi\\r\\n\n`],
  ["SMTP, BDAT written whole (PIPELINING)", SMTP, `${EHLO_BDAT}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT 4 LAST\nC! hi\\r\\n\nS: 250 ok\nS: 250 ok\n`],
  ["LMTP, one recipient, DATA", LMTP, `${LHLO}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<r1@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\nC: hi\nC: .\n`],
  [
    "LMTP, one recipient, BDAT written whole (PIPELINING)", LMTP,
    `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r1@y.test>\nC: BDAT 4 LAST\nC! hi\\r\\n\nS: 250 ok\nS: 250 ok\n`,
  ],
];

const REPLIES: readonly (readonly [number, string])[] = [[354, "go ahead"], [150, "wait"]];

test("a 1yz/3yz reply to the end of data written whole ('.' or BDAT LAST) -> SMTPDataError, delivery unknown: the message may have been delivered; the connection closed", async (t) => {
  for (const [flow, cls, opening] of FLOWS) {
    for (const [code, text] of REPLIES) {
      for (const method of ["sendmail", "deliver"] as const) {
        const label = `${flow}, ${code}, ${method}`;
        await t.test(label, () => withScript(`${opening}S: ${code} ${text}\n`, async (client) => {
          const to = cls === LMTP ? "r1@y.test" : "b@y.test";
          await assert.rejects(client[method]("a@x.test", to, "hi\r\n"), intermediate(code, text, "end of data", "unknown"));
          assert.equal(client.connected, false);
        }, {}, cls));
      }
    }
  }
});

test("a 354 to a BDAT chunk (not the end of data) stays not-delivered: the server never had the message's end", async () => {
  const chunk = 256 * 1024;
  const a = "a".repeat(chunk);
  const script = `${EHLO_CHUNKING}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT ${chunk}\nC! ${a}\nS: 354 go ahead\n`;
  async function* body(): AsyncGenerator<Buffer> {
    yield Buffer.from(a);
    yield Buffer.from("tail\r\n");
  }
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", body()), intermediate(354, "go ahead", "BDAT", "not-delivered"));
  });
});

test("a 354 to BDAT LAST that comes while its bytes are still being written stays not-delivered: the server never had the message's end", async (t) => {
  const cases: [string, string][] = [
    ["lock-step", `${EHLO_CHUNKING}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT ${SIZE} LAST\n-- pause\n`],
    ["written whole (PIPELINING)", `${EHLO_BDAT}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT ${SIZE} LAST\n-- pause\nS: 250 ok\nS: 250 ok\n`],
  ];
  for (const [flow, opening] of cases) {
    await t.test(flow, () => withPausedScript(`${opening}-- wait 100\nS: 354 go ahead\n-- wait 100\n-- destroy\n`, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", MESSAGE), intermediate(354, "go ahead", "end of data", "not-delivered"));
      assert.equal(client.connected, false);
    }));
  }
});
