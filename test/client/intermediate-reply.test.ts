/**
 * A 3yz reply (354 "start mail input") to a pipelined MAIL or RCPT, byte for byte. Such a
 * server is now reading what was pipelined after that command as message data, and never
 * answers it: the call must end at once with the server's reply as its error, send nothing
 * more (no message body, no RSET, no "."), close the connection, and fail the calls
 * queued behind it with SMTPServerDisconnected, each of their bytes written once at most.
 * Over DATA and BDAT, SMTP and LMTP, sendmail and deliver.
 *
 * The client's timeout (5 s) is only a guard here: without the fix each call ends by that
 * timeout (or sends the body first), which the assertions tell apart from a prompt close by
 * the error's cause, not by measuring time.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import {
  LMTP, SMTP, SMTPResponseException, SMTPSenderRefused, SMTPServerDisconnected, SMTPTimeoutError,
} from "../../src/index.js";
import { unstartedCalls } from "../../src/client/smtp-base.js";
import { greeting, PIPELINED_GROUP, withScript } from "../helpers/client.js";
import { closedOn, rcpt354 } from "../helpers/closed-on.js";
import { traced } from "../helpers/flow-trace.js";
import { onLines } from "../helpers/lines.js";

const EHLO_PIPELINING = greeting(["PIPELINING"]);
const EHLO_BDAT = greeting(["PIPELINING", "CHUNKING"]);
const LHLO_PIPELINING = greeting(["PIPELINING"], "LHLO");
const LHLO_BDAT = greeting(["PIPELINING", "CHUNKING"], "LHLO");

/** A refused-sender error made from the 354 to MAIL, with the close as its cause. */
function senderRefused354(err: unknown, sender: string): true {
  assert.ok(err instanceof SMTPSenderRefused, `expected SMTPSenderRefused, got ${String(err)}`);
  assert.equal(err.smtpCode, 354);
  assert.equal(err.smtpError, "go ahead");
  assert.equal(err.sender, sender);
  assert.equal(err.command, "MAIL");
  assert.equal(err.isTransient || err.isPermanent, false);
  closedOn(err.cause, 354, /MAIL FROM:<a@x\.test>/);
  return true;
}

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

test("LMTP, BDAT, sendmail: 354 to the second pipelined RCPT -> SMTPResponseException, and no BDAT or body is written", async () => {
  const script = `${LHLO_BDAT}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
S: 250 ok
S: 250 ok
S: 354 go ahead
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "secret body\r\n"), (err: unknown) => rcpt354(err, "r2@y.test"));
  }, {}, LMTP);
});

test("lock-step (PIPELINING off), sendmail: 354 to MAIL -> SMTPSenderRefused at once, connection closed, no RSET (which the server would read as message text)", async () => {
  const script = `${EHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
S: 354 go ahead
`;
  const t = traced();
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "secret body\r\n"), (err: unknown) => senderRefused354(err, "a@x.test"));
    assert.equal(client.connected, false);
  }, { pipelining: false, ...t.options });
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL | S 354");
});

test("lock-step (no PIPELINING offered), deliver: 354 to the second RCPT -> SMTPResponseException naming it, at once; no DATA, no RSET", async () => {
  const script = `${greeting([])}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: RCPT TO:<c@y.test>
S: 354 go ahead
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.deliver("a@x.test", ["b@y.test", "c@y.test", "d@y.test"], "secret body\r\n"), (err: unknown) => rcpt354(err, "c@y.test"));
    assert.equal(client.connected, false);
  });
});

test("the low-level mail() returns a 354 as Python does and keeps the connection", async () => {
  const script = `${EHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
S: 354 go ahead
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    await client.ehloOrHeloIfNeeded();
    assert.equal((await client.mail("a@x.test")).code, 354);
    assert.equal((await client.rset()).code, 250);
  });
});


test("DATA: a refused sender, then 354 to a pipelined RCPT -> SMTPSenderRefused with the refusal, the close as its cause; no RSET on the closed connection", async () => {
  const script = `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 550 5.7.1 not you
S: 354 go ahead
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "secret body\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPSenderRefused, String(err));
      assert.equal(err.smtpCode, 550);
      assert.equal(err.enhancedStatus, "5.7.1");
      closedOn(err.cause, 354, /RCPT TO:<b@y\.test>/);
      return true;
    });
    assert.equal(client.connected, false);
  });
});

