/**
 * LMTP (RFC 2033, issue 6) byte for byte: LHLO, one reply per accepted recipient after
 * the data (lock-step, pipelined, BDAT), refusals reported in one map, per-recipient full
 * replies from `deliver()` and `data()`, a refused LHLO, and a Unix socket server.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import {
  LMTP, SMTPHeloError, SMTPRecipientsRefused, SMTPSenderRefused, type SMTPReply,
} from "../../src/index.js";
import { LOCAL, greeting, withScript } from "../helpers/client.js";
import { scriptEscape, traced } from "../helpers/flow-trace.js";
import { expectedClientBytes, startScriptServer } from "../helpers/script-server.js";

const LHLO = greeting(["ENHANCEDSTATUSCODES"], "LHLO");

const LHLO_PIPELINING = greeting(["ENHANCEDSTATUSCODES", "PIPELINING"], "LHLO");

const SIX = ["r1@y.test", "r2@y.test", "r3@y.test", "r4@y.test", "r5@y.test", "r6@y.test"];

/** After DATA: r1, r4 and r6 refused; r3 and r5 delivered (r2 was refused at RCPT). */
const AFTER_DATA = `
S: 452 4.2.2 <r1@y.test> mailbox over quota
S: 250 2.0.0 <r3@y.test> delivered
S: 552 5.2.2 <r4@y.test> mailbox full
S: 250 2.0.0 <r5@y.test> saved
S: 550 5.7.1 <r6@y.test> rejected by sieve
`;

function rcptLines(): string {
  return SIX.map((r) => `C: RCPT TO:<${r}>`).join("\n");
}

const RCPT_REPLIES = `
S: 250 2.1.5 ok
S: 550 5.1.1 <r2@y.test> unknown user
S: 250 2.1.5 ok
S: 250 2.1.5 ok
S: 250 2.1.5 ok
S: 250 2.1.5 ok
`;

function checkSix(refused: Map<string, SMTPReply>): void {
  assert.deepEqual([...refused].map(([k, v]) => [k, v.code, v.enhancedStatus, v.message]), [
    ["r2@y.test", 550, "5.1.1", "5.1.1 <r2@y.test> unknown user"],
    ["r1@y.test", 452, "4.2.2", "4.2.2 <r1@y.test> mailbox over quota"],
    ["r4@y.test", 552, "5.2.2", "5.2.2 <r4@y.test> mailbox full"],
    ["r6@y.test", 550, "5.7.1", "5.7.1 <r6@y.test> rejected by sieve"],
  ]);
}

test("issue 6, lock-step: RCPT refuses r2, DATA refuses r1, r4, r6 -> exactly those four; r3 and r5 delivered; NOOP gets its own reply", async () => {
  const lockstep = SIX.map((r, i) => `C: RCPT TO:<${r}>\nS: ${i === 1 ? "550 5.1.1 <r2@y.test> unknown user" : "250 2.1.5 ok"}`).join("\n");
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 2.1.0 ok
${lockstep}
C: DATA
S: 354 go ahead
C: Subject: six
C:
C: hello
C: .
${AFTER_DATA}
C: NOOP
S: 250 2.0.0 noop here
`;
  const t = traced();
  await withScript(script, async (client) => {
    const refused = await client.sendmail("a@x.test", SIX, "Subject: six\n\nhello\n");
    checkSix(refused);
    const noop = await client.noop();
    assert.equal(noop.message, "2.0.0 noop here");
  }, t.options, LMTP);
  assert.equal(t.flow(),
    "S 220 | C LHLO | S 250 | C MAIL | S 250 | C RCPT | S 250 | C RCPT | S 550 | C RCPT | S 250 | C RCPT | S 250 | C RCPT | S 250 | C RCPT | S 250 | C DATA | S 354 | C . | S 452 250 552 250 550 | C NOOP | S 250");
});

test("issue 6, pipelined: the same six recipients in one group; deliver() keeps every delivered recipient's full reply", async () => {
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
${rcptLines()}
C: DATA
S: 250 2.1.0 ok
${RCPT_REPLIES}
S: 354 go ahead
C: hello
C: .
${AFTER_DATA}
C: NOOP
S: 250 2.0.0 noop here
`;
  const t = traced();
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", SIX, "hello\r\n");
    checkSix(d.refused);
    assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.code, v.enhancedStatus, v.message]), [
      ["r3@y.test", 250, "2.0.0", "2.0.0 <r3@y.test> delivered"],
      ["r5@y.test", 250, "2.0.0", "2.0.0 <r5@y.test> saved"],
    ]);
    assert.equal(d.reply.code, 452); // the first refusal after the data
    assert.equal((await client.noop()).message, "2.0.0 noop here");
  }, t.options, LMTP);
  assert.equal(t.flow(),
    "S 220 | C LHLO | S 250 | C MAIL RCPT RCPT RCPT RCPT RCPT RCPT DATA | S 250 250 550 250 250 250 250 354 | C . | S 452 250 552 250 550 | C NOOP | S 250");
});

