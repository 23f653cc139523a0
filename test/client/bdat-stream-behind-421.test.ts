/**
 * PIPELINING with CHUNKING: an in-memory message goes whole (MAIL, RCPT, BDAT LAST and its
 * bytes) without waiting for a reply, and the next call's transaction goes right behind it.
 * When that next call's body is a stream, it was read as soon as its envelope was written:
 * a 421 to the call ahead (RFC 5321 §3.8: the server reads nothing after it) then left the
 * stream read in part, although none of it reached the server, so neither the caller nor a
 * pool could run the call again. Such a stream is read only once the replies due ahead of
 * its MAIL have come: closed on one, the call has read nothing of its stream, and its error
 * says the message was not sent ("not-delivered", one a pool runs again).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPSenderRefused, SMTPServerDisconnected } from "../../src/index.js";
import { failedBehind, unstartedCalls } from "../../src/client/unsent.js";
import { greeting, LOCAL } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";
import { watchedStream } from "../helpers/watched-stream.js";

const SCRIPT = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
C: RSET
C: MAIL FROM:<c@x.test>
C: RCPT TO:<d@y.test>
S: 421 4.3.2 Shutting down
-- close
`;

test("pipelined BDAT: a stream written behind another call's whole transaction answered 421 is never read, and its call says nothing of it was sent", async () => {
  const server = await startScriptServer(SCRIPT);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  const stream = watchedStream("Subject: x\r\n\r\n", "more\r\n");
  try {
    const first = client.sendmail("a@x.test", ["b@y.test"], "hi");
    const second = client.sendmail("c@x.test", ["d@y.test"], stream.body).then(() => undefined, (e: unknown) => e);
    await assert.rejects(first, (err: unknown) => err instanceof SMTPSenderRefused && err.smtpCode === 421);
    const err = await second;
    assert.ok(err instanceof SMTPServerDisconnected, `got ${String(err)}`);
    assert.equal(err.delivery, "not-delivered", err.message);
    assert.match(err.message, /the message was not sent/);
    assert.equal(stream.read, false, "the stream was read: the call cannot run again");
    assert.ok(unstartedCalls.has(err) || failedBehind.has(err), "a pool may run it again on another connection");
    await server.done;
  } finally {
    stream.release();
    client.close();
    await server.close();
  }
});

test("pipelined BDAT: a stream queued behind another call's whole transaction whose own MAIL is refused is never read (left to the caller)", async () => {
  const script = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
C: RSET
C: MAIL FROM:<c@x.test>
C: RCPT TO:<d@y.test>
S: 250 ok
S: 250 ok
S: 250 2.0.0 queued
S: 250 ok
S: 550 5.7.1 sender refused
S: 503 5.5.1 no sender
C: RSET
S: 250 ok
`;
  const server = await startScriptServer(script);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  const stream = watchedStream("Subject: x\r\n\r\nbody\r\n");
  try {
    const first = client.sendmail("a@x.test", ["b@y.test"], "hi");
    const second = client.sendmail("c@x.test", ["d@y.test"], stream.body);
    assert.deepEqual(await first, new Map());
    await assert.rejects(second, (err: unknown) => err instanceof SMTPSenderRefused && err.smtpCode === 550 && err.delivery === "not-delivered");
    assert.equal(stream.read, false, "the stream was read although its sender was refused");
    await server.done;
    assert.equal(client.connected, true);
  } finally {
    client.close();
    await server.close();
  }
});
