/**
 * A write that stalls past the `dataBlock` limit (the server stopped reading the message)
 * closes the connection with SMTPTimeoutError, and the calls queued behind it say so: the
 * connection's failure is that timeout, at once, not a guess made later ("the message body
 * failed", as if the caller's body had) nor nothing at all ("please run connect() first").
 * A stalled write that `close()` ends fails as every call pending at `close()` does, not as
 * if the server had gone ("unexpectedly closed").
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { greeting, LOCAL } from "../helpers/client.js";
import { MESSAGE } from "../helpers/paused-script.js";
import { startScriptServer } from "../helpers/script-server.js";

const STALL = 300;

/** Each way into the message (lock-step, no PIPELINING): DATA, and BDAT (CHUNKING). */
const CASES: readonly (readonly [string, string])[] = [
  ["DATA", `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 354 go\n-- pause\n`],
  ["BDAT", `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\n-- pause\n`],
];

for (const [how, script] of CASES) {
  test(`${how}: a write stalled past dataBlock fails the call with SMTPTimeoutError, and a call queued behind it with that timeout as its reason`, async () => {
    const server = await startScriptServer(script);
    const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, timeouts: { dataBlock: STALL } });
    try {
      const sent = client.sendmail("a@x.test", "b@y.test", MESSAGE);
      const queued = client.noop();
      const err = await sent.then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof SMTPTimeoutError, `expected SMTPTimeoutError, got ${String(err)}`);
      assert.equal(err.phase, "dataBlock");
      assert.equal(err.timeout, STALL);
      // The call's error says that its message was not sent, the connection's timeout as its
      // cause: over DATA (stalled before its "."), and over BDAT too (its LAST partly written:
      // the server cannot have the message; it used to be the bare timeout, no delivery).
      assert.equal(err.delivery, "not-delivered");
      assert.ok(err.message.endsWith(": the message was not sent"), err.message);
      const timeout = err.cause;
      assert.ok(timeout instanceof SMTPTimeoutError && timeout.phase === "dataBlock", String(timeout));
      const next = await queued.then(() => undefined, (e: unknown) => e);
      assert.ok(next instanceof SMTPServerDisconnected, `expected SMTPServerDisconnected, got ${String(next)}`);
      assert.equal(next.cause, timeout, "the queued call's cause is the timeout");
      assert.match(next.message, new RegExp(`^Not connected \\(Timed out after ${STALL} ms writing to `));
      assert.equal(client.connected, false);
    } finally {
      client.close();
      await server.close();
    }
  });
}

/**
 * What the message adds: the write stalled in the message, before its end: over DATA before
 * its ".", over BDAT inside its LAST (its bytes partly written), which used to say nothing more.
 */
const UNSENT: Readonly<Record<string, string>> = { DATA: ", before the end of data was sent: the message was not sent", BDAT: ", before the end of data was sent: the message was not sent" };

for (const [how, script] of CASES) {
  test(`${how}: close() while a write is stalled fails the call as close() fails any pending call, not 'unexpectedly closed'`, async () => {
    const server = await startScriptServer(script);
    const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
    try {
      const sent = client.sendmail("a@x.test", "b@y.test", MESSAGE);
      // Closed once the server has stopped reading and the client waits for the socket to drain.
      setTimeout(() => client.close(), STALL);
      const err = await sent.then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof SMTPServerDisconnected && !(err instanceof SMTPTimeoutError), `expected SMTPServerDisconnected, got ${String(err)}`);
      assert.equal(err.message, `Connection closed by close()${UNSENT[how]}`);
    } finally {
      client.close();
      await server.close();
    }
  });
}

for (const [how, script] of CASES) {
  test(`${how}: the server hanging up while a write is stalled is still reported as such ('unexpectedly closed while writing')`, async () => {
    const server = await startScriptServer(`${script}-- wait 100\n-- destroy\n`);
    const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
    try {
      const err = await client.sendmail("a@x.test", "b@y.test", MESSAGE).then(() => undefined, (e: unknown) => e);
      assert.ok(err instanceof SMTPServerDisconnected && !(err instanceof SMTPTimeoutError), `expected SMTPServerDisconnected, got ${String(err)}`);
      assert.equal(err.message, `Connection unexpectedly closed while writing${UNSENT[how]}`);
    } finally {
      client.close();
      await server.close();
    }
  });
}
