/**
 * The `tls-server-end-point` hash read from hand-built DER: RSASSA-PSS parameters in each
 * form RFC 4055 allows (the hash absent means SHA-1, which RFC 5929 §4.1 turns into
 * SHA-256), and certificates whose structure is broken where the reader looks, which have
 * no binding (null), never a throw or a guess.
 */

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { serverEndPointHash } from "../../src/transport/server-end-point.js";

/** A DER element: `tag`, a length (short or long form), `content`. */
function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, content]);
}

const seq = (...parts: Buffer[]): Buffer => tlv(0x30, Buffer.concat(parts));

/** An OBJECT IDENTIFIER element from its dotted form. */
function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split(".").map(Number) as [number, number, ...number[]];
  const bytes = [40 * a + b];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) groups.unshift((v & 0x7f) | 0x80);
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

const NULL = Buffer.from([0x05, 0x00]);
const PSS = "1.2.840.113549.1.1.10";
/** A tbsCertificate stand-in (the reader only skips it), long enough for long-form lengths. */
const TBS = seq(tlv(0x02, Buffer.alloc(200, 1)));
const SIGNATURE = tlv(0x03, Buffer.from([0x00, 0xaa]));

/** A certificate whose signatureAlgorithm is `algorithm` (an AlgorithmIdentifier's contents). */
function certificate(...algorithm: Buffer[]): Buffer {
  return seq(TBS, seq(...algorithm), SIGNATURE);
}

describe("tls-server-end-point from DER: RSASSA-PSS parameters", () => {
  it("no hashAlgorithm ([0] absent): SHA-1 by default, so SHA-256", () => {
    assert.equal(serverEndPointHash(certificate(oid(PSS), seq())), "sha256");
  });

  it("[0] naming SHA-384 or SHA-224: that hash", () => {
    assert.equal(serverEndPointHash(certificate(oid(PSS), seq(tlv(0xa0, seq(oid("2.16.840.1.101.3.4.2.2"), NULL))))), "sha384");
    assert.equal(serverEndPointHash(certificate(oid(PSS), seq(tlv(0xa0, seq(oid("2.16.840.1.101.3.4.2.4")))))), "sha224");
  });

  it("[0] naming a hash not known here (MD5), or not an AlgorithmIdentifier: none", () => {
    assert.equal(serverEndPointHash(certificate(oid(PSS), seq(tlv(0xa0, seq(oid("1.2.840.113549.2.5"), NULL))))), null);
    assert.equal(serverEndPointHash(certificate(oid(PSS), seq(tlv(0xa0, NULL)))), null);
    assert.equal(serverEndPointHash(certificate(oid(PSS), seq(tlv(0xa0, seq(NULL))))), null);
  });

  it("parameters missing, or not a SEQUENCE: none", () => {
    assert.equal(serverEndPointHash(certificate(oid(PSS))), null);
    assert.equal(serverEndPointHash(certificate(oid(PSS), NULL)), null);
  });
});

describe("tls-server-end-point from DER: broken certificates have none", () => {
  it("the same certificate with a known algorithm has one (the shapes below differ from it only where named)", () => {
    assert.equal(serverEndPointHash(certificate(oid("1.2.840.113549.1.1.12"), NULL)), "sha384");
  });

  it("a tbsCertificate that is not a SEQUENCE, or a signatureAlgorithm missing or not a SEQUENCE", () => {
    assert.equal(serverEndPointHash(seq(tlv(0x02, Buffer.from([1])), seq(oid("1.2.840.113549.1.1.11")), SIGNATURE)), null);
    assert.equal(serverEndPointHash(seq(TBS)), null);
    assert.equal(serverEndPointHash(seq(TBS, oid("1.2.840.113549.1.1.11"), SIGNATURE)), null);
  });

  it("an algorithm that is not an OBJECT IDENTIFIER, or an empty AlgorithmIdentifier", () => {
    assert.equal(serverEndPointHash(certificate(NULL, oid("1.2.840.113549.1.1.11"))), null);
    assert.equal(serverEndPointHash(certificate()), null);
  });

  it("a long-form length of zero bytes (BER's indefinite form) or of more than four", () => {
    assert.equal(serverEndPointHash(Buffer.concat([Buffer.from([0x30, 0x80]), TBS, Buffer.from([0, 0])])), null);
    assert.equal(serverEndPointHash(Buffer.from([0x30, 0x85, 0, 0, 0, 0, 1, 0])), null);
  });
});
