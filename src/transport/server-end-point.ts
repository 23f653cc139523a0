/**
 * The RFC 5929 §4 `tls-server-end-point` channel binding: a hash of the server's
 * certificate (its DER bytes), with the hash function of the certificate's own signature,
 * except that MD5 and SHA-1 become SHA-256. Defined for any TLS version (unlike
 * `tls-exporter`, TLS 1.3 only here), but weaker: it names the server's certificate, not
 * the connection, so it stops a man in the middle only while he cannot present that very
 * certificate. Node 20's `X509Certificate` does not report the signature algorithm, so
 * it is read from the DER here.
 * @module
 */

import { createHash } from "node:crypto";

/**
 * Signature algorithm OIDs (dotted) and the hash RFC 5929 takes for them. MD5 and SHA-1
 * give SHA-256 (RFC 5929 §4.1). RSASSA-PSS names its hash in its parameters (see
 * {@link pssHash}). Algorithms without one hash function (Ed25519, Ed448) are absent: RFC
 * 5929 leaves the binding undefined for them, and there is none.
 */
const SIGNATURE_HASH: ReadonlyMap<string, string> = new Map([
  ["1.2.840.113549.1.1.4", "sha256"], // md5WithRSAEncryption
  ["1.2.840.113549.1.1.5", "sha256"], // sha1WithRSAEncryption
  ["1.2.840.113549.1.1.14", "sha224"],
  ["1.2.840.113549.1.1.11", "sha256"],
  ["1.2.840.113549.1.1.12", "sha384"],
  ["1.2.840.113549.1.1.13", "sha512"],
  ["1.2.840.10045.4.1", "sha256"], // ecdsa-with-SHA1
  ["1.2.840.10045.4.3.1", "sha224"],
  ["1.2.840.10045.4.3.2", "sha256"],
  ["1.2.840.10045.4.3.3", "sha384"],
  ["1.2.840.10045.4.3.4", "sha512"],
  ["1.2.840.10040.4.3", "sha256"], // dsa-with-sha1
  ["2.16.840.1.101.3.4.3.1", "sha224"], // dsa-with-sha224
  ["2.16.840.1.101.3.4.3.2", "sha256"], // dsa-with-sha256
]);

/** RSASSA-PSS (RFC 4055): its hash is in the parameters. */
const RSASSA_PSS = "1.2.840.113549.1.1.10";

/** Hash algorithm OIDs as PSS parameters name them; SHA-1 gives SHA-256 as above. */
const HASH: ReadonlyMap<string, string> = new Map([
  ["1.3.14.3.2.26", "sha256"], // sha1
  ["2.16.840.1.101.3.4.2.4", "sha224"],
  ["2.16.840.1.101.3.4.2.1", "sha256"],
  ["2.16.840.1.101.3.4.2.2", "sha384"],
  ["2.16.840.1.101.3.4.2.3", "sha512"],
]);

/** One DER element: its tag, and where its contents start and end in the buffer. */
interface Element {
  readonly tag: number;
  readonly start: number;
  readonly end: number;
}

/** Reads the DER element at `at`; `null` when malformed or past `limit`. */
function element(der: Buffer, at: number, limit: number): Element | null {
  if (at + 2 > limit) return null;
  const tag = der[at]!;
  let length = der[at + 1]!;
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) return null;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i]!;
    start += count;
  }
  const end = start + length;
  return end > limit ? null : { tag, start, end };
}

/** The dotted form of an OBJECT IDENTIFIER's contents. */
function oid(der: Buffer, e: Element): string {
  const parts: number[] = [];
  let value = 0;
  for (let i = e.start; i < e.end; i++) {
    value = value * 128 + (der[i]! & 0x7f);
    if ((der[i]! & 0x80) === 0) {
      if (parts.length === 0) parts.push(value < 80 ? Math.floor(value / 40) : 2, value < 80 ? value % 40 : value - 80);
      else parts.push(value);
      value = 0;
    }
  }
  return parts.join(".");
}

/** The hash of RSASSA-PSS parameters (`params`, a SEQUENCE): `[0]` hashAlgorithm, SHA-1 when absent. */
function pssHash(der: Buffer, params: Element | null): string | null {
  if (params === null || params.tag !== 0x30) return null;
  const first = element(der, params.start, params.end);
  if (first === null || first.tag !== 0xa0) return HASH.get("1.3.14.3.2.26")!;
  const algorithm = element(der, first.start, first.end);
  const id = algorithm && algorithm.tag === 0x30 ? element(der, algorithm.start, algorithm.end) : null;
  return id && id.tag === 0x06 ? HASH.get(oid(der, id)) ?? null : null;
}

/**
 * The hash RFC 5929 prescribes for a certificate (DER): its signature's hash, SHA-256 for
 * MD5 and SHA-1; `null` for a signature algorithm with no single hash (Ed25519, Ed448),
 * one not known here, or bytes that are not a certificate.
 */
export function serverEndPointHash(der: Buffer): string | null {
  // Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm AlgorithmIdentifier, signature }
  const cert = element(der, 0, der.length);
  if (cert === null || cert.tag !== 0x30) return null;
  const tbs = element(der, cert.start, cert.end);
  const algorithm = tbs && tbs.tag === 0x30 ? element(der, tbs.end, cert.end) : null;
  if (algorithm === null || algorithm.tag !== 0x30) return null;
  const id = element(der, algorithm.start, algorithm.end);
  if (id === null || id.tag !== 0x06) return null;
  const name = oid(der, id);
  if (name === RSASSA_PSS) return pssHash(der, element(der, id.end, algorithm.end));
  return SIGNATURE_HASH.get(name) ?? null;
}

/**
 * The `tls-server-end-point` binding data of a server certificate (DER): its hash by
 * {@link serverEndPointHash}, or `null` when that is undefined.
 */
export function serverEndPointBinding(der: Buffer): Buffer | null {
  const hash = serverEndPointHash(der);
  return hash === null ? null : createHash(hash).update(der).digest();
}
