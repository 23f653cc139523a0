/**
 * The certificate reader behind `tls-server-end-point` against bytes it did not expect: a
 * certificate cut at every index, with any byte changed, or random bytes never makes it
 * throw, and gives no binding or one of the hashes it knows.
 */

import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { serverEndPointHash } from "../../src/transport/server-end-point.js";
import { createSelfSigned } from "../helpers/certs.js";

const KNOWN = new Set([null, "sha224", "sha256", "sha384", "sha512"]);

test("a certificate cut short at every index has no binding; whole, its own", async () => {
  const der = new X509Certificate((await createSelfSigned(["-newkey", "rsa:2048"], ["-sha384", "-sigopt", "rsa_padding_mode:pss"])).cert).raw;
  assert.equal(serverEndPointHash(der), "sha384");
  for (let i = 0; i < der.length; i++) assert.equal(serverEndPointHash(der.subarray(0, i)), null, `cut at ${i}`);
});

test("property: any byte of a certificate changed, or random bytes: no exception, no binding or a known hash", async () => {
  const der = new X509Certificate((await createSelfSigned(["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"], ["-sha256"])).cert).raw;
  fc.assert(fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (edits) => {
    const copy = Buffer.from(der);
    for (const [at, value] of edits) copy[at % copy.length] = value;
    assert.ok(KNOWN.has(serverEndPointHash(copy)));
  }), { numRuns: 3000 });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
    assert.ok(KNOWN.has(serverEndPointHash(Buffer.concat([Buffer.from([0x30, bytes.length]), bytes]))));
  }), { numRuns: 3000 });
});
