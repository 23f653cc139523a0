/**
 * With PIPELINING, the RSET after a refusal is written and its reply not awaited: the next
 * call's commands go right behind it. A stream over pipelined BDAT (CHUNKING) is read as
 * soon as its envelope is written, before any reply: when the server answers that RSET
 * with 421 (Postfix's "too many errors" after refused recipients), the stream would be
 * read in part, and the call, which none of its message reached the server, could not run
 * again on another connection (a pool's rerun). Such a call waits for that RSET's reply
 * before its first byte: closed on it, nothing of it was written nor read, and its error
 * says so ("not-delivered", one a pool runs again).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPRecipientsRefused, SMTPServerDisconnected } from "../../src/index.js";
import { failedBehind, unstartedCalls } from "../../src/client/unsent.js";
import { greeting, LOCAL } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";
import { watchedStream } from "../helpers/watched-stream.js";

const SCRIPT = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 550 5.1.1 no such user
S: 554 5.5.1 no valid recipients
C: RSET
S: 421 4.7.0 Error: too many errors
-- close
`;

test("pipelined: a stream over BDAT behind a refusal's RSET answered 421 is never read, and its call says nothing of it was sent", async () => {
  const server = await startScriptServer(SCRIPT);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  const stream = watchedStream("Subject: x\r\n\r\n", "more\r\n");
  try {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test"], "hi"), SMTPRecipientsRefused);
    const err: unknown = await client.sendmail("c@x.test", ["d@y.test"], stream.body).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SMTPServerDisconnected, `got ${String(err)}`);
    assert.equal(stream.read, false, "the stream was read: the call cannot run again");
    assert.equal(err.delivery, "not-delivered", err.message);
    assert.ok(unstartedCalls.has(err) || failedBehind.has(err), "a pool may run it again on another connection");
    await server.done;
  } finally {
    stream.release();
    client.close();
    await server.close();
  }
});
