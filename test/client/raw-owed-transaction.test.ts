/**
 * A `sendmail()`, `sendMessage()` or `deliver()` made while the reply to a line written raw
 * with `send()` is unread. Its commands' replies must be its own: before the fix, the raw
 * line's reply, when still due, answered the transaction's MAIL (Python's pairing) and every
 * later reply moved up by one, so its real end-of-data reply was dropped: a message refused
 * there was reported delivered (over BDAT, pipelined or not), and one delivered reported
 * refused (the raw line answered 5xx read as MAIL's refusal).
 *
 * The transaction now waits for the replies owed to raw lines before it writes anything,
 * and leaves them for `getreply()`.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPException, SMTPTimeoutError } from "../../src/index.js";
import { heardInTrace } from "../helpers/client.js";
import { RAW_REPLIES, withRawOwedClient, type RawOwedOptions } from "../helpers/raw-owed-server.js";

const MESSAGE = "From: a@x.test\r\nTo: b@y.test\r\nSubject: hi\r\n\r\nhi\r\n";

const MODES: { name: string; extensions: string[] }[] = [
  { name: "pipelined DATA", extensions: ["PIPELINING"] },
  { name: "lock-step DATA", extensions: [] },
  { name: "pipelined BDAT", extensions: ["PIPELINING", "CHUNKING"] },
  { name: "lock-step BDAT", extensions: ["CHUNKING"] },
];

type Method = "sendmail" | "sendMessage" | "deliver";

/** What is written raw, what getreply() reads after the transaction, and a reply that must have come before it starts, if any. */
interface Raw {
  bytes: string;
  replies: string[];
  /** The text of a reply to the raw lines to wait for before the transaction. */
  arrived?: string;
}

/** One raw line, `NOOP` (answered 250) or `XYZZY` (answered 500), whose reply has come (`arrived`) or not. */
function oneLine(raw: "NOOP" | "XYZZY", arrived: boolean): Raw {
  return { bytes: `${raw}\r\n`, replies: [RAW_REPLIES[raw]!], ...(arrived ? { arrived: RAW_REPLIES[raw]!.slice(4) } : {}) };
}

/**
 * Runs the transaction with `method` on a client connected to a fresh server, after a raw
 * `send()` of `raw.bytes`; checks that the transaction's outcome follows the server's
 * end-of-data reply, that getreply() then reads the raw lines' replies, and that the server
 * saw the raw lines before the transaction's MAIL.
 */
async function rawThenTransaction(options: RawOwedOptions, raw: Raw, method: Method, greet = true): Promise<void> {
  const { heard: arrived, debugOutput } = heardInTrace(raw.arrived);
  await withRawOwedClient(options, async (client, server) => {
    if (greet) await client.ehlo();
    const before = server.lines.length;
    await client.send(raw.bytes);
    if (raw.arrived !== undefined) await arrived;
    const call = method === "sendmail"
      ? client.sendmail("a@x.test", ["b@y.test"], MESSAGE).then((refused) => ({ refused, delivered: undefined }))
      : method === "sendMessage"
        ? client.sendMessage(MESSAGE).then((refused) => ({ refused, delivered: undefined }))
        : client.deliver("a@x.test", ["b@y.test"], MESSAGE);
    if (options.end === 554) {
      const err: unknown = await call.then(() => assert.fail("reported delivered: the server refused the message"), (e: unknown) => e);
      assert.ok(err instanceof SMTPException, String(err));
      assert.equal(err.delivery, "not-delivered", String(err));
      assert.match(String(err), /554|rejected/);
    } else {
      const result = await call;
      assert.equal(result.refused.size, 0, `refused: ${JSON.stringify([...result.refused])}`);
      if (result.delivered !== undefined) assert.equal(result.delivered.get("b@y.test")?.message, "2.0.0 queued");
    }
    for (const expected of raw.replies) {
      const reply = await client.getreply();
      assert.equal(`${reply.code} ${reply.message}`, expected);
    }
    assert.equal((await client.quit()).code, 221);
    // The raw lines, then the transaction's MAIL.
    const rawLines = raw.bytes.split("\r\n").slice(0, -1).filter((l) => !/^hi$/.test(l));
    const then = greet ? ["MAIL"] : [options.dialect === "lmtp" ? "LHLO" : "EHLO", "MAIL"];
    assert.deepEqual(server.lines.slice(before, before + rawLines.length + then.length).map((l) => l.split(" ")[0]), [...rawLines.map((l) => l.split(" ")[0]), ...then]);
  }, { debugLevel: 1, debugOutput });
}

