/**
 * A 3yz reply (354) where the message's end or a BDAT chunk should be answered, on a
 * pipelined connection, byte for byte. The server is then reading what was written after
 * that point as message data: the transaction pipelined behind it, or the rest of the
 * chunks. Each call must end at once (the one answered with SMTPDataError, the ones behind
 * it with SMTPServerDisconnected), with nothing more written and the connection closed;
 * before, the calls behind it waited for their timeout.
 *
 * The client's timeout (5 s) is only a guard: the assertions tell a prompt close from a
 * timeout by the errors' classes and causes, not by measuring time.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { EHLO_PIPELINING, greeting, PIPELINED_GROUP, withScript } from "../helpers/client.js";
import { EHLO_BDAT } from "../helpers/bdat-scripts.js";
import { closedOn } from "../helpers/closed-on.js";
import { traced } from "../helpers/flow-trace.js";


/** SMTPDataError for the 354 itself, with the close as its cause. */
function dataError354(err: unknown, command: string, answered: RegExp): true {
  assert.ok(err instanceof SMTPDataError, `expected SMTPDataError, got ${String(err)}`);
  assert.equal(err.smtpCode, 354);
  assert.equal(err.command, command);
  closedOn(err.cause, 354, answered);
  return true;
}

test("DATA, two pipelined calls: 354 to the first's '.' -> SMTPDataError; the second, written after it, fails at once; then QUIT is not sent", async () => {
  const script = `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 250 ok
S: 250 ok
S: 354 go
C: first
C: .
C: MAIL FROM:<a@x.test>
C: RCPT TO:<c@y.test>
C: DATA
S: 354 go ahead
`;
  const t = traced();
  await withScript(script, async (client) => {
    const first = client.deliver("a@x.test", "b@y.test", "first\r\n");
    const second = client.deliver("a@x.test", "c@y.test", "second\r\n");
    await assert.rejects(first, (err: unknown) => dataError354(err, "end of data", /<message data, 10 bytes> \./));
    await assert.rejects(second, (err: unknown) => closedOn(err, 354, /<message data, 10 bytes> \./));
    assert.equal(client.connected, false);
    await assert.rejects(client.quit(), SMTPServerDisconnected);
  }, t.options);
  assert.equal(t.flow(), "S 220 | C EHLO | S 250 | C MAIL RCPT DATA | S 250 250 354 | C . MAIL RCPT DATA | S 354");
});

