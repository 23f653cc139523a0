/**
 * LMTP (RFC 2033) outcomes when the per-recipient replies do not simply come one each: an
 * address given twice, a 421 among them, the connection closing among them. Whatever is
 * known is kept; what is not is reported unknown (code -1), so that a caller retrying the
 * refused never resends to a recipient that has the message.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPDataError, SMTPRecipientsRefused, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, LHLO, withScript } from "../helpers/client.js";


/** A lock-step transaction up to the end of "hi": MAIL, then each RCPT with its reply, DATA. */
function lockStep(rcpts: readonly (readonly [string, string])[]): string {
  const lines = ["C: MAIL FROM:<a@x.test>", "S: 250 ok", ...rcpts.flatMap(([addr, reply]) => [`C: RCPT TO:<${addr}>`, `S: ${reply}`])];
  return `${[...lines, "C: DATA", "S: 354 go", "C: hi", "C: ."].join("\n")}\n`;
}

test("LMTP: an address given twice that got the message once is delivered, not also refused (at RCPT or after the data): a retry of the refused must not resend to it", async () => {
  const rcpts = [["r1@y.test", "452 4.5.3 duplicate, later"], ["r1@y.test", "250 ok"], ["r2@y.test", "250 ok"], ["r2@y.test", "250 ok"]] as const;
  const script = `${LHLO}${lockStep(rcpts)}S: 250 2.0.0 r1 delivered
S: 250 2.0.0 r2 delivered
S: 452 4.2.2 r2 over quota the second time
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r1@y.test", "r2@y.test", "r2@y.test"], "hi\r\n");
    assert.deepEqual([...d.delivered.keys()], ["r1@y.test", "r2@y.test"]);
    assert.deepEqual([...d.refused.keys()], []);
  }, { pipelining: false }, LMTP);
});

test("SMTP deliver(): an address given twice, refused once at RCPT and accepted once, is delivered, not also refused; sendmail reports it refused, as Python's does", async () => {
  const transaction = `${lockStep([["r1@y.test", "452 4.5.3 duplicate, later"], ["r1@y.test", "250 ok"]])}S: 250 2.0.0 queued
`;
  await withScript(`${greeting([])}${transaction}${transaction}`, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r1@y.test"], "hi\r\n");
    assert.deepEqual([...d.delivered.keys()], ["r1@y.test"]);
    assert.deepEqual([...d.refused.keys()], []);
    const refused = await client.sendmail("a@x.test", ["r1@y.test", "r1@y.test"], "hi\r\n");
    assert.deepEqual([...refused.keys()], ["r1@y.test"]);
  });
});

/** LHLO, r1-r3 accepted, "hi" sent, and only r1's reply after the data: what follows is each test's own. */
const THREE_THEN_R1_DELIVERED = `${LHLO}${lockStep([["r1@y.test", "250 ok"], ["r2@y.test", "250 ok"], ["r3@y.test", "250 ok"]])}S: 250 2.0.0 r1 delivered
`;

test("LMTP: a 421 among the per-recipient replies closes the connection; it is that recipient's reply, and those after it, who got none, are unknown (code -1)", async () => {
  const script = `${THREE_THEN_R1_DELIVERED}S: 421 4.3.2 shutting down
-- close
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test", "r3@y.test"], "hi\r\n");
    assert.deepEqual([...d.delivered.keys()], ["r1@y.test"]);
    assert.deepEqual([...d.refused].map(([k, v]) => [k, v.code]), [["r2@y.test", 421], ["r3@y.test", -1]]);
    assert.match(d.refused.get("r3@y.test")!.message, /^No reply for this recipient: the server closed the connection after "421 4\.3\.2 shutting down" for an earlier recipient \(r2@y\.test's reply after the data\); whether it got the message is unknown$/);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  }, {}, LMTP);
});

test("LMTP: the connection closing among the per-recipient replies keeps what is known; the rest are reported unknown (code -1)", async () => {
  const script = `${THREE_THEN_R1_DELIVERED}-- close
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test", "r3@y.test"], "hi\r\n");
    assert.deepEqual([...d.delivered.keys()], ["r1@y.test"], "r1 is known to have the message: a retry must not include it");
    assert.deepEqual([...d.refused].map(([k, v]) => [k, v.code]), [["r2@y.test", -1], ["r3@y.test", -1]]);
    assert.match(d.refused.get("r2@y.test")!.message, /^No reply for this recipient: Connection unexpectedly closed.*unknown$/);
    // The call's reply is the first that did not deliver (r2's unknown), not r1's 250: the
    // message did not reach everyone.
    assert.equal(d.reply, d.refused.get("r2@y.test"));
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  }, {}, LMTP);
  // A malformed line instead of the second reply also ends the connection: the same.
  const garbled = script.replace("S: 250 2.0.0 r1 delivered\n", "S: 250 2.0.0 r1 delivered\nS: garbage\n");
  await withScript(garbled, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test", "r3@y.test"], "hi\r\n");
    assert.deepEqual([...d.delivered.keys()], ["r1@y.test"]);
    assert.match(d.refused.get("r3@y.test")!.message, /^No reply for this recipient: -1 Malformed reply line "garbage"/);
  }, {}, LMTP);
  // With no reply at all, nothing is known: the call fails as before.
  const none = script.replace("S: 250 2.0.0 r1 delivered\n", "");
  await withScript(none, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test", "r3@y.test"], "hi\r\n"), SMTPServerDisconnected);
  }, {}, LMTP);
});

test("LMTP: the first recipient refused after the data, then the connection closing (or a 421) -> the call resolves with the others unknown (code -1), not SMTPRecipientsRefused, which says nobody got the message", async () => {
  const start = `${LHLO}${lockStep([["r1@y.test", "250 ok"], ["r2@y.test", "250 ok"], ["r3@y.test", "250 ok"]])}S: 552 5.2.2 r1 over quota\n`;
  for (const [end, r2] of [["-- close\n", -1], ["S: 421 4.3.2 shutting down\n-- close\n", 421]] as const) {
    await withScript(`${start}${end}`, async (client) => {
      // Before: SMTPRecipientsRefused "All recipients were refused", although r2 and r3 may
      // have the message (their replies never came): a caller would retry them all.
      const refused = await client.sendmail("a@x.test", ["r1@y.test", "r2@y.test", "r3@y.test"], "hi\r\n");
      assert.deepEqual([...refused].map(([k, v]) => [k, v.code]), [["r1@y.test", 552], ["r2@y.test", r2], ["r3@y.test", -1]]);
      assert.match(refused.get("r3@y.test")!.message, /whether it got the message is unknown$/);
    }, {}, LMTP);
  }
  // Every recipient refused, each with its own reply: nobody got it, as before.
  const all = `${LHLO}${lockStep([["r1@y.test", "250 ok"], ["r2@y.test", "250 ok"]])}S: 552 5.2.2 r1 over quota\nS: 550 5.1.1 r2 gone\n`;
  await withScript(all, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n"), (err: unknown) =>
      err instanceof SMTPRecipientsRefused && [...err.recipients.values()].every((r) => r.code >= 500));
  }, {}, LMTP);
});

// Each recipient's reply text was shown without its phase: "r1@y.test: 550 ...; r2@y.test:
// 452 ..." read as two RCPT refusals, though r2 was accepted at RCPT and refused after the data.
test("LMTP: SMTPRecipientsRefused after the data marks each recipient with the phase its refusal came in (at RCPT, after the data)", async () => {
  const mixed = `${LHLO}${lockStep([["r1@y.test", "550 5.1.1 no such user"], ["r2@y.test", "250 ok"]])}S: 452 4.2.2 r2 mailbox full\n`;
  await withScript(mixed, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n"), (err: unknown) => err instanceof SMTPRecipientsRefused &&
      err.message === "All recipients were refused: r1@y.test (at RCPT): 550 5.1.1 no such user; r2@y.test (after the data): 452 4.2.2 r2 mailbox full"
      && err.command === "end of data" && err.recipients.get("r2@y.test")?.code === 452);
  }, {}, LMTP);
  // every refusal after the data: each says so (the error's command alone did)
  const after = `${LHLO}${lockStep([["r1@y.test", "250 ok"]])}S: 452 4.2.2 r1 mailbox full\n`;
  await withScript(after, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "r1@y.test", "hi\r\n"), (err: unknown) => err instanceof SMTPRecipientsRefused &&
      err.message === "All recipients were refused: r1@y.test (after the data): 452 4.2.2 r1 mailbox full");
  }, {}, LMTP);
});

test("LMTP: a 1yz/3yz as a later recipient's reply after the data: the unknown outcomes name whose reply it was and its phase", async () => {
  const script = `${THREE_THEN_R1_DELIVERED}S: 354 go ahead\n`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test", "r3@y.test"], "hi\r\n");
    assert.deepEqual([...d.refused].map(([k, v]) => [k, v.code]), [["r2@y.test", -1], ["r3@y.test", -1]]);
    for (const reply of d.refused.values()) {
      assert.equal(reply.message, "No reply for this recipient: the connection was closed on \"354 go ahead\", r2@y.test's reply after the data, which is not a final reply; whether it got the message is unknown");
    }
  }, {}, LMTP);
});

test("LMTP: a 1yz/3yz as the only recipient's reply after the data: the SMTPDataError names that recipient and the phase", async () => {
  // r1 refused at RCPT, r2 the only one accepted: "354 go ahead" alone did not say it was r2's
  const script = `${LHLO}${lockStep([["r1@y.test", "550 5.1.1 no such user"], ["r2@y.test", "250 ok"]])}S: 354 go ahead\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n"), (err: unknown) => err instanceof SMTPDataError &&
      err.message === "354 go ahead (r2@y.test's reply after the data): the message may have been delivered" && err.smtpError === "go ahead"
      && err.smtpCode === 354 && err.delivery === "unknown" && err.command === "end of data");
  }, {}, LMTP);
});
