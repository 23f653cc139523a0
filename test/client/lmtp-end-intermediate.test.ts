/**
 * LMTP: a 354 (any 1yz/3yz) among the replies to the end of data of a transaction sent by
 * `sendmail` or `deliver`, byte for byte. The end of data ("." or BDAT LAST) takes no such
 * reply (RFC 5321 §4.3.2, RFC 3030 §2): the server broke the protocol, and its replies can
 * no longer be matched to recipients. The connection closes on it. As the first reply, the
 * call fails with the close (SMTPServerDisconnected naming the 354), saying that the message
 * may have been delivered (`delivery` "unknown": the other recipients' replies are never
 * read, and they may have it), each recipient unknown (code -1) in its `recipients`, as
 * when the connection is lost before the first reply; before, it was SMTPDataError,
 * "not-delivered" (lmtp-odd-first-delivery.test.ts). After a recipient's 250, that recipient stays delivered (a
 * caller who retries must not send it again) and the rest are unknown (code -1, the
 * SMTPDataError's text), as after a lost connection. Before, that recipient was reported
 * refused with code 354. The replies the server sends after it (the other recipients', and
 * more) are never read: the call queued behind, which waits for the replies to the end of
 * data before it writes anything (so that no reply of this transaction reaches it), fails
 * with the close, nothing of it sent.
 *
 * The client's timeout (5 s) is only a guard: the assertions tell a prompt close from a
 * timeout by the errors' classes and causes, not by measuring time.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";
import { closedOn, notSent } from "../helpers/closed-on.js";
import { assertDelivery } from "../helpers/delivery.js";
import { traced } from "../helpers/flow-trace.js";

const RECIPIENTS = ["r1@y.test", "r2@y.test", "r3@y.test"];

/** The pipelined envelope for a@x.test -> {@link RECIPIENTS}, and its replies. */
const ENVELOPE = `C: MAIL FROM:<a@x.test>
${RECIPIENTS.map((r) => `C: RCPT TO:<${r}>`).join("\n")}
`;
const ENVELOPE_ACCEPTED = "S: 250 ok\nS: 250 ok\nS: 250 ok\nS: 250 ok\n";

/**
 * The replies after the end of data: `before` recipients delivered, then "354 go ahead",
 * then a reply for each recipient after it and two more, all in one write: read in
 * order, each would answer the wrong recipient or command.
 */
function endReplies(before: number): string {
  const delivered = RECIPIENTS.slice(0, before).map((r) => `S: 250 2.0.0 <${r}> delivered\n`).join("");
  const after = RECIPIENTS.slice(before + 1).map((r) => `S: 250 2.0.0 <${r}> delivered\n`).join("");
  return `${delivered}S: 354 go ahead\n${after}S: 250 ok\nS: 250 ok\n`;
}

/**
 * The close on the 354 to the end of data (naming `answered`), saying that the message may
 * have been delivered, each recipient unknown (code -1, naming the 354).
 */