test("BDAT written whole, two calls: 354 to the first's BDAT LAST -> SMTPDataError; the second, written after it, fails at once", async () => {
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
S: 354 go ahead
`;
  await withScript(script, async (client) => {
    const first = client.deliver("a@x.test", "b@y.test", "one\r\n");
    const second = client.deliver("a@x.test", "c@y.test", "two\r\n");
    await assert.rejects(first, (err: unknown) => dataError354(err, "end of data", /BDAT 5 LAST/));
    await assert.rejects(second, (err: unknown) => closedOn(err, 354, /BDAT 5 LAST/));
    assert.equal(client.connected, false);
  });
});

const CHUNK = 256 * 1024;

test("BDAT with a stream, pipelined: 354 to the first chunk -> SMTPDataError at once; no further chunk, no LAST, no RSET", async () => {
  const a = "a".repeat(CHUNK);
  const script = `${EHLO_BDAT}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT ${CHUNK}
C! ${a}
S: 250 ok
S: 250 ok
S: 354 go ahead
`;
  let release!: () => void;
  const released = new Promise<void>((resolve) => { release = resolve; });
  // A guard only: without the fix the stream would wait here until the test ends.
  const guard = setTimeout(release, 3000);
  async function* body(): AsyncGenerator<Buffer> {
    yield Buffer.from(a);
    yield Buffer.from("b".repeat(CHUNK));
    await released;
    yield Buffer.from("tail\r\n");
  }
  try {
    await withScript(script, async (client) => {
      await assert.rejects(client.deliver("a@x.test", "b@y.test", body()), (err: unknown) => dataError354(err, "BDAT", new RegExp(`BDAT ${CHUNK}\\b`)));
      assert.equal(client.connected, false);
    });
  } finally {
    clearTimeout(guard);
    release();
  }
});

test("lock-step (no PIPELINING offered): 354 to '.' -> SMTPDataError at once with the close as cause; no RSET, the queued call sends nothing", async () => {
  const script = `${greeting([])}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: first
C: .
S: 354 go ahead
`;
  await withScript(script, async (client) => {
    const first = client.sendmail("a@x.test", "b@y.test", "first\r\n");
    const second = client.sendmail("a@x.test", "c@y.test", "second\r\n");
    await assert.rejects(first, (err: unknown) => dataError354(err, "end of data", /<message data, 10 bytes> \./));
    await assert.rejects(second, (err: unknown) => err instanceof SMTPServerDisconnected && /nothing of this call was sent/.test(err.message));
    assert.equal(client.connected, false);
  });
});

test("lock-step BDAT (CHUNKING without PIPELINING), a stream: 354 to the first chunk -> SMTPDataError at once with the close as cause; no further chunk, no RSET", async () => {
  const a = "a".repeat(CHUNK);
  const script = `${greeting(["CHUNKING"])}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT ${CHUNK}
C! ${a}
S: 354 go ahead
`;
  async function* body(): AsyncGenerator<Buffer> {
    yield Buffer.from(a);
    yield Buffer.from("b".repeat(CHUNK));
    yield Buffer.from("tail\r\n");
  }
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", body()), (err: unknown) => dataError354(err, "BDAT", new RegExp(`BDAT ${CHUNK}\\b`)));
    assert.equal(client.connected, false);
  });
});

test("DATA answered with a 3yz other than 354 (pipelined and lock-step) -> SMTPDataError at once with the close as cause; no RSET, which that server would read as input", async () => {
  for (const pipelining of [true, false]) {
    const script = pipelining
      ? `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 334 go on\n`
      : `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 334 go on\n`;
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", "body\r\n"), (err: unknown) => {
        assert.ok(err instanceof SMTPDataError, String(err));
        assert.equal(err.smtpCode, 334);
        assert.equal(err.command, "DATA");
        assert.ok(err.cause instanceof SMTPServerDisconnected && !(err.cause instanceof SMTPTimeoutError), String(err.cause));
        assert.match(err.cause.message, /334 go on/);
        return true;
      });
      assert.equal(client.connected, false);
    });
  }
});

test("every recipient refused, DATA answered 354 anyway, and 354 again to the lone '.' -> SMTPRecipientsRefused at once, with the close as cause; the connection closes instead of an RSET that server would not answer", async () => {
  const script = `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 250 ok
S: 550 no such user
S: 354 go
C: .
S: 354 go ahead
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "body\r\n"), (err: unknown) =>
      err instanceof SMTPRecipientsRefused && err.recipients.get("b@y.test")?.code === 550
      && err.cause instanceof SMTPServerDisconnected && /354 go ahead/.test(err.cause.message));
    assert.equal(client.connected, false);
  });
});

test("BDAT written whole, every recipient (or the sender) refused, 354 to BDAT LAST -> SMTPRecipientsRefused (SMTPSenderRefused) with the close as cause, not the failed write of a lone '.' on the closed connection", async () => {
  const envelope = "C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT 5 LAST\nC! one\\r\\n\n";
  // [the envelope replies, what the error must be (returns its cause)]
  const cases: [string, (err: unknown) => unknown][] = [
    ["S: 250 ok\nS: 550 no such user\n", (err) => {
      assert.ok(err instanceof SMTPRecipientsRefused, `expected SMTPRecipientsRefused, got ${String(err)}`);
      assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code]), [["b@y.test", 550]]);
      return err.cause;
    }],
    ["S: 550 sender rejected\nS: 250 ok\n", (err) => {
      assert.ok(err instanceof SMTPSenderRefused, `expected SMTPSenderRefused, got ${String(err)}`);
      assert.equal(err.smtpCode, 550);
      return err.cause;
    }],
  ];
  for (const [replies, refusal] of cases) {
    await withScript(`${EHLO_BDAT}${envelope}${replies}S: 354 go ahead\n`, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", "one\r\n"), (err: unknown) => closedOn(refusal(err), 354, /BDAT 5 LAST/));
      assert.equal(client.connected, false);
    });
  }
});

