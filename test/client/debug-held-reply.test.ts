/**
 * Debug output says "discarded" only of a reply that really is: one held after a raw
 * `send()` for `getreply()` to read is not.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { GREET, withScript } from "../helpers/client.js";

const DISCARDED = "(discarded a reply that no command was waiting for)";

test("debug output: replies to raw send() lines, held and read by getreply(), are not reported discarded", async () => {
  const lines: string[] = [];
  await withScript(`${GREET}C: NOOP\nC: NOOP\nS: 250 a\nS: 250 b\nC: NOOP\nS: 250 c\n`, async (client) => {
    await client.send("NOOP\r\nNOOP\r\n");
    assert.equal((await client.getreply()).message, "a");
    assert.equal((await client.getreply()).message, "b");
    await client.noop();
  }, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  assert.ok(!lines.includes(DISCARDED), lines.join("\n"));
});

test("debug output: a reply that no command waits for and nothing holds is reported discarded", async () => {
  const lines: string[] = [];
  await withScript(`${GREET}C: NOOP\nS: 250 a\nS: 250 stray\nC: NOOP\nS: 250 c\n`, async (client) => {
    assert.equal((await client.noop()).message, "a");
    assert.equal((await client.noop()).message, "c");
  }, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  assert.equal(lines[lines.indexOf("S: 250 stray") + 1], DISCARDED, lines.join("\n"));
});
