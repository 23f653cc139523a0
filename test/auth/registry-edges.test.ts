/**
 * AuthRegistry at its edges: a mechanism name of exactly 1 and 20 characters (RFC 4422
 * §3.1's bounds), and the most preferred mechanism (index 0) found, moved and removed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { SASLMechanism } from "../../src/auth/mechanism.js";
import { AuthRegistry } from "../../src/auth/registry.js";

function mechanism(name: string): SASLMechanism {
  return { name, revealsSecret: false, needs: "password", start: () => ({ initialResponse: () => null, respond: () => Buffer.alloc(0) }) };
}

test("registry: a mechanism name of 1 or 20 characters is taken, one of 21 is a TypeError", () => {
  const reg = new AuthRegistry();
  reg.register(mechanism("X"));
  reg.register(mechanism("A".repeat(20)));
  assert.deepEqual(reg.names(), ["X", "A".repeat(20)]);
  assert.throws(() => reg.register(mechanism("A".repeat(21))), { name: "TypeError", message: "not a SASL mechanism name (RFC 4422 §3.1: 1-20 of A-Z 0-9 - _)" });
});

test("registry: the most preferred mechanism is found, moved before another without a copy left behind, and removed", () => {
  const reg = new AuthRegistry([mechanism("A"), mechanism("B"), mechanism("C")]);
  assert.equal(reg.has("a"), true);
  reg.register(mechanism("A"), { before: "C" });
  assert.deepEqual(reg.names(), ["B", "A", "C"]);
  assert.equal(reg.unregister("b"), true);
  assert.deepEqual(reg.names(), ["A", "C"]);
  assert.equal(reg.has("B"), false);
});