test("DATA answered with a 1yz -> SMTPDataError at once with the close as cause (the 354 after it would otherwise reach the RSET)", async () => {
  const script = `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 150 wait\nS: 354 go\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "body\r\n"), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 150 && err.cause instanceof SMTPServerDisconnected && /preliminary/.test(err.cause.message));
    assert.equal(client.connected, false);
  });
});

test("low-level data(): DATA answered with a 1yz or a 3yz other than 354 -> SMTPDataError with the close as cause; no RSET (which would get the reply meant for DATA, or be read as input)", async () => {
  for (const [code, text] of [[150, "wait"], [334, "go on"]] as const) {
    // The server's reply after it: with an RSET written, the client took it as RSET's.
    const script = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: ${code} ${text}\n`;
    await withScript(script, async (client) => {
      await client.ehlo();
      await client.mail("a@x.test");
      await client.rcpt("b@y.test");
      await assert.rejects(client.data("body\r\n"), (err: unknown) => {
        assert.ok(err instanceof SMTPDataError, String(err));
        assert.equal(err.smtpCode, code);
        assert.equal(err.command, "DATA");
        assert.ok(err.cause instanceof SMTPServerDisconnected && !(err.cause instanceof SMTPTimeoutError), String(err.cause));
        assert.match(err.cause.message, new RegExp(`${code} ${text}`));
        return true;
      });
      assert.equal(client.connected, false);
    });
  }
});

test("DATA answered with a 2yz (which DATA never takes: the replies are out of step), then 354 -> SMTPDataError at once with the close as cause; no RSET, which the 354 would answer, the server then reading what follows as message data", async () => {
  for (const pipelining of [true, false]) {
    const script = pipelining
      ? `${EHLO_PIPELINING}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 250 2.0.0 ok\nS: 354 go ahead\n`
      : `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\nS: 250 2.0.0 ok\nS: 354 go ahead\n`;
    await withScript(script, async (client) => {
      // Before: RSET was written, and the call waited for its reply (which the server, reading
      // message data, never sends) until the timeout.
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", "body\r\n"), (err: unknown) => {
        assert.ok(err instanceof SMTPDataError, String(err));
        assert.equal(err.smtpCode, 250);
        assert.equal(err.command, "DATA");
        assert.ok(err.cause instanceof SMTPServerDisconnected && !(err.cause instanceof SMTPTimeoutError), String(err.cause));
        assert.match(err.cause.message, /250 2\.0\.0 ok.*out of step/);
        return true;
      });
      assert.equal(client.connected, false);
    }, { timeout: 1000 });
  }
});

test("every recipient (or the sender) refused, and pipelined DATA answered with a 1yz, a 2yz or a 3yz other than 354 -> the refusal at once, with the close as cause; no RSET (which the reply after it would answer, or the server read as input)", async () => {
  const cases: [string, string, (err: unknown) => boolean][] = [
    ["250 ok", "550 no such user", (err) => err instanceof SMTPRecipientsRefused && err.recipients.get("b@y.test")?.code === 550],
    ["550 sender rejected", "250 ok", (err) => err instanceof SMTPSenderRefused && err.smtpCode === 550],
  ];
  for (const [mail, rcpt, refusal] of cases) {
    for (const dataReply of ["150 wait", "250 ok", "334 go on"]) {
      const script = `${EHLO_PIPELINING}${PIPELINED_GROUP}S: ${mail}\nS: ${rcpt}\nS: ${dataReply}\nS: 354 go ahead\n`;
      await withScript(script, async (client) => {
        // Before: RSET was written, and the call waited for its reply until the timeout.
        await assert.rejects(client.sendmail("a@x.test", "b@y.test", "body\r\n"), (err: unknown) => {
          assert.ok(refusal(err), String(err));
          const cause = (err as Error).cause;
          assert.ok(cause instanceof SMTPServerDisconnected && !(cause instanceof SMTPTimeoutError), `${dataReply}: ${String(cause)}`);
          assert.match(cause.message, new RegExp(`answered DATA with "${dataReply}"`));
          return true;
        });
        assert.equal(client.connected, false);
      }, { timeout: 1000 });
    }
  }
});
