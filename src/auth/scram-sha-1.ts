/**
 * SCRAM-SHA-1 (RFC 5802), for servers that offer it and not SCRAM-SHA-256 (older Cyrus
 * SASL and Dovecot set-ups). The same exchange as SCRAM-SHA-256 (./scram.ts):
 * the password never crosses the link, the server's signature is verified, the iteration
 * count is held between 4096 (RFC 5802 §5.1's SHOULD) and `MAX_SCRAM_ITERATIONS`. Its
 * hash is SHA-1, whose collision attacks do not reach HMAC or PBKDF2: what makes it weaker
 * than SCRAM-SHA-256 is the faster hash (cheaper offline guessing for whoever sees an
 * exchange or steals the server's keys), so the registry puts it after SCRAM-SHA-256 and
 * before CRAM-MD5, PLAIN and LOGIN, which hand the server the password or a digest it can
 * be guessed from without any salt or iteration count.
 *
 * No SCRAM-SHA-1-PLUS here: where channel binding is wanted, SCRAM-SHA-256-PLUS is the form
 * to use. The gs2 flag follows SCRAM-SHA-256's rule: `y` when the connection could bind
 * and the server did not list SCRAM-SHA-1-PLUS, so a server that does support it detects a
 * man in the middle who removed it from the list; `n` otherwise.
 * @module
 */

import type { SASLMechanism } from "./mechanism.js";
import { createScramMechanism, type ScramOptions, type ScramVariant } from "./scram.js";

/** SCRAM-SHA-1 (RFC 5802): HMAC-SHA1, 20-byte keys. */
const SHA1: ScramVariant = Object.freeze({ name: "SCRAM-SHA-1", hash: "sha1", keyLength: 20, minIterationsRfc: "RFC 5802 §5.1", plus: false });

/** Options for {@link createScramSha1Mechanism}: SCRAM-SHA-256's without `plus` and `channelBinding`. */
export type ScramSha1Options = Omit<ScramOptions, "plus" | "channelBinding">;

/**
 * Makes a SCRAM-SHA-1 mechanism; `options.nonce` fixes the client nonce (for test vectors
 * only), `options.minIterations` the lowest iteration count accepted (default 4096).
 * Throws `TypeError` for an unknown option (`plus` included: there is no SCRAM-SHA-1-PLUS
 * here). `start()` throws `TypeError` for credentials SASLprep refuses or an empty user
 * name. The exchange throws `SMTPAuthenticationError` for a malformed or hostile server
 * message (an iteration count out of range included), a server error (`e=`), or a server
 * signature that is wrong or missing.
 */
export function createScramSha1Mechanism(given: ScramSha1Options = {}): SASLMechanism {
  return createScramMechanism(SHA1, given);
}

/** The SCRAM-SHA-1 mechanism with random client nonces. */
export const scramSha1Mechanism: SASLMechanism = createScramSha1Mechanism();
