/**
 * Replies held for `getreply()` after a raw `send()` are dropped when a command opens a slot
 * first (`noop()` here: Python would have read the first as NOOP's; this client reads the
 * NOOP's own). Their lines are answered then: they must not stay counted as unanswered, else
 * every later raw `send()` is taken to follow unanswered lines, and replies due ahead of its
 * own (to `putcmd()` lines written before) count down its allowance again, as before
 * f173136: behind more such replies than its lines, its own past the hold bound (100) were
 * dropped, and `getreply()` waited for one until the timeout closed the connection.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { greeting, heardInTrace, withScript } from "../helpers/client.js";

/** Script lines `${tag} ${text(i)}` for i from 0 to n - 1. */
function lines(n: number, tag: "C:" | "S:", text: (i: number) => string): string {
  return Array.from({ length: n }, (_, i) => `${tag} ${text(i)}\n`).join("");
}

/** How many `putcmd()` replies are due ahead of the raw `send()`, and how many lines it has (past the hold bound, 100). */
const AHEAD = 150;
const RAW = 101;

/** The script's end: {@link AHEAD} `putcmd()` NOOPs, then {@link RAW} raw ones, their replies in order, and QUIT. */
const BEHIND_PUTCMD = `${lines(AHEAD, "C:", (i) => `NOOP p${i}`)}${lines(RAW, "C:", (i) => `NOOP r${i}`)}${lines(AHEAD, "S:", (i) => `250 p${i}`)}${lines(RAW, "S:", (i) => `250 r${i}`)}C: QUIT\nS: 221 bye\n`;

/** Writes {@link BEHIND_PUTCMD}'s commands, and checks that getreply() reads every reply, in order; then QUIT. */
async function rawBehindPutcmd(client: SMTP): Promise<void> {
  for (let i = 0; i < AHEAD; i++) await client.putcmd("NOOP", `p${i}`);
  await client.send(Array.from({ length: RAW }, (_, i) => `NOOP r${i}\r\n`).join(""));
  const got: string[] = [];
  for (let i = 0; i < AHEAD + RAW; i++) got.push((await client.getreply()).message);
  assert.deepEqual(got, [...Array.from({ length: AHEAD }, (_, i) => `p${i}`), ...Array.from({ length: RAW }, (_, i) => `r${i}`)]);
  assert.equal((await client.quit()).code, 221);
}

test("replies held for getreply() dropped by noop() (two, and one slot): a later raw send() of 101 lines behind 150 putcmd() replies due still gets all of its replies", async () => {
  const script = `${greeting(["PIPELINING"])}C: NOOP w
C: NOOP x
S: 250 w
S: 250 x
C: NOOP
S: 250 own
${BEHIND_PUTCMD}`;
  const { heard: held, debugOutput } = heardInTrace("250 x");
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.send("NOOP w\r\nNOOP x\r\n");
    await held; // both replies have come, and are held for getreply()
    assert.equal((await client.noop()).message, "own");
    await rawBehindPutcmd(client);
  }, { timeout: 2000, debugLevel: 1, debugOutput }, SMTP);
});

test("a message sent raw after a raw DATA (its lines have no replies of their own): a later raw send() of 101 lines behind 150 putcmd() replies due still gets all of its replies", async () => {
  const script = `${greeting(["PIPELINING"])}C: MAIL FROM:<a@x.test>
S: 250 sender ok
C: RCPT TO:<b@y.test>
S: 250 rcpt ok
C: DATA
S: 354 go
C: line 1
C: line 2
C: line 3
C: .
S: 250 queued
${BEHIND_PUTCMD}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    for (const line of ["MAIL FROM:<a@x.test>", "RCPT TO:<b@y.test>", "DATA"]) {
      await client.send(`${line}\r\n`);
      await client.getreply();
    }
    await client.send("line 1\r\nline 2\r\nline 3\r\n.\r\n");
    assert.equal((await client.getreply()).message, "queued");
    await rawBehindPutcmd(client);
  }, { timeout: 2000 }, SMTP);
});
