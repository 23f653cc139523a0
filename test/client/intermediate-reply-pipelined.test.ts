/**
 * A 3yz reply (354 "start mail input") to a pipelined MAIL or RCPT, byte for byte. Such a
 * server is now reading what was pipelined after that command as message data, and never
 * answers it: the call must end at once with the server's reply as its error, send nothing
 * more (no message body, no RSET, no "."), close the connection, and fail the calls
 * queued behind it with SMTPServerDisconnected, each of their bytes written once at most.
 * Over DATA and BDAT, SMTP and LMTP, sendmail and deliver. This file: 354 to a pipelined
 * MAIL or RCPT; intermediate-reply-edges.test.ts has the rest.
 *
 * The client's timeout (5 s) is only a guard here: without the fix each call ends by that
 * timeout (or sends the body first), which the assertions tell apart from a prompt close by
 * the error's cause, not by measuring time.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPServerDisconnected } from "../../src/index.js";
import { unstartedCalls } from "../../src/client/unsent.js";
import { greeting, PIPELINED_GROUP, withScript, EHLO_PIPELINING } from "../helpers/client.js";
import { closedOn, rcpt354, senderRefused354 } from "../helpers/closed-on.js";
import { traced } from "../helpers/flow-trace.js";
import { EHLO_BDAT } from "../helpers/bdat-scripts.js";

const LHLO_PIPELINING = greeting(["PIPELINING"], "LHLO");
const LHLO_BDAT = greeting(["PIPELINING", "CHUNKING"], "LHLO");

/** A call queued behind the failed one: nothing of it was sent, and it says why. */
function queuedCall(err: unknown): true {
  assert.ok(err instanceof SMTPServerDisconnected, String(err));
  assert.ok(unstartedCalls.has(err), "a call that sent nothing may be run again elsewhere (the pool does)");
  assert.match(err.message, /nothing of this call was sent/);
  closedOn(err.cause, 354, /MAIL FROM|RCPT TO/);
  return true;
}

test("DATA, sendmail: 354 to a pipelined MAIL -> SMTPSenderRefused at once, connection closed, nothing more sent; a queued call sends nothing", async () => {
  const script = `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 354 go ahead
`;
  const t = traced();
  await withScript(script, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", "secret body\r\n");
    const second = client.sendmail("a@x.test", "c@y.test", "second body\r\n");
    await assert.rejects(first, (err: unknown) => senderRefused354(err, "a@x.test"));
    await assert.rejects(second, queuedCall);
    assert.equal(client.connected, false);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT DATA | S 354");
});

test("DATA, deliver: 354 to the second of three pipelined RCPTs -> SMTPResponseException (354, that RCPT) at once, no body, no RSET, no '.'", async () => {
  const script = `${EHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: RCPT TO:<d@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 354 go ahead
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.deliver("a@x.test", ["b@y.test", "c@y.test", "d@y.test"], "secret body\r\n"), (err: unknown) => rcpt354(err, "c@y.test"));
    assert.equal(client.connected, false);
  });
});

test("DATA, sendmail: 354 to the last pipelined RCPT (the others accepted) -> SMTPResponseException, not SMTPDataError after a timeout", async () => {
  const script = `${EHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 354 go ahead
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], "secret body\r\n"), (err: unknown) => rcpt354(err, "c@y.test"));
  });
});

test("LMTP, DATA, sendmail: 354 to a pipelined RCPT -> SMTPResponseException at once; the queued call sends nothing", async () => {
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: DATA
S: 250 ok
S: 354 go ahead
`;
  await withScript(script, async (client) => {
    const first = client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "secret body\r\n");
    const second = client.deliver("a@x.test", "r3@y.test", "second body\r\n");
    await assert.rejects(first, (err: unknown) => rcpt354(err, "r1@y.test"));
    await assert.rejects(second, queuedCall);
  }, {}, LMTP);
});

test("LMTP, DATA, deliver: 354 to a pipelined MAIL -> SMTPSenderRefused at once", async () => {
  const script = `${LHLO_PIPELINING}${PIPELINED_GROUP}S: 354 go ahead
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.deliver("a@x.test", "b@y.test", "secret body\r\n"), (err: unknown) => senderRefused354(err, "a@x.test"));
  }, {}, LMTP);
});

test("BDAT written whole, two concurrent calls: 354 to the first MAIL -> SMTPSenderRefused; the second, written once already, gets SMTPServerDisconnected; nothing more sent", async () => {
  const script = `${EHLO_BDAT}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 5 LAST
C! one\\r\\n
C: RSET
C: MAIL FROM:<a@x.test>
C: RCPT TO:<c@y.test>
C: BDAT 5 LAST
C! two\\r\\n
S: 354 go ahead
`;
  const t = traced();
  await withScript(script, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", "one\r\n");
    const second = client.deliver("a@x.test", "c@y.test", "two\r\n");
    await assert.rejects(first, (err: unknown) => senderRefused354(err, "a@x.test"));
    await assert.rejects(second, (err: unknown) => {
      closedOn(err, 354, /MAIL FROM:<a@x\.test>/);
      assert.ok(!unstartedCalls.has(err as Error), "its bytes went out: it must never be run again");
      return true;
    });
    assert.equal(client.connected, false);
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT BDAT LAST RSET MAIL RCPT BDAT LAST | S 354");
});

/**
 * A body stream that yields `body` once `release()` is called; `guardMs` later it yields
 * anyway, so that a client that waits for it (the bug) fails the test instead of hanging.
 */
function heldStream(body: string, guardMs: number): { stream: AsyncIterable<Uint8Array>; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  const guard = setTimeout(() => release(), guardMs);
  void released.then(() => clearTimeout(guard));
  return {
    release,
    stream: (async function* () {
      await released;
      yield Buffer.from(body);
    })(),
  };
}

test("BDAT with a stream, deliver: 354 to a pipelined RCPT -> SMTPResponseException at once, no BDAT written", async () => {
  const script = `${EHLO_BDAT}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
S: 250 ok
S: 354 go ahead
`;
  const held = heldStream("secret body\r\n", 3000);
  try {
    await withScript(script, async (client) => {
      await assert.rejects(client.deliver("a@x.test", "b@y.test", held.stream), (err: unknown) => rcpt354(err, "b@y.test"));
    });
  } finally {
    held.release();
  }
});

test("LMTP, BDAT, sendmail: 354 to the second pipelined RCPT -> SMTPResponseException (BDAT LAST and the message went with the envelope, as SMTP's whole BDAT transaction), nothing written after", async () => {
  const script = `${LHLO_BDAT}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: BDAT 13 LAST
C! secret body\\r\\n
S: 250 ok
S: 250 ok
S: 354 go ahead
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "secret body\r\n"), (err: unknown) => rcpt354(err, "r2@y.test"));
  }, {}, LMTP);
});
