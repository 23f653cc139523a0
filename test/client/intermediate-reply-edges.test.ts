/**
 * A reply that completes nothing (354, or a 1yz "preliminary" reply) where the client did
 * not pipeline it or did not expect it: lock-step MAIL and RCPT, the low-level mail(), a
 * refused sender then 354, 354 to the RSET that leads a transaction, a large message still
 * being written, and a malformed line in the same write as a good reply. As in
 * intermediate-reply-pipelined.test.ts, the call ends at once with the reply as its error
 * and the connection closes; the 5 s timeout is only a guard.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTP, SMTPResponseException, SMTPSenderRefused, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { greeting, PIPELINED_GROUP, withScript, EHLO_PIPELINING } from "../helpers/client.js";
import { closedOn, rcpt354, senderRefused354 } from "../helpers/closed-on.js";
import { traced } from "../helpers/flow-trace.js";
import { onLines } from "../helpers/lines.js";
import { EHLO_BDAT } from "../helpers/bdat-scripts.js";

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
