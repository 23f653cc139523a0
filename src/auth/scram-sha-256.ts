/**
 * SCRAM-SHA-256 (RFC 5802 with RFC 7677) and SCRAM-SHA-256-PLUS, its channel-binding
 * form: by default over TLS 1.3 (`tls-exporter`, RFC 9266), or, when made with
 * `channelBinding: "tls-server-end-point"`, over any TLS version (RFC 5929, the server
 * certificate's hash). The password never crosses the link and the server must prove it
 * knows it: its signature in the final message is verified, and an exchange that ends
 * without one fails. PLUS also proves that both ends see the same TLS connection (with
 * `tls-server-end-point`: the same server certificate).
 *
 * Why `tls-server-end-point` is not the default under TLS 1.2: SMTP AUTH cannot say which
 * binding types a server accepts, and Dovecot (2.4), the server that offers PLUS in
 * practice, takes `tls-exporter` on TLS 1.3 and only `tls-unique` below it (which we do
 * not send: RFC 9266's triple handshake attack). Since a failed PLUS exchange is never
 * followed by a weaker mechanism (it may be a man in the middle's doing), sending
 * `tls-server-end-point` to such a server would turn a working SCRAM-SHA-256 login into a
 * failure. Use it for a server known to accept it.
 *
 * The gs2 channel-binding flag (RFC 5802 §6): `p=<type>` for PLUS; for plain SCRAM,
 * `y` ("I could bind, but you did not offer it") when the connection has a binding of
 * either type (`tls-exporter` on TLS 1.3, `tls-server-end-point` on any TLS version whose
 * certificate allows it: `AuthContext.channelBinding`) and the server did not advertise
 * SCRAM-SHA-256-PLUS, so that a server which does support it can detect a man in the
 * middle who removed it from the list; `n` when the client cannot bind (no TLS, or no
 * binding type usable on it), and when the server did advertise PLUS (a caller who leaves
 * PLUS out of the registry chose not to bind, and `y` would be refused) or its list is not
 * known.
 * @module
 */

import type { SASLMechanism } from "./mechanism.js";
import { createScramMechanism, type ScramOptions, type ScramVariant } from "./scram.js";

export { MAX_SCRAM_ITERATIONS, MIN_SCRAM_ITERATIONS, type ScramOptions } from "./scram.js";

/** SCRAM-SHA-256 (RFC 7677): HMAC-SHA256, 32-byte keys. */
const SHA256: ScramVariant = Object.freeze({ name: "SCRAM-SHA-256", hash: "sha256", keyLength: 32, minIterationsRfc: "RFC 7677 §4", plus: true });

/**
 * Makes a SCRAM-SHA-256 mechanism, or SCRAM-SHA-256-PLUS with `options.plus` (binding
 * type `options.channelBinding`, default `tls-exporter`); `options.nonce` fixes the client
 * nonce (for test vectors only); `options.minIterations` the lowest iteration count
 * accepted (default 4096). `start()` throws `TypeError` for credentials SASLprep
 * refuses or an empty user name, and for PLUS `SMTPException` when the connection has no channel binding of
 * that type. The exchange throws `SMTPAuthenticationError` for a
 * malformed or hostile server message (an iteration count out of range included), a server error (`e=`, such as
 * `channel-bindings-dont-match`), or a server signature that is wrong or missing.
 */
export function createScramSha256Mechanism(given: ScramOptions = {}): SASLMechanism {
  return createScramMechanism(SHA256, given);
}

/** The SCRAM-SHA-256 mechanism with random client nonces. */
export const scramSha256Mechanism: SASLMechanism = createScramSha256Mechanism();

/** The SCRAM-SHA-256-PLUS mechanism (TLS 1.3 channel binding) with random client nonces. */
export const scramSha256PlusMechanism: SASLMechanism = createScramSha256Mechanism({ plus: true });
