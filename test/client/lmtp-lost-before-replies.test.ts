/**
 * LMTP (RFC 2033 §4.2): the connection lost after the end of data, before the first
 * per-recipient reply. The call fails ("may have been delivered"), and its error says what
 * is known of each recipient, as the map `sendmail` returns does when the connection goes
 * between the replies: refused at RCPT (that reply; surely not delivered), and accepted
 * with no reply yet (code -1, unknown). Over DATA and BDAT, pipelined and not. So too when
 * the first reply is not SMTP (garbled, over-long): the connection is closed on it.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { LMTP, SMTPResponseException, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { greeting, LHLO, LMTP_TWO_TO_DATA, withScript } from "../helpers/client.js";

const TO = ["r0@y.test", "r1@y.test", "r2@y.test"];

/** MAIL, RCPT r0 (refused), r1 and r2 (accepted), one at a time, then DATA and "hi". */
const LOCK_STEP = `${LHLO}C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r0@y.test>
S: 550 5.1.1 r0 unknown
C: RCPT TO:<r1@y.test>
S: 250 ok
C: RCPT TO:<r2@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
`;

/** The same, pipelined. */
const PIPELINED = `${greeting(["PIPELINING"], "LHLO")}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r0@y.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: DATA
S: 250 ok
S: 550 5.1.1 r0 unknown
S: 250 ok
S: 250 ok
S: 354 go
C: hi
C: .
`;

/** The same over BDAT (pipelined: LMTP reads the RCPT replies before BDAT LAST). */
const BDAT = `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r0@y.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
S: 250 ok
S: 550 5.1.1 r0 unknown
S: 250 ok
S: 250 ok
C: BDAT 4 LAST
C: hi
`;

/** Lock-step BDAT. */
const BDAT_LOCK_STEP = LOCK_STEP.replace(`${LHLO}`, greeting(["CHUNKING"], "LHLO")).replace("C: DATA\nS: 354 go\nC: hi\nC: .\n", "C: BDAT 4 LAST\nC: hi\n");

/** r0 refused at RCPT with its reply; r1 and r2 unknown (code -1). */
function checkOutcomes(err: unknown, cls: abstract new (...args: never[]) => SMTPServerDisconnected = SMTPServerDisconnected, why = "Connection unexpectedly closed"): true {
  assert.ok(err instanceof cls, String(err));
  assert.match(err.message, /the message may have been delivered$/);
  assert.ok(err.recipients !== undefined, "the error carries each recipient's outcome");
  assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code]), [["r0@y.test", 550], ["r1@y.test", -1], ["r2@y.test", -1]]);
  assert.equal(err.recipients.get("r0@y.test")!.enhancedStatus, "5.1.1");
  assert.match(err.recipients.get("r1@y.test")!.message, new RegExp(`^No reply for this recipient: ${why}.*whether it got the message is unknown$`));
  return true;
}

for (const [name, script, pipelining] of [["DATA, lock-step", LOCK_STEP, false], ["DATA, pipelined", PIPELINED, true], ["BDAT, pipelined", BDAT, true], ["BDAT, lock-step", BDAT_LOCK_STEP, false]] as const) {
  test(`LMTP, ${name}: the connection closing before the first reply after the data -> SMTPServerDisconnected whose recipients say who was refused at RCPT and who is unknown`, async () => {
    for (const call of ["sendmail", "deliver"] as const) {
      await withScript(`${script}-- close\n`, async (client) => {
        await assert.rejects(client[call]("a@x.test", TO, "hi\r\n"), (err) => checkOutcomes(err));
      }, { pipelining }, LMTP);
    }
  });
}

for (const [name, script, pipelining] of [["DATA, lock-step", LOCK_STEP, false], ["DATA, pipelined", PIPELINED, true], ["BDAT, pipelined", BDAT, true]] as const) {
  test(`LMTP, ${name}: a first reply after the data that is not SMTP (garbled, over-long) -> SMTPServerDisconnected, 'unknown', whose recipients say who was refused at RCPT and who is unknown`, async () => {
    for (const [bad, why] of [["garbage", "-1 Malformed reply line"], [`250 ${"x".repeat(9000)}`, "500 Line too long"]] as const) {
      await withScript(`${script}S: ${bad}\n`, async (client) => {
        // Before: SMTPResponseException, no recipients: nothing said r0 was refused at RCPT.
        await assert.rejects(client.sendmail("a@x.test", TO, "hi\r\n"), (err) => {
          assert.ok(err instanceof SMTPServerDisconnected, String(err));
          assert.equal(err.delivery, "unknown");
          assert.match(err.message, new RegExp(`^Connection closed on a reply that is not valid SMTP \\(${why}`));
          assert.ok(err.cause instanceof SMTPResponseException, "the parser's error is the cause");
          return checkOutcomes(err, SMTPServerDisconnected, why);
        });
        assert.equal(client.connected, false, "the connection was closed on it");
      }, { pipelining }, LMTP);
    }
  });
}

/** SMTP, one recipient, DATA lock-step up to its end of data (the reply to "." left to each test). */
const SMTP_TO_END = `${greeting([])}C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
`;

test("SMTP: a reply after the end of data that is not SMTP stays SMTPResponseException, 'unknown', without recipients", async () => {
  const script = `${SMTP_TO_END}S: garbage\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test"], "hi\r\n"), (err) =>
      err instanceof SMTPResponseException && err.constructor === SMTPResponseException && err.smtpCode === -1 && err.delivery === "unknown" && !("recipients" in err));
  });
});

test("LMTP, BDAT, a streamed body: the same", async () => {
  await withScript(`${BDAT}-- close\n`, async (client) => {
    await assert.rejects(client.deliver("a@x.test", TO, Readable.from([Buffer.from("hi\r\n")])), (err) => checkOutcomes(err));
  }, {}, LMTP);
});

test("LMTP: a timeout before the first reply after the data -> SMTPTimeoutError with the same recipients", async () => {
  await withScript(`${LOCK_STEP}-- wait 400\n`, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", TO, "hi\r\n"), (err) => {
      assert.ok(err instanceof SMTPTimeoutError);
      return checkOutcomes(err, SMTPTimeoutError, "Timed out after 100 ms");
    });
  }, { timeout: 100 }, LMTP);
});

test("LMTP low-level data(): the connection closing before the first reply -> SMTPServerDisconnected whose recipients hold each recipient accepted at RCPT, unknown (code -1)", async () => {
  await withScript(`${LMTP_TWO_TO_DATA}\nC: hi\nC: .\n-- close\n`, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    await client.rcpt("r2@y.test");
    await assert.rejects(client.data("hi\r\n"), (err) => {
      assert.ok(err instanceof SMTPServerDisconnected);
      assert.deepEqual([...err.recipients!].map(([k, v]) => [k, v.code]), [["r1@y.test", -1], ["r2@y.test", -1]]);
      return true;
    });
  }, { pipelining: false }, LMTP);
});

test("SMTP: the connection closing after the end of data -> SMTPServerDisconnected without recipients (one reply for all, unchanged)", async () => {
  const script = `${SMTP_TO_END}-- close\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test"], "hi\r\n"), (err) =>
      err instanceof SMTPServerDisconnected && err.recipients === undefined && /may have been delivered$/.test(err.message));
  });
});
