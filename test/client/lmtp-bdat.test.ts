/**
 * LMTP with BDAT (RFC 2033 §4.2, RFC 3030) against adversarial servers: pipelined chunks
 * of a streamed body, one of them refused; BDAT LAST answered per recipient.
 */

import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { test } from "node:test";
import { LMTP, SMTPDataError, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";
import { scriptEscape, traced } from "../helpers/flow-trace.js";

const KIB = 1024;
const TWO = ["r1@y.test", "r2@y.test"];

/** 600 KiB in 64 KiB source chunks: BDAT 256 KiB, BDAT 256 KiB, BDAT 88 KiB LAST. */
function body(): { chunks: Buffer[]; parts: string[] } {
  const whole = Buffer.alloc(600 * KIB);
  for (let i = 0; i < whole.length; i++) whole[i] = 0x61 + (i % 26);
  const chunks: Buffer[] = [];
  for (let i = 0; i < whole.length; i += 64 * KIB) chunks.push(whole.subarray(i, i + 64 * KIB));
  const parts = [0, 256, 512].map((k, i, all) => whole.subarray(k * KIB, i + 1 < all.length ? all[i + 1]! * KIB : whole.length).toString("latin1"));
  return { chunks, parts };
}

function bdat(parts: readonly string[], last: boolean): string {
  return parts.map((p, i) => `C: BDAT ${p.length}${last && i === parts.length - 1 ? " LAST" : ""}\nC! ${scriptEscape(p)}`).join("\n");
}

const ENVELOPE = `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
S: 250 ok
S: 250 ok
S: 250 ok
`;

test("LMTP, pipelined BDAT, a stream: BDAT LAST waits for the chunks' replies, then one reply per recipient", async () => {
  const { chunks, parts } = body();
  const script = `${ENVELOPE}${bdat(parts.slice(0, 2), false)}
S: 250 chunk 1
S: 250 chunk 2
${bdat(parts.slice(2), true)}
S: 250 2.0.0 r1 saved
S: 452 4.2.2 r2 over quota
C: NOOP
S: 250 noop here
`;
  const t = traced();
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", TWO, Readable.from(chunks));
    assert.deepEqual([...d.delivered.keys()], ["r1@y.test"]);
    assert.deepEqual([...d.refused].map(([k, v]) => [k, v.code]), [["r2@y.test", 452]]);
    assert.equal((await client.noop()).message, "noop here");
  }, t.options, LMTP);
  assert.equal(t.flow(), "S 220 | C LHLO | S 250 | C MAIL RCPT RCPT | S 250 250 250 | C BDAT BDAT | S 250 250 | C BDAT LAST | S 250 452 | C NOOP | S 250");
});

test("LMTP, pipelined BDAT, a stream: a chunk refused while the next is pipelined -> no BDAT LAST (how many replies it would get is unknowable), RSET, SMTPDataError at once; the connection stays in step", async () => {
  const { chunks, parts } = body();
  for (const second of ["503 5.5.1 no transaction", "250 chunk 2"]) {
    const script = `${ENVELOPE}${bdat(parts.slice(0, 2), false)}
S: 552 5.3.4 too big
S: ${second}
C: RSET
S: 250 reset
C: NOOP
S: 250 noop here
`;
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", TWO, Readable.from(chunks)), (err: unknown) =>
        err instanceof SMTPDataError && err.smtpCode === 552 && err.command === "BDAT");
      assert.equal((await client.noop()).message, "noop here");
    }, {}, LMTP);
  }
});

test("LMTP, pipelined BDAT, a stream: the last chunk before LAST answered 421 (the server closes) -> SMTPDataError for BDAT, no BDAT LAST", async () => {
  const { chunks, parts } = body();
  const script = `${ENVELOPE}${bdat(parts.slice(0, 2), false)}
S: 250 chunk 1
S: 421 4.3.2 shutting down
-- close
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.deliver("a@x.test", TWO, Readable.from(chunks)), (err: unknown) =>
      err instanceof SMTPDataError && err.smtpCode === 421 && err.command === "BDAT");
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  }, {}, LMTP);
});

test("LMTP, pipelined BDAT, a stream: the server closes with the chunks unanswered -> SMTPServerDisconnected, no BDAT LAST", async () => {
  const { chunks, parts } = body();
  const script = `${ENVELOPE}${bdat(parts.slice(0, 2), false)}
S: 250 chunk 1
-- close
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.deliver("a@x.test", TWO, Readable.from(chunks)), SMTPServerDisconnected);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  }, {}, LMTP);
});
