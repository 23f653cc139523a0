/**
 * Option checks at construction, before any I/O: a `sourceAddress.host` that is not a
 * string, a non-ASCII `localHostname` (its A-label suggested when it has one), and the
 * debug level given as a boolean (Python's `True`/`False`) to `setDebugLevel()`, and as the
 * `debugLevel` option, which takes a number only.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP, SMTP_SSL, SMTPPool } from "../../src/index.js";

test("sourceAddress.host that is not a string -> TypeError naming what it got", () => {
  assert.throws(() => new SMTP({ sourceAddress: { host: 5 as unknown as string } }), {
    name: "TypeError", message: "sourceAddress.host must be a string, got number 5",
  });
});

test("a non-ASCII localHostname -> TypeError suggesting its A-label, or none when it has none", () => {
  assert.throws(() => new SMTP({ localHostname: "bücher.example" }), {
    name: "TypeError", message: 'localHostname must be ASCII: give an internationalised name in its A-label (punycode) form, "xn--bcher-kva.example"',
  });
  assert.throws(() => new SMTP({ localHostname: "xn--ü.example" }), {
    name: "TypeError", message: "localHostname must be ASCII: give an internationalised name in its A-label (punycode) form",
  });
});

test("setDebugLevel(true/false) is level 1/0, as Python's set_debuglevel(True); a string is a TypeError and leaves the level", () => {
  const client = new SMTP();
  client.setDebugLevel(true);
  assert.equal(client.debugLevel, 1);
  client.setDebugLevel(false);
  assert.equal(client.debugLevel, 0);
  assert.throws(() => client.setDebugLevel("1" as unknown as boolean), { name: "TypeError" });
  assert.equal(client.debugLevel, 0);
});

test("the debugLevel option given a boolean -> TypeError naming 0, 1 or 2 (it was taken as level 1 without a word), for every class and the pool", () => {
  const message = "debugLevel must be 0, 1 or 2, got boolean true (the option takes a number; setDebugLevel() also takes true or false, as Python's set_debuglevel)";
  for (const cls of [SMTP, SMTP_SSL, LMTP]) {
    assert.throws(() => new cls({ debugLevel: true as never }), { name: "TypeError", message }, cls.name);
    assert.throws(() => new cls({ debugLevel: false as never }), { name: "TypeError", message: /^debugLevel must be 0, 1 or 2, got boolean false / }, cls.name);
  }
  assert.throws(() => new SMTPPool({ host: "127.0.0.1", debugLevel: true as never }), { name: "TypeError", message });
  // a number, and null (not given), still are what they were
  assert.equal(new SMTP({ debugLevel: 2 }).debugLevel, 2);
  assert.equal(new SMTP({ debugLevel: null }).debugLevel, 0);
});
