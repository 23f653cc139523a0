/**
 * LMTP with CHUNKING and PIPELINING, a message in memory (MAIL, RCPTs and BDAT LAST with the
 * message in one write): a call aborted once all of it is written, before its envelope
 * replies, rejects with the signal's reason, as every aborted call does (README
 * "Cancelling": the reason does not say whether the message may have been delivered, and
 * here it may). Nothing is pipelined behind or ahead of it, so the connection is ended, the
 * message going out whole, and a call queued behind it fails having sent nothing.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const LHLO_BDAT = greeting(["PIPELINING", "CHUNKING"], "LHLO");

test("LMTP BDAT in one round trip, aborted once written, before the envelope replies: the signal's reason; the message went whole; a call queued behind is not sent", async () => {
  const script = `${LHLO_BDAT}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
-- wait 50
S: 250 ok
S: 250 ok
S: 250 2.0.0 r1 saved
`;
  await withScript(script, async (client) => {
    const ac = new AbortController();
    const reason = new Error("stop");
    const aborted = client.deliver("a@x.test", ["r1@y.test"], Buffer.from("hi\r\n"), [], [], { signal: ac.signal, onProgress: () => ac.abort(reason) });
    const behind = client.sendmail("a@x.test", ["r2@y.test"], Buffer.from("two\r\n"));
    await assert.rejects(aborted, (err: unknown) => err === reason);
    await assert.rejects(behind, (err: unknown) => err instanceof SMTPServerDisconnected && err.delivery === "not-delivered");
    assert.equal(client.connected, false);
  }, {}, LMTP);
});
