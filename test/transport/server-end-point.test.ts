/**
 * The RFC 5929 `tls-server-end-point` hash follows the certificate's signature algorithm
 * (SHA-256 for MD5 and SHA-1; none for Ed25519). Certificates are made by openssl with a
 * known digest; the expected binding is that digest of the DER, computed here.
 */

import assert from "node:assert/strict";
import { createHash, X509Certificate } from "node:crypto";
import { describe, it } from "node:test";
import { serverEndPointBinding, serverEndPointHash } from "../../src/transport/server-end-point.js";
import { createSelfSigned } from "../helpers/certs.js";

const EC_P256 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
const EC_P384 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1"];
const RSA = ["-newkey", "rsa:2048"];

/** Certificates by how they are signed, and the hash RFC 5929 then prescribes. */
const CASES: readonly (readonly [string, readonly string[], readonly string[], string | null])[] = [
  ["ECDSA with SHA-256", EC_P256, ["-sha256"], "sha256"],
  ["ECDSA with SHA-384", EC_P384, ["-sha384"], "sha384"],
  ["ECDSA with SHA-512", EC_P384, ["-sha512"], "sha512"],
  ["RSA with SHA-1 (SHA-256 instead)", RSA, ["-sha1"], "sha256"],
  ["RSA with SHA-384", RSA, ["-sha384"], "sha384"],
  ["RSASSA-PSS with SHA-512 (the hash is in its parameters)", RSA, ["-sha512", "-sigopt", "rsa_padding_mode:pss"], "sha512"],
  ["Ed25519 (no hash: undefined, none)", ["-newkey", "ed25519"], [], null],
];

describe("tls-server-end-point", () => {
  for (const [name, key, digest, hash] of CASES) {
    it(`${name}: ${hash ?? "no binding"}`, async () => {
      const der = new X509Certificate((await createSelfSigned(key, digest)).cert).raw;
      assert.equal(serverEndPointHash(der), hash);
      assert.deepEqual(serverEndPointBinding(der), hash === null ? null : createHash(hash).update(der).digest());
    });
  }

  it("bytes that are not a certificate have none", () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from([0x30]), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Buffer.from("not DER at all")]) {
      assert.equal(serverEndPointBinding(bytes), null);
    }
  });
});