test("pipelined LMTP: a NOOP issued during sendmail goes right after '.' and still gets its own reply, not a recipient's", async () => {
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
${rcptLines()}
C: DATA
S: 250 2.1.0 ok
${RCPT_REPLIES}
S: 354 go ahead
C: hello
C: .
C: NOOP
${AFTER_DATA}
S: 250 2.0.0 noop here
`;
  const t = traced();
  await withScript(script, async (client) => {
    const sent = client.sendmail("a@x.test", SIX, "hello\r\n");
    const noop = client.noop();
    checkSix(await sent);
    assert.equal((await noop).message, "2.0.0 noop here");
  }, t.options, LMTP);
  assert.match(t.flow(), /C \. NOOP \| S 452 250 552 250 550 250$/);
});

test("LMTP: per-recipient replies that arrive one by one, slowly, are each matched", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: RCPT TO:<r2@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S! 250 2.0.0 r1
-- wait 30
S! \\r\\n250-2.0.0 r2\\r\\n
-- wait 30
S: 250 2.0.0 r2 (continued)
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], "hi");
    assert.equal(d.refused.size, 0);
    assert.equal(d.delivered.get("r1@y.test")?.message, "2.0.0 r1");
    assert.deepEqual(d.delivered.get("r2@y.test")?.lines, ["2.0.0 r2", "2.0.0 r2 (continued)"]);
    assert.equal(d.reply.message, "2.0.0 r2\n2.0.0 r2 (continued)"); // all succeeded: the last reply
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP: every recipient refused after DATA -> SMTPRecipientsRefused with every refusal (RCPT and after data)", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 550 5.1.1 no r1
C: RCPT TO:<r2@y.test>
S: 250 ok
C: RCPT TO:<r3@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 452 4.2.2 r2 over quota
S: 554 5.6.0 r3 content rejected
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["r1@y.test", "r2@y.test", "r3@y.test"], "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused);
      assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code]), [["r1@y.test", 550], ["r2@y.test", 452], ["r3@y.test", 554]]);
      return true;
    });
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP: every recipient refused at RCPT -> RSET, SMTPRecipientsRefused, no data sent", async () => {
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: DATA
S: 250 ok
S: 550 no r1
S: 503 no valid recipients
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "r1@y.test", "hi\r\n"), SMTPRecipientsRefused);
  }, {}, LMTP);
});

test("LMTP: a refused sender -> RSET, SMTPSenderRefused", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 550 5.7.1 no
C: RSET
S: 250 reset
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "r1@y.test", "hi\r\n"), SMTPSenderRefused);
  }, {}, LMTP);
});

test("low-level mail/rcpt/data: data() resolves to the first refusal with a recipients map of every accepted recipient", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: RCPT TO:<r2@y.test>
S: 550 5.1.1 no r2
C: RCPT TO:<r3@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 2.0.0 r1 ok
S: 452 4.2.2 r3 over quota
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: DATA
S: 354 go
C: again
C: .
S: 250 2.0.0 r1 ok again
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    assert.equal((await client.mail("a@x.test")).code, 250);
    assert.equal((await client.rcpt("r1@y.test")).code, 250);
    assert.equal((await client.rcpt("r2@y.test")).code, 550);
    assert.equal((await client.rcpt("r3@y.test")).code, 250);
    const reply = await client.data("hi");
    assert.equal(reply.code, 452);
    assert.equal(reply.enhancedStatus, "4.2.2");
    assert.equal(reply.message, "4.2.2 r3 over quota");
    assert.deepEqual([...(reply.recipients ?? new Map<string, SMTPReply>())].map(([k, v]) => [k, v.code, v.message]).sort(), [
      ["r1@y.test", 250, "2.0.0 r1 ok"], ["r3@y.test", 452, "4.2.2 r3 over quota"],
    ]);
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    const again = await client.data("again");
    assert.equal(again.code, 250);
    assert.equal(again.message, "2.0.0 r1 ok again");
    assert.deepEqual([...(again.recipients ?? new Map<string, SMTPReply>()).keys()], ["r1@y.test"]);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("low-level data(): every accepted recipient refused after the data -> resolves (no throw) to the first refusal", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: RCPT TO:<r2@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 552 5.2.2 r1 full
S: 550 5.1.1 r2 gone
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    await client.rcpt("r2@y.test");
    const reply = await client.data("hi");
    assert.equal(reply.code, 552);
    assert.equal(reply.recipients?.size, 2);
    assert.equal(reply.recipients?.get("r2@y.test")?.code, 550);
  }, {}, LMTP);
});

test("low-level data() with no recipient accepted: the one reply to the end of data is returned, the next command stays in step", async () => {
  const script = `${LHLO}
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 550 no r1
C: DATA
S: 354 go anyway
C: hi
C: .
S: 554 5.5.1 no valid recipients
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("r1@y.test");
    const reply = await client.data("hi");
    assert.equal(reply.code, 554);
    assert.equal(reply.message, "5.5.1 no valid recipients");
    assert.equal(reply.recipients?.size, 0);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("a refused LHLO is SMTPHeloError and no HELO is sent (RFC 2033 §4.1)", async () => {
  const script = `
S: 220 lmtp.test LMTP
C: LHLO client.test
S: 500 5.5.1 what is LHLO
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi"), (err: unknown) => {
      assert.ok(err instanceof SMTPHeloError);
      assert.equal(err.smtpCode, 500);
      return true;
    });
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("ehloOrHeloIfNeeded on LMTP: LHLO refused -> SMTPHeloError, no HELO", async () => {
  const script = `
S: 220 lmtp.test LMTP
C: LHLO client.test
S: 502 no
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.ehloOrHeloIfNeeded(), SMTPHeloError);
  }, {}, LMTP);
});

