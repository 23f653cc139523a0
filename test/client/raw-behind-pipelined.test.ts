/**
 * Raw commands (`send()`, `putcmd()`, `getreply()`, `docmd()`) made while a pipelined call
 * (or earlier `putcmd()` calls) still has replies due: each reply reaches its own reader.
 * The replies of a raw `send()`'s lines are held for `getreply()` up to a bound (100 beyond
 * one per line still unanswered); replies due ahead of those lines (to commands written
 * before them) answer none of them, and no longer use up that allowance, which dropped a
 * raw `send()`'s 101st reply behind 101 such replies (`getreply()` then waited for it until
 * the timeout closed the connection).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";
import { traced } from "../helpers/flow-trace.js";

const LHLO_BDAT = greeting(["PIPELINING", "CHUNKING"], "LHLO");
const HI = Buffer.from("hi\r\n");

/** Script lines `${tag} ${text(i)}` for i from 0 to n - 1. */
function lines(n: number, tag: "C:" | "S:", text: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => `${tag} ${text(i)}\n`).join("");
}

/** `NOOP r0` to `NOOP r{n-1}`, one line each, as one raw send(). */
function noops(n: number): string {
  return Array.from({ length: n }, (_, i) => `NOOP r${i}\r\n`).join("");
}

test("raw send() of 101 lines behind 101 putcmd() replies due: getreply() reads all 202, in order", async () => {
  const n = 101;
  const script = `${greeting(["PIPELINING"])}${lines(n, "C:", (i) => `NOOP p${i}`)}${lines(n, "C:", (i) => `NOOP r${i}`)}${lines(n, "S:", (i) => `250 p${i}`)}${lines(n, "S:", (i) => `250 r${i}`)}C: QUIT\nS: 221 bye\n`;
  await withScript(script, async (client) => {
    await client.ehlo();
    for (let i = 0; i < n; i++) await client.putcmd("NOOP", `p${i}`);
    await client.send(noops(n));
    const got: string[] = [];
    for (let i = 0; i < 2 * n; i++) got.push((await client.getreply()).message);
    assert.deepEqual(got, [...Array.from({ length: n }, (_, i) => `p${i}`), ...Array.from({ length: n }, (_, i) => `r${i}`)]);
    assert.equal((await client.quit()).code, 221);
  }, { timeout: 2000 }, SMTP);
});

test("SMTP, a transaction to 100 recipients written whole (pipelined BDAT), a raw send() of 102 lines behind its 102 replies: deliver() gets its replies, getreply() every raw one", async () => {
  const n = 100;
  const raw = n + 2;
  const to = Array.from({ length: n }, (_, i) => `r${i}@y.test`);
  // The transaction's replies and the raw lines' come in one write, before getreply() waits.
  const script = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>\n${lines(n, "C:", (i) => `RCPT TO:<r${i}@y.test>`)}C: BDAT 4 LAST
C! hi\\r\\n
${lines(raw, "C:", (i) => `NOOP r${i}`)}S: 250 ok
${lines(n, "S:", () => "250 ok")}S: 250 queued
${lines(raw, "S:", (i) => `250 r${i}`)}C: QUIT
S: 221 bye
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    const delivery = client.deliver("a@x.test", to, Buffer.from("hi\r\n"));
    await client.send(noops(raw));
    const d = await delivery;
    assert.equal(d.delivered.size, n);
    assert.equal(d.reply.message, "queued");
    const got: string[] = [];
    for (let i = 0; i < raw; i++) got.push((await client.getreply()).message);
    assert.deepEqual(got, Array.from({ length: raw }, (_, i) => `r${i}`));
    assert.equal((await client.quit()).code, 221);
  }, { timeout: 2000 }, SMTP);
});

test("LMTP BDAT in one round trip: a docmd() made at once is written only once the envelope replies are in, and gets its own reply after BDAT LAST's", async () => {
  const t = traced({ timeout: 3000 });
  const script = `${LHLO_BDAT}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 550 5.1.1 no r1
S: 250 ok
S: 250 2.0.0 r2 saved
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const [d, noop] = await Promise.all([client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], HI), client.docmd("NOOP")]);
    assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.message]), [["r2@y.test", "2.0.0 r2 saved"]]);
    assert.deepEqual([...d.refused].map(([k, v]) => [k, v.code]), [["r1@y.test", 550]]);
    assert.equal(noop.message, "noop here");
  }, t.options, LMTP);
  // The BDAT LAST reply count is known (one accepted) before anything else is written:
  // NOOP goes once the envelope replies are in (and, as the replies come, maybe BDAT LAST's).
  assert.match(t.flow(), /^S 220 \| C LHLO \| S 250 \| C MAIL RCPT RCPT BDAT LAST \| S 250 550 250( 250)? \| C NOOP \| S 250( 250)?$/);
});

test("LMTP BDAT in one round trip, every recipient refused: a raw send() made at once goes after the RSET, and BDAT LAST's optional slot never takes its refusal", async () => {
  for (const bdatRefused of [false, true]) {
    const script = `${LHLO_BDAT}C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 550 5.1.1 no r1
C: RSET
C: XYZZY
${bdatRefused ? "S: 554 5.5.1 no valid recipients\n" : ""}S: 250 reset
S: 500 5.5.2 what
C: NOOP
S: 250 noop here
`;
    await withScript(script, async (client) => {
      const refused = assert.rejects(client.deliver("a@x.test", ["r1@y.test"], HI), { name: "SMTPRecipientsRefused" });
      await client.send("XYZZY\r\n");
      assert.equal((await client.getreply()).message, "5.5.2 what");
      await refused;
      assert.equal((await client.noop()).message, "noop here");
    }, { timeout: 3000 }, LMTP);
  }
});

test("SMTP, pipelined DATA: a raw send() made at once goes after the end of data; sendmail() and getreply() each get their own reply", async () => {
  const script = `${greeting(["PIPELINING"])}C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 354 go
C: hi
C: .
C: NOOP
S: 550 5.7.1 rejected
S: 250 noop here
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    const refused = assert.rejects(client.sendmail("a@x.test", ["b@y.test"], "hi\r\n"), { name: "SMTPDataError", smtpCode: 550 });
    await client.send("NOOP\r\n");
    assert.equal((await client.getreply()).message, "noop here");
    await refused;
  }, { timeout: 3000 }, SMTP);
});