for (const dialect of ["smtp", "lmtp"] as const) {
  for (const { name, extensions } of MODES) {
    for (const holdRaw of [true, false]) {
      for (const raw of ["NOOP", "XYZZY"] as const) {
        const when = holdRaw ? "still due" : "already come";
        test(`${dialect.toUpperCase()} ${name}: deliver() after a raw send("${raw}") whose reply is ${when}: the message refused at its end is reported refused, one accepted delivered; getreply() reads the raw reply`, async () => {
          for (const end of [554, 250] as const) {
            await rawThenTransaction({ dialect, extensions, end, holdRaw }, oneLine(raw, !holdRaw), "deliver");
          }
        });
      }
    }
  }
}

for (const method of ["sendmail", "sendMessage"] as const) {
  for (const dialect of ["smtp", "lmtp"] as const) {
    test(`${dialect.toUpperCase()} pipelined BDAT: ${method}() after a raw send("NOOP") whose reply is still due reports the refusal at the end of data, and an accepted message as sent`, async () => {
      for (const end of [554, 250] as const) {
        await rawThenTransaction({ dialect, extensions: ["PIPELINING", "CHUNKING"], end, holdRaw: true }, oneLine("NOOP", false), method);
      }
    });
  }
}

for (const { name, extensions } of MODES) {
  test(`SMTP ${name}: two raw lines in one send(), the first one's reply come, the second's still due: deliver() waits for it; getreply() reads both`, async () => {
    for (const end of [554, 250] as const) {
      const raw = { bytes: "NOOP\r\nXYZZY\r\n", replies: [RAW_REPLIES.NOOP!, RAW_REPLIES.XYZZY!], arrived: RAW_REPLIES.NOOP!.slice(4) };
      await rawThenTransaction({ dialect: "smtp", extensions, end, holdRaw: "XYZZY" }, raw, "deliver");
    }
  });
}

for (const dialect of ["smtp", "lmtp"] as const) {
  test(`${dialect.toUpperCase()} pipelined BDAT, not greeted yet: deliver() after a raw send("XYZZY") whose reply is still due sends its EHLO only once that reply has come (it took it as EHLO's)`, async () => {
    for (const end of [554, 250] as const) {
      await rawThenTransaction({ dialect, extensions: ["PIPELINING", "CHUNKING"], end, holdRaw: true }, oneLine("XYZZY", false), "deliver", false);
    }
  });
}

test("LMTP: a whole transaction written raw (two RCPTs and BDAT LAST, none read), BDAT LAST's second reply still due: deliver() waits for it (one per recipient accepted)", async () => {
  for (const end of [554, 250] as const) {
    const endText = end === 250 ? "250 2.0.0 queued" : "554 5.7.1 rejected";
    const raw = {
      bytes: "MAIL FROM:<r@x.test>\r\nRCPT TO:<c@y.test>\r\nRCPT TO:<d@y.test>\r\nBDAT 4 LAST\r\nhi\r\n",
      replies: ["250 2.1.0 sender ok", "250 2.1.5 rcpt ok", "250 2.1.5 rcpt ok", endText, endText],
      arrived: endText.slice(4),
    };
    await rawThenTransaction({ dialect: "lmtp", extensions: ["PIPELINING", "CHUNKING"], end, holdRaw: "end-rest" }, raw, "deliver");
  }
});

