/**
 * A 421 closes the connection as it arrives (RFC 5321 §3.8), not only once the call whose
 * command it answers reads it: a streamed BDAT transaction reads its envelope replies while
 * it still holds the call queue, and a 421 to its BDAT LAST that came with them used to be
 * read only after the queue went to the next call, which then wrote its whole transaction to
 * the leaving server, and failed as started (a pool could not run it elsewhere). Found by the
 * client chaos test's wire watch (test/helpers/chaos-wire-watch.ts), seed 27.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPDataError, SMTPServerDisconnected } from "../../src/index.js";
import { unstartedCalls } from "../../src/client/unsent.js";
import { withScript } from "../helpers/client.js";
import { EHLO_CHUNKING_PIPELINING } from "../helpers/bdat-scripts.js";

/** A body stream of one piece. */
async function* oneChunk(text: string): AsyncGenerator<Uint8Array> {
  await Promise.resolve();
  yield Buffer.from(text, "latin1");
}

test("streamed BDAT: a 421 to BDAT LAST that comes with the envelope replies closes the connection before the next call writes anything; that call fails unstarted", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT 4 LAST\nC! hi\\r\\n\nS: 250 2.1.0 ok\nS: 250 2.1.5 ok\nS: 421 4.3.2 shutting down\n-- close\n`;
  await withScript(script, async (client) => {
    const first = client.deliver("a@x.test", "b@y.test", oneChunk("hi\r\n"));
    const second = client.sendmail("c@x.test", "d@y.test", "two\r\n");
    second.catch(() => undefined);
    await assert.rejects(first, (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 421);
    await assert.rejects(second, (err: unknown) => err instanceof SMTPServerDisconnected && unstartedCalls.has(err) && /421 4\.3\.2 shutting down/.test(err.message));
    assert.equal(client.connected, false);
  });
});
