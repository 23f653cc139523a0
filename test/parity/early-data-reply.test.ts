/**
 * Parity with CPython's smtplib for a server that answers DATA's message before reading it:
 * its 354 and a refusal in one write (a 552 or a 421, the connection closed or not). Python
 * reads that refusal as the reply to the end of data: SMTPDataError. We report the same
 * error, without sending the message or its "." (README: a reply during DATA's message
 * stops it), never "the message may have been delivered".
 */

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { errorOf, withoutText } from "../helpers/parity-assert.js";
import { normalizeWire, runBoth, type ParityCall } from "../helpers/parity-send.js";

const EHLO = "250-mx.test\n250-SIZE 100000000\n250 8BITMIME";
const EHLO_PIPELINING = "250-mx.test\n250-PIPELINING\n250-SIZE 100000000\n250 8BITMIME";

function sendmail(size: number): ParityCall {
  return { op: "sendmail", from: "a@x.test", to: ["b@y.test"], msg: { str: size === 0 ? "" : `${"x".repeat(size - 1)}\n` } };
}

describe("parity: a refusal that comes with DATA's 354", () => {
  for (const [ehloName, ehlo] of [["lock-step", EHLO], ["pipelined", EHLO_PIPELINING]] as const) {
    for (const [replyName, reply] of [["552 and a close", "354 go\n552 5.3.4 too much\n<close>"], ["421 and a close", "354 go\n421 4.3.2 bye\n<close>"], ["552, the connection kept", "354 go\n552 5.3.4 too much"]] as const) {
      for (const size of [0, 10, 200_000]) {
        test(`${ehloName}, ${replyName}, a ${size}-byte message: SMTPDataError with that reply, as Python's`, async () => {
          const { py, ts } = await runBoth({ ehlo, replies: { DATA: [reply] } }, [sendmail(size)]);
          assert.equal(errorOf(py.outcomes[0]).cls, "SMTPDataError");
          assert.deepEqual(withoutText(ts.outcomes[0]!), withoutText(py.outcomes[0]!));
          // Nothing of the message is sent: the server has answered it already.
          assert.ok(normalizeWire(ts.wire).endsWith("DATA\r\n"), JSON.stringify(ts.wire.slice(-40)));
        });
      }
    }
  }
});
