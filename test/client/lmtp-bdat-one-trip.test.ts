/**
 * LMTP with CHUNKING and PIPELINING, a message in memory: MAIL, every RCPT and BDAT LAST
 * with the message go in one write (one round trip: RFC 3030 lets BDAT be pipelined), and
 * the replies are then counted: BDAT LAST gets one per recipient accepted (RFC 2033 §4.3), none or one
 * refusal when nobody was accepted (RFC 2033 §4.3 says none, as Dovecot does; a server may
 * answer it as a failed BDAT, once). Before, the client read the RCPT replies before it
 * wrote BDAT LAST: two round trips. Each transcript checks that every reply reaches its
 * command: the next command (NOOP, RSET, the next call) gets its own.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";
import { roundTrips, traced } from "../helpers/flow-trace.js";

const LHLO_BDAT = greeting(["PIPELINING", "CHUNKING"], "LHLO");
const HI = Buffer.from("hi\r\n");

/** MAIL, a RCPT for each of `to` and BDAT LAST with "hi", as one group. */
function group(to: readonly string[], from = "a@x.test"): string {
  return `C: MAIL FROM:<${from}>\n${to.map((r) => `C: RCPT TO:<${r}>`).join("\n")}\nC: BDAT 4 LAST\nC! hi\\r\\n\n`;
}

const NOOP = "C: NOOP\nS: 250 noop here\n";

/** Runs `fn` against `script` with a traced LMTP client (a short timeout: a wait the script does not answer fails soon); returns the flow. */
async function flowOf(script: string, fn: (client: LMTP) => Promise<void>): Promise<string> {
  const t = traced({ timeout: 3000 });
  await withScript(script, fn, t.options, LMTP);
  return t.flow();
}

test("LMTP BDAT in one round trip: every recipient accepted, one reply each after BDAT LAST; the next command gets its own reply", async () => {
  const to = ["r1@y.test", "r2@y.test"];
  const script = `${LHLO_BDAT}${group(to)}S: 250 ok
S: 250 ok
S: 250 ok
S: 250 2.0.0 r1 saved
S: 250 2.0.0 r2 saved
${NOOP}`;
  const flow = await flowOf(script, async (client) => {
    const d = await client.deliver("a@x.test", to, HI);
    assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.message]), [["r1@y.test", "2.0.0 r1 saved"], ["r2@y.test", "2.0.0 r2 saved"]]);
    assert.equal(d.refused.size, 0);
    assert.equal((await client.noop()).message, "noop here");
  });
  assert.equal(flow, "S 220 | C LHLO | S 250 | C MAIL RCPT RCPT BDAT LAST | S 250 250 250 250 250 | C NOOP | S 250");
  assert.equal(roundTrips(flow), 3); // LHLO, the message, NOOP
});

test("LMTP BDAT in one round trip: some recipients refused at RCPT -> BDAT LAST's replies are counted from the accepted ones, the reply after them is the next command's", async () => {
  const to = ["r1@y.test", "r2@y.test", "r3@y.test", "r4@y.test"];
  // The replies after the data come later than the envelope's, in a write of their own.
  const script = `${LHLO_BDAT}${group(to)}S: 250 ok
S: 550 5.1.1 no r1
S: 250 ok
S: 550 5.1.1 no r3
S: 250 ok
-- wait 20
S: 452 4.2.2 r2 over quota
S: 250 2.0.0 r4 saved
${NOOP}`;
  const flow = await flowOf(script, async (client) => {
    const d = await client.deliver("a@x.test", to, HI);
    assert.deepEqual([...d.delivered.keys()], ["r4@y.test"]);
    assert.deepEqual([...d.refused].map(([k, v]) => [k, v.code]).sort(), [["r1@y.test", 550], ["r2@y.test", 452], ["r3@y.test", 550]]);
    assert.equal((await client.noop()).message, "noop here");
  });
  assert.equal(flow, "S 220 | C LHLO | S 250 | C MAIL RCPT RCPT RCPT RCPT BDAT LAST | S 250 550 250 550 250 452 250 | C NOOP | S 250");
});

for (const [title, bdatReply] of [
  ["no reply to BDAT LAST (RFC 2033 §4.3, as Dovecot)", ""],
  ["one refusal to BDAT LAST, with the RCPT replies", "S: 503 5.5.1 no valid recipients\n"],
] as const) {
  test(`LMTP BDAT in one round trip: every recipient refused, ${title} -> SMTPRecipientsRefused, RSET, and RSET and the next call get their own replies`, async () => {
    const to = ["r1@y.test", "r2@y.test"];
    const script = `${LHLO_BDAT}${group(to)}S: 250 ok
S: 550 5.1.1 no r1
S: 550 5.1.1 no r2
${bdatReply}C: RSET
${group(["r3@y.test"])}S: 250 reset
S: 250 ok
S: 250 ok
S: 250 2.0.0 r3 saved
${NOOP}`;
    await flowOf(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", to, HI), (err: unknown) => {
        assert.ok(err instanceof SMTPRecipientsRefused, String(err));
        assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code]), [["r1@y.test", 550], ["r2@y.test", 550]]);
        return true;
      });
      const d = await client.deliver("a@x.test", ["r3@y.test"], HI);
      assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.message]), [["r3@y.test", "2.0.0 r3 saved"]]);
      assert.equal((await client.noop()).message, "noop here");
    });
  });
}