test("LMTP over a Unix socket: LMTP.connect('/path.sock') speaks LHLO and reads a reply per recipient", async () => {
  const sock = path.join(tmpdir(), `smtplib-lmtp-${process.pid}-${randomBytes(4).toString("hex")}.sock`);
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 250 ok
S: 354 go
C: hi
C: .
S: 250 2.0.0 r1 saved
S: 552 5.2.2 r2 over quota
C: QUIT
S: 221 bye
`;
  const server = await startScriptServer(script, { path: sock });
  let client: LMTP | undefined;
  try {
    client = await LMTP.connect(sock, 0, { localHostname: LOCAL, timeout: 5000 });
    const refused = await client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n");
    assert.deepEqual([...refused].map(([k, v]) => [k, v.code]), [["r2@y.test", 552]]);
    assert.equal((await client.quit()).code, 221);
    await server.done;
    assert.equal(server.received(), expectedClientBytes(script));
  } finally {
    client?.close();
    await server.close();
  }
});

const LHLO_CHUNKING = greeting(["PIPELINING", "CHUNKING"], "LHLO");

test("LMTP with BDAT: the envelope's replies first (to count recipients), then BDAT LAST and one reply per accepted recipient", async () => {
  const script = `${LHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: RCPT TO:<r3@y.test>
S: 250 ok
S: 250 ok
S: 550 5.1.1 no r2
S: 250 ok
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 2.0.0 r1 saved
S: 452 4.2.2 r3 over quota
C: NOOP
S: 250 noop here
`;
  const t = traced();
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test", "r3@y.test"], Buffer.from("hi\r\n"));
    assert.deepEqual([...d.refused].map(([k, v]) => [k, v.code]), [["r2@y.test", 550], ["r3@y.test", 452]]);
    assert.deepEqual([...d.delivered.keys()], ["r1@y.test"]);
    assert.equal((await client.noop()).message, "noop here");
  }, t.options, LMTP);
  assert.equal(t.flow(), "S 220 | C LHLO | S 250 | C MAIL RCPT RCPT RCPT | S 250 250 550 250 | C BDAT LAST | S 250 452 | C NOOP | S 250");
});

test("LMTP with BDAT, lock-step, a streamed body in two chunks: one reply per chunk, then one per recipient", async () => {
  const KIB = 1024;
  const whole = Buffer.alloc(300 * KIB, "x");
  for (let i = 100; i < whole.length; i += 100) whole.write("\r\n.", i - 3, "latin1");
  const script = `
S: 220 lmtp.test LMTP ready
C: LHLO client.test
S: 250-lmtp.test
S: 250 CHUNKING
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: RCPT TO:<r2@y.test>
S: 250 ok
C: BDAT ${256 * KIB}
C! ${scriptEscape(whole.subarray(0, 256 * KIB).toString("latin1"))}
S: 250 chunk ok
C: BDAT ${whole.length - 256 * KIB} LAST
C! ${scriptEscape(whole.subarray(256 * KIB).toString("latin1"))}
S: 250 2.0.0 r1 saved
S: 250 2.0.0 r2 saved
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < whole.length; i += 32 * KIB) chunks.push(whole.subarray(i, i + 32 * KIB));
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], Readable.from(chunks));
    assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.message]), [["r1@y.test", "2.0.0 r1 saved"], ["r2@y.test", "2.0.0 r2 saved"]]);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP with a streamed body over DATA: dot-stuffed, one reply per recipient", async () => {
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 250 ok
S: 354 go
C: ..one
C: ..two
C: .
S: 550 5.7.1 r1 no
S: 250 2.0.0 r2 yes
`;
  await withScript(script, async (client) => {
    const refused = await client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], Readable.from([".one\r", "\n.two"], { objectMode: true }));
    assert.deepEqual([...refused.keys()], ["r1@y.test"]);
  }, {}, LMTP);
});
