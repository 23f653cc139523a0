/**
 * Option checks at construction, before any I/O: a `sourceAddress.host` that is not a
 * string, a non-ASCII `localHostname` (its A-label suggested when it has one), and the
 * debug level given as a boolean (Python's `True`/`False`).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";

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