test("a raw send() whose reply never comes: sendmail() fails after the command timeout with SMTPTimeoutError, 'not-delivered', nothing of its transaction written", async () => {
  await withRawOwedClient({ dialect: "smtp", extensions: ["PIPELINING", "CHUNKING"], end: 250, holdRaw: false, silentRaw: true }, async (client, server) => {
    await client.ehlo();
    await client.send("NOOP\r\n");
    const err: unknown = await client.sendmail("a@x.test", ["b@y.test"], MESSAGE).then(() => assert.fail("sent"), (e: unknown) => e);
    assert.ok(err instanceof SMTPTimeoutError, String(err));
    assert.equal(err.delivery, "not-delivered");
    assert.match(err.message, /raw/);
    assert.deepEqual(server.lines, ["EHLO client.test", "NOOP"]);
  }, { timeout: 300 });
});

test("a raw send() that ends in the middle of a line: sendmail() fails at once with SMTPException 'not-delivered', nothing written; once the line is ended, a transaction goes and getreply() reads the line's reply", async () => {
  await withRawOwedClient({ dialect: "smtp", extensions: ["PIPELINING", "CHUNKING"], end: 250, holdRaw: true }, async (client, server) => {
    await client.ehlo();
    await client.send("NOO");
    const err: unknown = await client.sendmail("a@x.test", ["b@y.test"], MESSAGE).then(() => assert.fail("sent"), (e: unknown) => e);
    assert.ok(err instanceof SMTPException, String(err));
    assert.equal(err.delivery, "not-delivered");
    assert.match(err.message, /middle of a line/);
    await client.send("P\r\n");
    assert.equal((await client.sendmail("a@x.test", ["b@y.test"], MESSAGE)).size, 0);
    const reply = await client.getreply();
    assert.equal(`${reply.code} ${reply.message}`, RAW_REPLIES.NOOP);
    assert.deepEqual(server.lines.slice(0, 3), ["EHLO client.test", "NOOP", "MAIL FROM:<a@x.test>"]);
  });
});

test("a sendmail() aborted while it waits for a raw line's reply writes nothing of its transaction; getreply() still reads that reply", async () => {
  await withRawOwedClient({ dialect: "smtp", extensions: ["PIPELINING", "CHUNKING"], end: 250, holdRaw: true }, async (client, server) => {
    await client.ehlo();
    await client.send("NOOP\r\n");
    const controller = new AbortController();
    const call = client.sendmail("a@x.test", ["b@y.test"], MESSAGE, [], [], { signal: controller.signal });
    // Its turn has begun (the raw send() before it is done): it is waiting for the NOOP's reply.
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort(new Error("stop"));
    await assert.rejects(call, /stop/);
    const reply = await client.getreply();
    assert.equal(`${reply.code} ${reply.message}`, RAW_REPLIES.NOOP);
    assert.equal((await client.noop()).code, 250);
    assert.deepEqual(server.lines, ["EHLO client.test", "NOOP", "NOOP"]);
  });
});

for (const dialect of ["smtp", "lmtp"] as const) {
  test(`${dialect.toUpperCase()} pipelined BDAT: deliver(), a raw send("NOOP") behind it, then another deliver(): each gets its own replies, getreply() the NOOP's`, async () => {
    for (const end of [554, 250] as const) {
      await withRawOwedClient({ dialect, extensions: ["PIPELINING", "CHUNKING"], end, holdRaw: true }, async (client) => {
        await client.ehlo();
        const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => "delivered", (e: unknown) => (e instanceof SMTPException ? `${e.delivery}` : String(e)));
        const first = outcome(client.deliver("a@x.test", ["b@y.test"], MESSAGE));
        await client.send("NOOP\r\n");
        const second = outcome(client.deliver("a@x.test", ["b@y.test"], MESSAGE));
        const expected = end === 250 ? "delivered" : "not-delivered";
        assert.deepEqual([await first, await second], [expected, expected]);
        const reply = await client.getreply();
        assert.equal(`${reply.code} ${reply.message}`, RAW_REPLIES.NOOP);
        assert.equal((await client.quit()).code, 221);
      });
    }
  });
}
