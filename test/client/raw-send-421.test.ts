/**
 * A 421 read by `getreply()` after a raw `send()` closes the connection (RFC 5321 §3.8,
 * API.md "Python behaviours we fix"), whether the reply came before `getreply()` was
 * called (held for it) or after; and a reply held so is still returned once the server
 * has hung up after it (as Python reads it from its buffer).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPServerDisconnected } from "../../src/index.js";
import { GREET, withScript } from "../helpers/client.js";

const SCRIPT = `${GREET}C: NOOP\nS: 421 4.3.2 shutting down\n`;

test("getreply() after send(): a 421 that came before the call closes the connection", async () => {
  let traced!: () => void;
  const arrived = new Promise<void>((resolve) => { traced = resolve; });
  await withScript(SCRIPT, async (client) => {
    await client.send("NOOP\r\n");
    // The reply is traced as it is parsed, then held for getreply(): it has come.
    await arrived;
    await new Promise((resolve) => setImmediate(resolve));
    const reply = await client.getreply();
    assert.equal(reply.code, 421);
    assert.equal(client.connected, false);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  }, { debugLevel: 1, debugOutput: (line) => { if (line.startsWith("S: 421")) traced(); } });
});

test("getreply() after send(): a 421 that comes while it waits closes the connection", async () => {
  await withScript(SCRIPT, async (client) => {
    await client.send("NOOP\r\n");
    const reply = await client.getreply();
    assert.equal(reply.code, 421);
    assert.equal(client.connected, false);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("getreply() after send(): a reply that came before the server hung up is still returned", async () => {
  await withScript(`${GREET}C: NOOP\nS: 421 4.3.2 shutting down\n-- close\n`, async (client) => {
    await client.send("NOOP\r\n");
    // The server hangs up right after its reply: wait until the client has seen that.
    while (client.connected) await new Promise((resolve) => setImmediate(resolve));
    const reply = await client.getreply();
    assert.equal(reply.code, 421);
    assert.equal(reply.message, "4.3.2 shutting down");
    await assert.rejects(client.getreply(), SMTPServerDisconnected);
  });
});
