/**
 * The option keys Node 20's TLS client knows, and the check that refuses any other key in
 * `tls`: a misspelt key (`rejectUnauthorised`, `servrname`, `CA`) was ignored by Node without
 * a word, and the connection ran with the default the caller meant to change (certificates
 * not checked as asked, another name sent as SNI, the system's CAs trusted). No I/O.
 * @module
 */
import { didYouMean } from "./did-you-mean.js";

/**
 * The options `tls.createSecureContext()` reads for a client's context: with a caller's own
 * `secureContext`, Node uses that context as it is and ignores each of these.
 */
export const CONTEXT_KEYS: readonly string[] = [
  "ca", "cert", "key", "pfx", "passphrase", "ciphers", "sigalgs", "ecdhCurve", "dhparam", "crl",
  "honorCipherOrder", "minVersion", "maxVersion", "secureProtocol", "secureOptions",
  "privateKeyEngine", "privateKeyIdentifier", "clientCertEngine", "allowPartialTrustChain",
];

/**
 * Every option Node 20's documentation gives for `tls.connect()` (its own, "any
 * `socket.connect()` option", and its `timeout`), for the `tls.TLSSocket` it makes, and for
 * `tls.createSecureContext()`. Some of these the client refuses all the same, each with its
 * own advice (see `tls-taken-keys.ts`); the rest it hands to Node.
 */
const NODE_TLS_CLIENT_KEYS: readonly string[] = [
  // tls.connect(options)
  "enableTrace", "host", "port", "path", "socket", "allowHalfOpen", "rejectUnauthorized", "pskCallback",
  "ALPNProtocols", "servername", "checkServerIdentity", "session", "minDHSize", "highWaterMark",
  "secureContext", "onread", "timeout",
  // socket.connect(options), which tls.connect() takes too
  "autoSelectFamily", "autoSelectFamilyAttemptTimeout", "family", "hints", "keepAlive",
  "keepAliveInitialDelay", "localAddress", "localPort", "lookup", "noDelay",
  // new tls.TLSSocket(socket, options), which tls.connect() passes its options to
  "isServer", "server", "requestCert", "SNICallback", "requestOCSP",
  // tls.createSecureContext(options): the context's own, and a TLS server's three
  ...CONTEXT_KEYS, "sessionIdContext", "ticketKeys", "sessionTimeout",
];

/**
 * Refuses a key of `options` (the TLS options named `what`) that is none of Node 20's TLS
 * client options (see {@link NODE_TLS_CLIENT_KEYS}), whatever its value: the TypeError names
 * the key and, when one is near, the key meant (`unknown tls option "rejectUnauthorised"
 * (did you mean "rejectUnauthorized"?)`), never the value. The keys `refusedElsewhere` (those a
 * caller's check refuses with advice of its own, or takes as not given when `null`) pass.
 * @throws TypeError
 */
export function checkKnownTLSKeys(options: object, what: string, refusedElsewhere: readonly string[] = []): void {
  for (const key of Object.keys(options)) {
    if (NODE_TLS_CLIENT_KEYS.includes(key) || refusedElsewhere.includes(key)) continue;
    throw new TypeError(`unknown ${what} option ${JSON.stringify(key.slice(0, 80))}${didYouMean(key, NODE_TLS_CLIENT_KEYS)}: Node's TLS client would ignore it; the options it takes are those of tls.connect() and tls.createSecureContext()`);
  }
}
