/**
 * `isDomainSyntax`, the one check of a domain's labels (the EHLO name this host computes, the
 * debugging server's `name`): against a whole-name regular expression of RFC 5321 §4.1.2
 * written out as a model, over names built from the characters that matter.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { isDomainSyntax } from "../../src/protocol/domain.js";

/** The model: labels of 1 to 63 letters, digits and hyphens, none at a label's ends, joined by dots. */
const MODEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

test("isDomainSyntax: examples", () => {
  for (const name of ["localhost", "smtplib-debug", "mx1.example.org", "a", "1.2.3", "x".repeat(63) + ".org"]) assert.equal(isDomainSyntax(name), true, name);
  for (const name of ["", ".", "a.", ".a", "a..b", "-a", "a-", "a_b", "a b", "x".repeat(64), "[127.0.0.1]", "é.org"]) assert.equal(isDomainSyntax(name), false, name);
});

test("isDomainSyntax agrees with the whole-name model on any name of letters, digits, hyphens, dots and a few others", () => {
  const char = fc.constantFrom("a", "Z", "0", "9", "-", ".", "_", " ", "é");
  const long = fc.integer({ min: 60, max: 66 }).map((n) => "a".repeat(n));
  const name = fc.array(fc.oneof(char, long), { maxLength: 12 }).map((parts) => parts.join(""));
  fc.assert(fc.property(name, (n) => isDomainSyntax(n) === MODEL.test(n)), { numRuns: 3000 });
});
