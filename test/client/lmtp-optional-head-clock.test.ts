/**
 * LMTP, CHUNKING and PIPELINING, a message in memory in one round trip, every recipient
 * refused: BDAT LAST gets no reply (RFC 2033 §4.3, as Dovecot) or one refusal, so its slot
 * is optional (`Slot.optional`) and stays first in the reply queue until the next reply
 * comes. Such a slot may never be answered: the clock of a later command waiting behind it
 * must be that command's own (here `command`, short), not the optional slot's
 * (`dataTermination`, long), and the timeout must name that command, not BDAT LAST.
 *
 * No timed assertion: `dataTermination` is set far beyond the test's own watchdog, which
 * fails the test if the call has not settled by then.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPRecipientsRefused, SMTPTimeoutError } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const LHLO_BDAT = greeting(["PIPELINING", "CHUNKING"], "LHLO");
const HI = Buffer.from("hi\r\n");

/** `p`, or a failure once `ms` pass without it settling. */
async function settlesBefore<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watchdog = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`watchdog: the call had not settled after ${ms} ms (its clock is not its own)`)), ms);
  });
  try {
    return await Promise.race([p, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

test("LMTP one-trip BDAT, every recipient refused, BDAT LAST unanswered, then the server falls silent: NOOP times out on the command clock, naming a command of its own, not BDAT LAST's dataTermination", async () => {
  const script = `${LHLO_BDAT}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 550 5.1.1 no such user
C: RSET
C: NOOP
-- wait 3000
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test"], HI), SMTPRecipientsRefused);
    const err = await settlesBefore(client.noop().then(() => undefined, (e: unknown) => e), 2500);
    assert.ok(err instanceof SMTPTimeoutError, String(err));
    assert.equal(err.phase, "command");
    assert.equal(err.timeout, 300);
    assert.doesNotMatch(err.message, /BDAT/);
    client.close();
  }, { timeouts: { command: 300, dataTermination: 600_000 } }, LMTP);
});