test("BDAT written whole: 354 to the RSET that leads the second transaction -> the first keeps its result, the second fails at once with SMTPServerDisconnected", async () => {
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
S: 250 ok
S: 250 ok
S: 250 first queued
S: 354 go ahead
`;
  await withScript(script, async (client) => {
    const first = client.deliver("a@x.test", "b@y.test", "one\r\n");
    const second = client.deliver("a@x.test", "c@y.test", "two\r\n");
    assert.equal((await first).reply.message, "first queued");
    await assert.rejects(second, (err: unknown) => {
      closedOn(err, 354, /RSET/);
      return true;
    });
    assert.equal(client.connected, false);
  });
});

test("BDAT written whole, a large message still being written when MAIL gets 354 -> SMTPSenderRefused whose cause says why the connection closed", async () => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    sock.write("220 mx.test ESMTP\r\n");
    onLines(sock, (line) => {
      if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250-PIPELINING\r\n250 CHUNKING\r\n");
      else if (line.startsWith("MAIL")) {
        // Stop reading: the client is left writing the message when the 354 arrives.
        sock.pause();
        sock.write("354 go ahead\r\n");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = await SMTP.connect("127.0.0.1", (server.address() as net.AddressInfo).port, { localHostname: "client.test", timeout: 5000 });
  try {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", Buffer.alloc(20 * 1024 * 1024, 0x61)), (err: unknown) => senderRefused354(err, "a@x.test"));
  } finally {
    client.close();
    // A paused socket never reads the client's close: end it here.
    for (const sock of sockets) sock.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A malformed line right behind an accepting reply, in the same write: the protocol error closes the connection as that reply settles. */
function malformedAfter(err: unknown): true {
  assert.ok(!(err instanceof TypeError), `an internal crash, not the protocol error: ${String(err)}`);
  assert.ok(err instanceof SMTPResponseException, `expected SMTPResponseException, got ${String(err)}`);
  assert.equal(err.smtpCode, -1);
  assert.match(err.message, /Malformed reply line "garbage"/);
  return true;
}

test("lock-step, sendmail: 250 to MAIL followed in the same write by a malformed line -> the protocol error (code -1), not a TypeError; no RCPT written", async () => {
  const script = `${greeting([])}
C: MAIL FROM:<a@x.test>
S: 250 ok
S: garbage
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], "body\r\n"), malformedAfter);
    assert.equal(client.connected, false);
  });
});

test("lock-step BDAT, deliver: 250 to the first of two RCPTs followed by a malformed line -> the protocol error, not a TypeError", async () => {
  const script = `${greeting(["CHUNKING"])}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
S: garbage
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.deliver("a@x.test", ["b@y.test", "c@y.test"], "body\r\n"), malformedAfter);
    assert.equal(client.connected, false);
  });
});

test("lock-step after a transaction written whole (PIPELINING dropped from esmtpFeatures): 354 to the RSET that leads it -> SMTPServerDisconnected at once, no MAIL written", async () => {
  const script = `${EHLO_BDAT}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT 5 LAST
C! one\\r\\n
C: RSET
S: 250 ok
S: 250 ok
S: 250 first queued
S: 354 go ahead
`;
  const t = traced();
  await withScript(script, async (client) => {
    await client.ehloOrHeloIfNeeded();
    const first = client.deliver("a@x.test", "b@y.test", "one\r\n");
    // The first transaction is written whole; its replies are still unread.
    await new Promise((resolve) => setImmediate(resolve));
    client.esmtpFeatures.delete("pipelining");
    const second = client.sendmail("a@x.test", "c@y.test", "two\r\n");
    assert.equal((await first).reply.message, "first queued");
    await assert.rejects(second, (err: unknown) => {
      closedOn(err, 354, /RSET/);
      return true;
    });
    assert.equal(client.connected, false);
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT BDAT LAST RSET | S 250 250 250 354");
});

test("a 1yz 'preliminary' reply (which no SMTP command takes) to a pipelined RCPT closes at once: the reply after it would otherwise reach the next command, and a refusal could be read as an acceptance", async () => {
  const script = `${EHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: DATA
S: 250 ok
S: 150 hold on
S: 550 no such user
S: 250 ok
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.deliver("a@x.test", ["b@y.test", "c@y.test"], "secret body\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPResponseException && !(err instanceof SMTPSenderRefused), String(err));
      assert.equal(err.smtpCode, 150);
      assert.equal(err.command, "RCPT TO:<b@y.test>");
      assert.ok(err.cause instanceof SMTPServerDisconnected && !(err.cause instanceof SMTPTimeoutError), String(err.cause));
      assert.match(err.cause.message, /150 hold on.*preliminary/);
      return true;
    });
    assert.equal(client.connected, false);
  });
});

test("lock-step: a 1yz reply to MAIL -> SMTPSenderRefused (150) at once with the close as cause; no RSET", async () => {
  const script = `${greeting([])}
C: MAIL FROM:<a@x.test>
S: 150 hold on
S: 250 ok
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "secret body\r\n"), (err: unknown) =>
      err instanceof SMTPSenderRefused && err.smtpCode === 150 && err.cause instanceof SMTPServerDisconnected && /preliminary/.test(err.cause.message));
    assert.equal(client.connected, false);
  });
});
