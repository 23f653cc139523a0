/**
 * A call's signal aborting while its transaction is half sent (lock-step, MAIL answered and
 * the reply to RCPT due): the transaction cannot be taken back, so the connection is closed
 * at once, and a call queued behind fails at once, having sent nothing, with an error that
 * says why: the abort came while a transaction was being sent (not "while the reply to its
 * end of data was due": no end of data was written).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPServerDisconnected } from "../../src/index.js";
import { assertDelivery } from "../helpers/delivery.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

test("lock-step: a call aborted while the reply to its RCPT is due closes the connection; a call queued behind fails at once 'aborted while its transaction was being sent', not-delivered", async () => {
  const lines: string[] = [];
  let rcptCame: () => void = () => undefined;
  const rcpt = new Promise<void>((resolve) => { rcptCame = resolve; });
  const server = await lineServer((sock, line) => {
    lines.push(line);
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 HELP\r\n");
    else if (line.startsWith("RCPT")) rcptCame(); // held for ever
    else sock.write("250 ok\r\n");
  });
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    const ac = new AbortController();
    const reason = new Error("caller gave up");
    const call = client.sendmail("a@x.test", ["b@y.test"], "hi", [], [], { signal: ac.signal });
    const next = client.sendmail("c@x.test", ["d@y.test"], "next");
    await rcpt;
    ac.abort(reason);
    await assert.rejects(call, (err) => err === reason);
    await assert.rejects(next, (err: unknown) => {
      assertDelivery(err, "not-delivered");
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.match(err.message, /aborted while its transaction was being sent/);
      return true;
    });
    assert.equal(client.connected, false);
    assert.deepEqual(lines.slice(-2), ["MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>"], "nothing written after the RCPT");
  } finally {
    client.close();
    await server.close();
  }
});
