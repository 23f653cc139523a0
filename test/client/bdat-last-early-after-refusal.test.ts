/**
 * Pipelined BDAT, a stream whose BDAT LAST is written in pieces: the server refuses chunk 1,
 * yet answers BDAT LAST 2yz while its bytes are still being written, and hangs up. It took
 * the message as ended (RFC 3030 §2 says it must discard it): the call's error, the chunk's
 * refusal, must say that the message may have been delivered, as the 2yz alone does.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPDataError } from "../../src/index.js";
import { greeting } from "../helpers/client.js";
import { scriptEscape } from "../helpers/flow-trace.js";
import { MESSAGE, SIZE, withPausedScript } from "../helpers/paused-script.js";

/** The size of the chunks a stream is cut into (bdat-flow.ts). */
const CHUNK = 256 * 1024;

/** Two chunks of CHUNK bytes, then MESSAGE in one piece: it goes whole with BDAT LAST, written in pieces. */
async function* body(): AsyncGenerator<Buffer> {
  yield Buffer.alloc(CHUNK, "a");
  yield Buffer.alloc(CHUNK, "b");
  yield MESSAGE;
}

test("pipelined BDAT, a stream: chunk 1 refused 552, BDAT LAST answered 250 while its bytes are being written, then the server closes -> SMTPDataError for the chunk whose delivery is unknown", async () => {
  const chunk = (c: string): string => `C: BDAT ${CHUNK}\nC! ${scriptEscape(c.repeat(CHUNK))}`;
  const script = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
${chunk("a")}
${chunk("b")}
C: BDAT ${SIZE} LAST
-- pause
S: 250 ok
S: 250 ok
S: 552 5.3.4 chunk too big
S: 250 chunk 2
S: 250 queued
-- wait 100
-- destroy
`;
  await withPausedScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", body()), (err: unknown) => {
      assert.ok(err instanceof SMTPDataError, String(err));
      assert.deepEqual([err.smtpCode, err.command, err.delivery], [552, "BDAT", "unknown"]);
      return true;
    });
    assert.equal(client.connected, false);
  });
});