function endOfData354(err: unknown, answered: RegExp): true {
  closedOn(err, 354, answered);
  assertDelivery(err, "unknown");
  const recipients = (err as SMTPServerDisconnected).recipients!;
  assert.deepEqual([...recipients.keys()], RECIPIENTS);
  for (const reply of recipients.values()) {
    assert.equal(reply.code, -1);
    // whose reply the 354 was, and in which phase ("354 go ahead" alone said neither)
    assert.match(reply.message, /^No reply for this recipient: the connection was closed on "354 go ahead", r1@y\.test's reply after the data, which is not a final reply; whether it got the message is unknown$/);
  }
  return true;
}

/**
 * The outcome after recipient 1's 250 and then the 354: r1 delivered, r2 and r3 unknown
 * (code -1, naming the 354); `deliver` gives the whole delivery, `sendmail` the refusals.
 */
function unknownAfter354(name: string, result: unknown): void {
  type Replies = Map<string, { code: number; message: string }>;
  const refused = name === "deliver" ? (result as { refused: Replies }).refused : result as Replies;
  assert.deepEqual([...refused.keys()], ["r2@y.test", "r3@y.test"]);
  for (const reply of refused.values()) {
    assert.equal(reply.code, -1);
    assert.match(reply.message, /^No reply for this recipient: .*354 go ahead.*; whether it got the message is unknown$/);
  }
  if (name === "deliver") {
    const { delivered } = result as { delivered: Replies };
    assert.deepEqual([...delivered].map(([r, reply]) => [r, reply.code, reply.message]), [["r1@y.test", 250, "2.0.0 <r1@y.test> delivered"]]);
  }
}

/** The two calls under test: each sends the message to {@link RECIPIENTS}. */
const CALLS: readonly (readonly [string, (client: LMTP) => Promise<unknown>])[] = [
  ["deliver", (client) => client.deliver("a@x.test", RECIPIENTS, "first\r\n")],
  ["sendmail", (client) => client.sendmail("a@x.test", RECIPIENTS, "first\r\n")],
];

for (const [name, call] of CALLS) {
  for (const before of [0, 1]) {
    const outcome = before === 0 ? "the close, the message may have been delivered, each recipient unknown" : "recipient 1 delivered, 2 and 3 unknown";
    test(`LMTP, pipelined BDAT, ${name}: 354 after BDAT LAST was written, as the reply of recipient ${before + 1} of 3 -> ${outcome}; the replies after it reach neither a recipient nor the call queued behind`, async () => {
      // BDAT LAST goes with the envelope; the call behind, never (it waits for the replies to BDAT LAST).
      const script = `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}${ENVELOPE}C: BDAT 7 LAST
C! first\\r\\n
${ENVELOPE_ACCEPTED}${endReplies(before)}`;
      // The 354 answers BDAT LAST itself (the first recipient's slot) or a later recipient's.
      const answered = before === 0 ? /BDAT 7 LAST/ : /end of data \(recipient 2\)/;
      const t = traced();
      await withScript(script, async (client) => {
        const first = call(client);
        const second = client.deliver("a@x.test", "r4@y.test", "second\r\n");
        if (before === 0) await assert.rejects(first, (err: unknown) => endOfData354(err, answered));
        else unknownAfter354(name, await first);
        await assert.rejects(second, (err: unknown) => closedOn(err, 354, answered) && notSent(err));
        assert.equal(client.connected, false);
      }, t.options, LMTP);
      // The replies after the 354 were never read.
      const replies = `${before === 0 ? "" : "250 "}354`;
      assert.equal(t.flow(), `S 220 | C LHLO | S 250 | C MAIL RCPT RCPT RCPT BDAT LAST | S 250 250 250 250 ${replies}`);
    });
  }
}

for (const before of [0, 1]) {
  const outcome = before === 0
    ? "the first recipient's reply -> the close, the message may have been delivered, each recipient unknown"
    : "the second recipient's reply -> the first stays delivered, the rest unknown, as over BDAT";
  test(`LMTP, pipelined DATA, deliver: 354 after '.' as ${outcome}; the call queued behind fails with the close, unsent`, async () => {
    const script = `${greeting(["PIPELINING"], "LHLO")}${ENVELOPE}C: DATA
${ENVELOPE_ACCEPTED}S: 354 go
C: first
C: .
${endReplies(before)}`;
    // The 354 answers "." itself (the first recipient's slot) or the second recipient's.
    const answered = before === 0 ? /<message data, 10 bytes> \./ : /end of data \(recipient 2\)/;
    await withScript(script, async (client) => {
      const first = client.deliver("a@x.test", RECIPIENTS, "first\r\n");
      const second = client.deliver("a@x.test", "r4@y.test", "second\r\n");
      if (before === 0) await assert.rejects(first, (err: unknown) => endOfData354(err, answered));
      else unknownAfter354("deliver", await first);
      await assert.rejects(second, (err: unknown) => closedOn(err, 354, answered) && notSent(err));
      assert.equal(client.connected, false);
    }, {}, LMTP);
  });
}
