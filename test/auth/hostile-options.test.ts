/**
 * `createScramSha256Mechanism()` and `AuthRegistry` given what a caller without a type
 * checker might pass: a TypeError at once, never a mechanism quietly weaker than the one
 * asked for (`plus: "yes"` made plain SCRAM-SHA-256), one that would label another
 * binding's bytes `tls-unique`, or an entry that fails only inside a later `login()`.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { AuthRegistry, createScramSha256Mechanism, type SASLMechanism, type ScramOptions } from "../../src/index.js";

const BAD_SCRAM: readonly (readonly [string, unknown, RegExp])[] = [
  ["null", null, /SCRAM options must be an object, got null/],
  ["plus as the string \"yes\"", { plus: "yes" }, /plus must be true or false/],
  ["channelBinding tls-unique", { plus: true, channelBinding: "tls-unique" }, /channelBinding must be "tls-exporter" or "tls-server-end-point"/],
  ["channelBinding without plus", { channelBinding: "tls-server-end-point" }, /^channelBinding applies only with plus: true \(SCRAM-SHA-256-PLUS\)$/],
  ["a misspelt key", { plsu: true }, /unknown SCRAM option "plsu"/],
  ["a nonce that is not a function", { nonce: "abc" }, /nonce must be a function/],
];

for (const [name, options, message] of BAD_SCRAM) {
  test(`createScramSha256Mechanism() with ${name}: TypeError`, () => {
    assert.throws(() => createScramSha256Mechanism(options as ScramOptions), (err: unknown) => err instanceof TypeError && message.test(err.message));
  });
}

test("createScramSha256Mechanism() with good options still makes the mechanisms asked for", () => {
  assert.equal(createScramSha256Mechanism().name, "SCRAM-SHA-256");
  const plus = createScramSha256Mechanism({ plus: true, channelBinding: "tls-server-end-point" });
  assert.equal(plus.name, "SCRAM-SHA-256-PLUS");
  assert.equal(plus.channelBindingType, "tls-server-end-point");
});

const BAD_REGISTER: readonly (readonly [string, () => unknown, RegExp])[] = [
  ["new AuthRegistry(null)", () => new AuthRegistry(null as never), /mechanisms must be an iterable of SASL mechanisms, got null/],
  ["new AuthRegistry(5)", () => new AuthRegistry(5 as never), /mechanisms must be an iterable/],
  ["new AuthRegistry([null])", () => new AuthRegistry([null as never]), /a SASL mechanism must be an object, got null/],
  ["a mechanism without start()", () => new AuthRegistry([{ name: "X-MINE" } as SASLMechanism]), /a SASL mechanism must be an object with a start\(\) function/],
  ["register() with null options", () => new AuthRegistry().register(createScramSha256Mechanism(), null as never), /register options must be an object, got null/],
  ["register() with a misspelt option", () => new AuthRegistry().register(createScramSha256Mechanism(), { befor: "PLAIN" } as never), /unknown register option "befor"/],
];

for (const [name, call, message] of BAD_REGISTER) {
  test(`${name}: TypeError`, () => {
    assert.throws(call, (err: unknown) => err instanceof TypeError && message.test(err.message));
  });
}
