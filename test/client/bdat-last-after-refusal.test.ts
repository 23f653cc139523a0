/**
 * Pipelined BDAT (RFC 3030 §2) after a refused chunk: the chunks and BDAT LAST already in
 * the pipeline behind it get their replies read, each by its own command, and the call's
 * error says whether the message may have been delivered from what the server answered LAST.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { LMTP, SMTPDataError } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";
import { scriptEscape } from "../helpers/flow-trace.js";
import { KIB, bigBody, chunkedScript } from "../helpers/bdat-scripts.js";

/** A second transaction on the same connection, in memory (written whole), and its replies. */
const SECOND = `C: MAIL FROM:<c@x.test>
C: RCPT TO:<d@y.test>
C: BDAT 8 LAST
C! second\\r\\n
S: 250 second sender
S: 250 second recipient
S: 250 second queued
`;

for (const lastReply of ["503 5.5.1 no transaction", "554 5.5.1 previous chunk failed"]) {
  test(`pipelined BDAT, SMTP: chunk 1 refused 552, chunk 2 and BDAT LAST in the pipeline (LAST answered ${lastReply.slice(0, 3)}) -> SMTPDataError for the chunk, not delivered, RSET; the next sendmail reads its own replies`, async () => {
    const { chunks, whole } = bigBody();
    const script = chunkedScript(whole, true).replace("S: 250 chunk 1", "S: 552 5.3.4 too big").replace("S: 250 chunk 2", "S: 503 5.5.1 no transaction")
      .replace("S: 250 queued", `S: ${lastReply}`) + `C: RSET
S: 250 reset
${SECOND}`;
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", Readable.from(chunks)), (err: unknown) =>
        err instanceof SMTPDataError && err.smtpCode === 552 && err.command === "BDAT" && err.delivery === "not-delivered");
      assert.equal((await client.sendmail("c@x.test", "d@y.test", "second")).size, 0);
    });
  });
}

for (const lastReply of ["250 queued", "200 2.0.0 taken"]) {
test(`pipelined BDAT, SMTP: chunk 1 refused 552 but BDAT LAST in the pipeline answered ${lastReply.slice(0, 3)} (the server took what it had) -> SMTPDataError for the chunk whose delivery is unknown, not 'not sent'`, async () => {
  const { chunks, whole } = bigBody();
  const script = chunkedScript(whole, true).replace("S: 250 chunk 1", "S: 552 5.3.4 chunk too big").replace("S: 250 queued", `S: ${lastReply}`) + `C: RSET
S: 250 reset
${SECOND}`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Readable.from(chunks)), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 552 && err.command === "BDAT" && err.delivery === "unknown" && /may have been delivered/.test(err.message));
    assert.equal((await client.sendmail("c@x.test", "d@y.test", "second")).size, 0);
  });
});
}

test("pipelined BDAT, SMTP: chunk 1 refused 552, BDAT LAST answered 300 (no completion: the connection closes) -> SMTPDataError for the chunk, not delivered: a 3yz is no acceptance", async () => {
  const { chunks, whole } = bigBody();
  const script = chunkedScript(whole, true).replace("S: 250 chunk 1", "S: 552 5.3.4 chunk too big").replace("S: 250 queued", "S: 300 3.0.0 odd");
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Readable.from(chunks)), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 552 && err.command === "BDAT" && err.delivery === "not-delivered" && !/may have been delivered/.test(err.message));
    assert.equal(client.connected, false);
  });
});

/** The LMTP opening, an envelope of two recipients (read before any chunk) and the first two chunks of {@link bigBody}. */
function lmtpChunks(whole: Buffer): string {
  const chunk = (i: number): string => `C: BDAT ${256 * KIB}\nC! ${scriptEscape(whole.subarray(i * 256 * KIB, (i + 1) * 256 * KIB).toString("latin1"))}`;
  return `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
S: 250 ok
S: 250 ok
S: 250 ok
${chunk(0)}
${chunk(1)}
`;
}

for (const second of ["503 5.5.0 Previous data chunk failed, issue RSET first", "250 chunk 2"]) {
  test(`LMTP, pipelined BDAT, two recipients: chunk 1 refused 552, chunk 2 answered ${second.slice(0, 3)} -> no BDAT LAST (one reply or one per recipient: unknowable), RSET, SMTPDataError not delivered; the next sendmail reads its own replies`, async () => {
    const { chunks, whole } = bigBody();
    const script = `${lmtpChunks(whole)}S: 552 5.3.4 too big
S: ${second}
C: RSET
S: 250 reset
C: MAIL FROM:<c@x.test>
C: RCPT TO:<d@y.test>
S: 250 second sender
S: 250 second recipient
C: BDAT 8 LAST
C! second\\r\\n
S: 250 d delivered
`;
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], Readable.from(chunks)), (err: unknown) =>
        err instanceof SMTPDataError && err.smtpCode === 552 && err.command === "BDAT" && err.delivery === "not-delivered");
      const d = await client.deliver("c@x.test", "d@y.test", "second");
      assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.message]), [["d@y.test", "d delivered"]]);
    }, {}, LMTP);
  });
}
