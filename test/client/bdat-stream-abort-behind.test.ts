/**
 * PIPELINING with CHUNKING: a call whose body is a stream, queued behind another call's
 * whole transaction (MAIL, RCPT, BDAT LAST and its bytes written, replies still due), waits
 * for its MAIL's reply before it reads its stream. Aborted during that wait, it has sent its
 * envelope and nothing of its message: the call ahead, its message all written, must still
 * get its own replies (here: delivered), not lose them to the abort; the aborted call's
 * transaction is reset with RSET, and the connection serves the next call.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { greeting, LOCAL } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";
import { watchedStream } from "../helpers/watched-stream.js";

test("pipelined BDAT: a stream call aborted while it waits for its MAIL's reply, behind a whole transaction: the call ahead is still delivered", async () => {
  const script = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
C: RSET
C: MAIL FROM:<c@x.test>
C: RCPT TO:<d@y.test>
-- wait 300
S: 250 ok
S: 250 ok
S: 250 2.0.0 queued
S: 250 ok
S: 250 ok
S: 250 ok
C: RSET
S: 250 ok
C: NOOP
S: 250 still here
`;
  const server = await startScriptServer(script);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  const stream = watchedStream("Subject: x\r\n\r\nbody\r\n");
  const ac = new AbortController();
  try {
    const first = client.sendmail("a@x.test", ["b@y.test"], "hi").then(() => "delivered", (e: unknown) => e);
    const second = client.sendmail("c@x.test", ["d@y.test"], stream.body, [], [], { signal: ac.signal }).then(() => "sent", (e: unknown) => e);
    // Aborted while the server still holds back every reply (its 300 ms wait).
    setTimeout(() => ac.abort(new Error("caller gave up")), 100);
    assert.equal((await second as Error).message, "caller gave up");
    assert.equal(await first, "delivered");
    assert.equal(stream.read, false);
    // The aborted call's transaction was reset (RSET), on the connection that stayed.
    assert.equal((await client.noop()).message, "still here");
    await server.done;
  } finally {
    client.close();
    await server.close();
  }
});
