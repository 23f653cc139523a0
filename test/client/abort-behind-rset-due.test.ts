/**
 * PIPELINING with CHUNKING: the RSET that follows a refused whole transaction is written and
 * its reply not awaited (`Conversation.rsetDue`). A call whose whole transaction then goes
 * behind that RSET, aborted once it is all written, has its final reply due and nothing
 * written behind it: the connection must close (gracefully), as README "Cancelling" says,
 * and not be kept for the RSET's sake. That RSET answers no call, so nobody's outcome
 * depends on its reply; it was taken for a call "ahead" whose reply is still due, the
 * connection stayed, and the next call waited for the aborted call's final reply, which
 * the caller gave up on, for as long as the server took.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPSenderRefused, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, LOCAL } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

const SCRIPT = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 550 5.7.1 sender refused
S: 503 5.5.1 no sender
S: 503 5.5.1 no sender
C: RSET
C: MAIL FROM:<c@x.test>
C: RCPT TO:<d@y.test>
C: BDAT 5 LAST
C! two\\r\\n
`;

test("pipelined BDAT: a call aborted with its whole transaction written behind a refusal's unanswered RSET closes the connection, and the next call does not wait for its reply", async () => {
  const server = await startScriptServer(SCRIPT);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test"], "hi"), SMTPSenderRefused);
    const ac = new AbortController();
    const reason = new Error("caller gave up");
    const second = client.sendmail("c@x.test", ["d@y.test"], "two", [], [], { signal: ac.signal });
    // The server has the whole transaction (and the RSET ahead of it), and answers nothing.
    await server.done;
    ac.abort(reason);
    await assert.rejects(second, (err) => err === reason);
    assert.equal(client.connected, false, "the connection stayed for the RSET's reply: the next call waits for the aborted call's");
    await assert.rejects(client.sendmail("e@x.test", ["f@y.test"], "three"), SMTPServerDisconnected);
  } finally {
    client.close();
    await server.close();
  }
});