test("LMTP BDAT in one round trip: every recipient refused, BDAT LAST's one refusal coming after RSET was written -> it is BDAT LAST's, RSET gets the 250 after it", async () => {
  const script = `${LHLO_BDAT}${group(["r1@y.test"])}S: 250 ok
S: 550 5.1.1 no r1
C: RSET
S: 503 5.5.1 no valid recipients
S: 250 reset
${NOOP}`;
  await flowOf(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "r1@y.test", HI), SMTPRecipientsRefused);
    assert.equal((await client.noop()).message, "noop here");
  });
});

for (const [title, bdatReply] of [
  ["no reply to BDAT LAST", ""],
  ["one refusal to BDAT LAST", "S: 503 5.5.1 MAIL needed first\n"],
] as const) {
  test(`LMTP BDAT in one round trip: the sender refused, ${title} -> SMTPSenderRefused, and RSET and NOOP get their own replies`, async () => {
    const script = `${LHLO_BDAT}${group(["r1@y.test", "r2@y.test"], "bad@x.test")}S: 550 5.7.1 not you
S: 503 5.5.1 MAIL first
S: 503 5.5.1 MAIL first
${bdatReply}C: RSET
S: 250 reset
${NOOP}`;
    await flowOf(script, async (client) => {
      await assert.rejects(client.sendmail("bad@x.test", ["r1@y.test", "r2@y.test"], HI), (err: unknown) => err instanceof SMTPSenderRefused && err.smtpCode === 550);
      assert.equal((await client.noop()).message, "noop here");
    });
  });
}

test("LMTP BDAT in one round trip: a 421 to a RCPT -> that refusal, the message not processed (the server read nothing after the 421)", async () => {
  const script = `${LHLO_BDAT}${group(["r1@y.test", "r2@y.test"])}S: 250 ok
S: 250 ok
S: 421 4.3.2 shutting down
-- close
`;
  await flowOf(script, async (client) => {
    await assert.rejects(client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], HI), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused, String(err));
      assert.equal(err.recipients.get("r2@y.test")?.code, 421);
      return true;
    });
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("LMTP BDAT in one round trip: a 421 as the first reply after BDAT LAST -> that recipient's reply, the other's outcome unknown (code -1)", async () => {
  const script = `${LHLO_BDAT}${group(["r1@y.test", "r2@y.test"])}S: 250 ok
S: 250 ok
S: 250 ok
S: 250 2.0.0 r1 saved
S: 421 4.3.2 shutting down
-- close
`;
  await flowOf(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], HI);
    assert.deepEqual([...d.delivered.keys()], ["r1@y.test"]);
    assert.equal(d.refused.get("r2@y.test")?.code, 421);
  });
});

test("LMTP BDAT in one round trip: the server closes after the envelope's replies -> SMTPServerDisconnected, delivery unknown for the accepted recipients, the refused one refused", async () => {
  const script = `${LHLO_BDAT}${group(["r1@y.test", "r2@y.test"])}S: 250 ok
S: 250 ok
S: 550 5.1.1 no r2
-- close
`;
  await flowOf(script, async (client) => {
    await assert.rejects(client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], HI), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.equal(err.delivery, "unknown");
      assert.deepEqual([...err.recipients!].map(([k, v]) => [k, v.code]).sort(), [["r1@y.test", -1], ["r2@y.test", 550]]);
      return true;
    });
  });
});

test("LMTP BDAT in one round trip: the server closes in the middle of the envelope's replies -> SMTPServerDisconnected, delivery unknown (the message went with them)", async () => {
  const script = `${LHLO_BDAT}${group(["r1@y.test", "r2@y.test"])}S: 250 ok
S: 250 ok
-- close
`;
  await flowOf(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], HI), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.equal(err.delivery, "unknown");
      return true;
    });
  });
});

test("LMTP BDAT in one round trip: a reply more than BDAT LAST is due (the server counts otherwise) -> the connection closes, the replies due keep their recipients", async () => {
  const script = `${LHLO_BDAT}${group(["r1@y.test", "r2@y.test"])}S: 250 ok
S: 250 ok
S: 550 5.1.1 no r2
S: 250 2.0.0 r1 saved
S: 250 2.0.0 one too many
`;
  await flowOf(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], HI);
    assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.message]), [["r1@y.test", "2.0.0 r1 saved"]]);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("LMTP BDAT in one round trip: a message in memory over 64 KiB (written after its BDAT line, in pieces) goes with the envelope too; the replies are counted as for a small one", async () => {
  const body = Buffer.alloc(100 * 1024, 0x61);
  body.write("\r\n", body.length - 2, "latin1");
  const to = ["r1@y.test", "r2@y.test"];
  const script = `${LHLO_BDAT}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: BDAT ${body.length} LAST
C! ${body.toString("latin1").replace(/\r/g, "\\r").replace(/\n/g, "\\n")}
S: 250 ok
S: 550 5.1.1 no r1
S: 250 ok
S: 250 2.0.0 r2 saved
${NOOP}`;
  const flow = await flowOf(script, async (client) => {
    const d = await client.deliver("a@x.test", to, body);
    assert.deepEqual([...d.delivered.keys()], ["r2@y.test"]);
    assert.equal(d.refused.get("r1@y.test")?.code, 550);
    assert.equal((await client.noop()).message, "noop here");
  });
  assert.equal(flow, "S 220 | C LHLO | S 250 | C MAIL RCPT RCPT BDAT LAST | S 250 550 250 250 | C NOOP | S 250");
});
