/**
 * A refused BDAT chunk is followed by RSET, once the replies still due have been read: a
 * 421 among them (RFC 5321 §3.8: the server is closing) means no RSET at all, and the call
 * settles only once that exchange is over, as Python's `sendmail` returns after its `_rset`.
 * The 421 comes a while after the refusal here, so that a client that did not wait for it
 * would write RSET first, and one that did not wait for RSET's reply would report the call
 * while still connected.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTPDataError } from "../../src/index.js";
import { withScript } from "../helpers/client.js";
import { scriptEscape } from "../helpers/flow-trace.js";
import { EHLO_CHUNKING, KIB, bigBody, chunkedScript } from "../helpers/bdat-scripts.js";

test("pipelined BDAT: a refused middle chunk, then a 421 to BDAT LAST that comes later -> SMTPDataError for the chunk, and no RSET after the 421", async () => {
  const { chunks, whole } = bigBody();
  const script = chunkedScript(whole, true).replace("S: 250 chunk 1", "S: 552 5.3.4 too big").replace("S: 250 chunk 2", "S: 503 5.5.1 no transaction")
    .replace("S: 250 queued", "-- wait 150\nS: 421 4.3.2 shutting down");
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Readable.from(chunks)), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 552 && err.command === "BDAT");
    assert.equal(client.connected, false);
  });
});

test("lock-step BDAT: a refused chunk, RSET answered 421 -> SMTPDataError once RSET's reply is in: the client is disconnected when the call rejects", async () => {
  const { chunks, whole } = bigBody();
  const script = `${EHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT ${256 * KIB}
C! ${scriptEscape(whole.subarray(0, 256 * KIB).toString("latin1"))}
S: 552 5.3.4 message too big
C: RSET
-- wait 150
S: 421 4.3.2 shutting down
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Readable.from(chunks)), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 552 && err.command === "BDAT");
    assert.equal(client.connected, false, "RSET's reply was read before the call settled");
  });
});
