/**
 * What a client reports of its TLS layer (`tlsInfo`).
 * @module
 */

import type * as tls from "node:tls";

/** What is known about the TLS layer once it is up. */
export interface TLSInfo {
  /** Negotiated protocol, e.g. `"TLSv1.3"`. */
  protocol: string | null;
  /** Negotiated cipher. */
  cipher: tls.CipherNameAndProtocol;
  /** The server's certificate (with `subject`, `issuer`, `valid_to`, ...). */
  peerCertificate: tls.PeerCertificate;
  /** Whether the certificate chain and name verified. */
  authorized: boolean;
  /**
   * Why they did not, when `authorized` is false (possible only with
   * `tls.rejectUnauthorized: false`): Node's code, such as `"CERT_HAS_EXPIRED"`,
   * `"DEPTH_ZERO_SELF_SIGNED_CERT"` or `"ERR_TLS_CERT_ALTNAME_INVALID"`.
   */
  authorizationError?: string;
}
