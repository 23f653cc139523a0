/**
 * A SCRAM exchange run raw (`docmd`/`putcmd`, or `send()`) shows the server's messages in
 * debug output by their length only, as `login()` does: the salt, the iteration count and
 * the server signature `v=` would let whoever reads the transcript test password guesses
 * offline. A raw exchange of another mechanism shows its challenges.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { GREET, withScript } from "../helpers/client.js";

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
const FIRST = b64("n,,n=user,r=cNonce");
const SERVER_FIRST = b64("r=cNonceSNonce,s=QUJDREVGR0g=,i=4096");
const FINAL = b64("c=biws,r=cNonceSNonce,p=cHJvb2Y=");
const SERVER_FINAL = b64("v=c2lnbmF0dXJlLW9mLXRoZS1zZXJ2ZXI=");
const SCRIPT = `${GREET}C: AUTH SCRAM-SHA-256 ${FIRST}\nS: 334 ${SERVER_FIRST}\nC: ${FINAL}\nS: 334 ${SERVER_FINAL}\nC: \nS: 235 ok\nC: NOOP\nS: 250 ok\n`;

/** The debug lines of `run` on the SCRAM script. */
async function traced(run: (client: Parameters<Parameters<typeof withScript>[1]>[0]) => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  await withScript(SCRIPT, run, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  return lines;
}

function assertMasked(lines: string[]): void {
  const all = lines.join("\n");
  for (const secret of [SERVER_FIRST, SERVER_FINAL, FINAL]) assert.ok(!all.includes(secret), all);
  assert.equal(lines.filter((l) => /^S: 334 <challenge, \d+ characters, not shown>$/.test(l)).length, 2, all);
  assert.ok(lines.includes("S: 235 ok") && lines.includes("S: 250 ok"), all);
}

test("docmd(): a raw SCRAM exchange shows the server's 334 messages by their length only", async () => {
  assertMasked(await traced(async (client) => {
    assert.equal((await client.docmd("AUTH", `SCRAM-SHA-256 ${FIRST}`)).code, 334);
    assert.equal((await client.docmd(FINAL)).code, 334);
    assert.equal((await client.docmd("")).code, 235);
    await client.noop();
  }));
});

test("send(): a raw SCRAM exchange shows the server's 334 messages by their length only", async () => {
  assertMasked(await traced(async (client) => {
    await client.send(`AUTH SCRAM-SHA-256 ${FIRST}\r\n`);
    assert.equal((await client.getreply()).code, 334);
    await client.send(`${FINAL}\r\n`);
    assert.equal((await client.getreply()).code, 334);
    await client.send("\r\n");
    assert.equal((await client.getreply()).code, 235);
    await client.noop();
  }));
});

test("docmd(): a raw LOGIN exchange still shows its challenges", async () => {
  const lines: string[] = [];
  await withScript(`${GREET}C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: *\nS: 501 cancelled\n`, async (client) => {
    assert.equal((await client.docmd("AUTH LOGIN")).code, 334);
    assert.equal((await client.docmd("*")).code, 501);
  }, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  assert.ok(lines.includes("S: 334 VXNlcm5hbWU6"), lines.join("\n"));
});
