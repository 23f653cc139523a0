/**
 * `getreply()` after a raw `send()` and a `putcmd()`: as in Python, each call reads the
 * next reply in the order they came, whether the raw command's reply came before the
 * `putcmd()` (it was held) or after it. Neither reply is lost, and no `getreply()` waits
 * for one that already came (until the timeout closes the connection).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { GREET, withScript } from "../helpers/client.js";

const SCRIPT = `${GREET}C: MAIL FROM:<a@x.test>\nS: 250 mail ok\nC: RCPT TO:<b@y.test>\nS: 250 rcpt ok\nC: NOOP\nS: 250 noop ok\n`;

test("send() then putcmd(), the raw command's reply already come: getreply() reads it, then the putcmd()'s", async () => {
  let traced!: () => void;
  const arrived = new Promise<void>((resolve) => { traced = resolve; });
  await withScript(SCRIPT, async (client) => {
    await client.send("MAIL FROM:<a@x.test>\r\n");
    await arrived; // traced as it is parsed, then held for getreply()
    await client.putcmd("RCPT", "TO:<b@y.test>");
    assert.equal((await client.getreply()).message, "mail ok");
    assert.equal((await client.getreply()).message, "rcpt ok");
    assert.equal((await client.noop()).message, "noop ok");
  }, { debugLevel: 1, debugOutput: (line) => { if (line === "S: 250 mail ok") traced(); } });
});

test("send() then putcmd() at once, both replies coming together after: getreply() reads the raw command's reply, then the putcmd()'s", async () => {
  // Both commands read, then both replies in one write: they reach the client at once.
  const together = `${GREET}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nS: 250 mail ok\nS: 250 rcpt ok\nC: NOOP\nS: 250 noop ok\n`;
  await withScript(together, async (client) => {
    await client.send("MAIL FROM:<a@x.test>\r\n");
    await client.putcmd("RCPT", "TO:<b@y.test>");
    assert.equal((await client.getreply()).message, "mail ok");
    assert.equal((await client.getreply()).message, "rcpt ok");
    assert.equal((await client.noop()).message, "noop ok");
  });
});

test("send() of two commands, then getreply() twice, both replies coming together after the first getreply() waits: the second is read, not discarded", async () => {
  await withScript(`${GREET}C: NOOP\nC: NOOP\nS: 250 one\nS: 250 two\nC: RSET\nS: 250 reset\n`, async (client) => {
    await client.send("NOOP\r\nNOOP\r\n");
    assert.equal((await client.getreply()).message, "one");
    assert.equal((await client.getreply()).message, "two");
    assert.equal((await client.rset()).message, "reset");
  }, { timeout: 2000 });
});

test("send() of 150 commands whose replies come together: getreply() reads every one of them, none dropped past 100", async () => {
  const n = 150;
  const replies = Array.from({ length: n }, (_, i) => `S: 250 ok ${i}\n`).join("");
  await withScript(`${GREET}${"C: NOOP\n".repeat(n)}${replies}C: QUIT\nS: 221 bye\n`, async (client) => {
    await client.send("NOOP\r\n".repeat(n));
    for (let i = 0; i < n; i++) assert.equal((await client.getreply()).message, `ok ${i}`);
    assert.equal((await client.quit()).code, 221);
  });
});
