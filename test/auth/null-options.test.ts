/**
 * `createScramSha256Mechanism()`'s and `AuthRegistry.register()`'s options set to `null` are
 * options not given, as README says of every option (Python's `None`), and as their types say.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthRegistry, createScramSha256Mechanism } from "../../src/index.js";

test("createScramSha256Mechanism: every option set to null is one not given (was: TypeError for channelBinding and minIterations)", () => {
  const plain = createScramSha256Mechanism({ nonce: null, plus: null, channelBinding: null, pbkdf2: null, minIterations: null });
  assert.equal(plain.name, "SCRAM-SHA-256");
  const plus = createScramSha256Mechanism({ plus: true, channelBinding: null, minIterations: null });
  assert.equal(plus.name, "SCRAM-SHA-256-PLUS");
  assert.equal(plus.channelBindingType, "tls-exporter");
});

test("AuthRegistry.register: before set to null is not given, as when left out (was: TypeError, not a SASL mechanism name)", () => {
  const registry = new AuthRegistry();
  const names = registry.names();
  registry.register({ ...createScramSha256Mechanism(), name: "X-NEW" }, { before: null });
  assert.deepEqual(registry.names(), [...names, "X-NEW"]);
});
