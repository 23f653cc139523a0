/**
 * LMTP, the refusal-on-close path (src/client/refusal-on-close.ts, endRefusal): the server,
 * while BDAT LAST's bytes are still being written, replies for some recipients (refusing
 * them) and then closes. The client's write fails, and the replies that came make the error
 * (refusedAfterData in src/client/final-reply.ts), as after the data: checked here byte for
 * byte, the message and each recipient's entry, with those refused at RCPT marked so.
 */

import { test } from "node:test";
import assert from "node:assert/strict";
import { LMTP, SMTPRecipientsRefused } from "../../src/index.js";
import { greeting } from "../helpers/client.js";
import { MESSAGE, SIZE, withPausedScript } from "../helpers/paused-script.js";
import { lostWhileWriting } from "../helpers/closed-on.js";

test("LMTP BDAT LAST: replies for r1 and r2 while its bytes are written, then the server closes: SMTPRecipientsRefused, byte for byte, r0 at RCPT, r1 and r2 after the data, r3 not delivered", async () => {
  const envelope = "C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r0@y.test>\nC: RCPT TO:<r1@y.test>\nC: RCPT TO:<r2@y.test>\nC: RCPT TO:<r3@y.test>\n";
  const script = `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}${envelope}S: 250 2.1.0 ok\nS: 550 5.1.1 <r0@y.test> unknown\nS: 250 2.1.5 ok\nS: 250 2.1.5 ok\nS: 250 2.1.5 ok\n`
    + `C: BDAT ${SIZE} LAST\n-- pause\n-- wait 100\nS: 552 5.2.2 <r1@y.test> mailbox full\nS: 452 4.2.2 <r2@y.test> over quota\n-- destroy\n`;
  await withPausedScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r0@y.test", "r1@y.test", "r2@y.test", "r3@y.test"], MESSAGE), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused, String(err));
      lostWhileWriting(err.cause);
      const lost = (err.cause as Error).message;
      const r3 = `No reply for this recipient: ${lost}; the message was not all sent, so it was not delivered`;
      assert.equal(err.command, "end of data");
      assert.equal(err.delivery, "not-delivered");
      assert.deepEqual([...err.recipients], [
        ["r0@y.test", { code: 550, message: "5.1.1 <r0@y.test> unknown", lines: ["5.1.1 <r0@y.test> unknown"], enhancedStatus: "5.1.1" }],
        ["r1@y.test", { code: 552, message: "5.2.2 <r1@y.test> mailbox full", lines: ["5.2.2 <r1@y.test> mailbox full"], enhancedStatus: "5.2.2" }],
        ["r2@y.test", { code: 452, message: "4.2.2 <r2@y.test> over quota", lines: ["4.2.2 <r2@y.test> over quota"], enhancedStatus: "4.2.2" }],
        ["r3@y.test", { code: -1, message: r3, lines: [r3] }],
      ]);
      assert.equal(err.message, "Nobody got the message: the connection closed after these refusals: "
        + "r0@y.test (at RCPT): 550 5.1.1 <r0@y.test> unknown; "
        + "r1@y.test (after the data): 552 5.2.2 <r1@y.test> mailbox full; "
        + "r2@y.test (after the data): 452 4.2.2 <r2@y.test> over quota; "
        + "r3@y.test (after the data): -1 No reply for this recipient: Connection unexpectedly closed while writing; the message was not all sent, so it was not delivered");
      return true;
    });
  }, LMTP);
});
